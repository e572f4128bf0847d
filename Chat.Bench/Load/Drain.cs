using System.Diagnostics;

namespace Chat.Bench.Load;

/// <summary>
/// A slow server is late, not lossy: after the sends, wait while acks and deliveries keep coming. What is still missing
/// once they stop for the quiet timeout (or after <see cref="LoadPlan.MaxDrain"/>) is lost; the latency figures already
/// charge the lateness.
/// </summary>
public static class Drain
{
    public static async Task UntilQuietAsync(Func<long> acked, long acks, Func<long> delivered, long deliveries, TimeSpan quietTimeout)
    {
        var drain = Stopwatch.StartNew();
        var quiet = Stopwatch.StartNew();
        var progress = -1L;
        while ((acked() < acks || delivered() < deliveries) && quiet.Elapsed < quietTimeout && drain.Elapsed < LoadPlan.MaxDrain)
        {
            await Task.Delay(20);
            var now = acked() + delivered();
            if (now == progress) continue;
            progress = now;
            quiet.Restart();
        }
    }
}
