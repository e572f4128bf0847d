namespace Chat.Web.Features.Realtime;

/// <summary>
/// A token bucket for one connection's frames, refilled from the clock when a frame arrives rather than by a timer per
/// connection (System.Threading.RateLimiting's replenishing limiter), so an idle connection's limit is two fields.
/// Used by the connection's read loop only, so it takes no lock.
/// </summary>
public sealed class FrameAllowance(int perSecond, int burst, TimeProvider clock)
{
    double tokens = burst;
    long refilledAt = clock.GetTimestamp();

    public bool TryTake()
    {
        var now = clock.GetTimestamp();
        tokens = Math.Min(burst, tokens + clock.GetElapsedTime(refilledAt, now).TotalSeconds * perSecond);
        refilledAt = now;
        if (tokens < 1) return false;
        tokens--;
        return true;
    }
}
