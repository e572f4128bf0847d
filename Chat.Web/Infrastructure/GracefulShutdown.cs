namespace Chat.Web.Infrastructure;

/// <summary>
/// The order of a graceful stop (SIGTERM): readiness turns false at once; after <c>SHUTDOWN_DRAIN_SECONDS</c> (time for
/// a load balancer to see it and send new clients elsewhere) the node tells its sockets to reconnect elsewhere, and the
/// host stops within <c>SHUTDOWN_TIMEOUT_SECONDS</c> in all.
/// </summary>
public sealed class GracefulShutdown(ChatSettings settings)
{
    volatile bool stopping;

    public bool IsStopping => stopping;

    /// <summary>Called once the host begins to stop: readiness first, then the drain, then <paramref name="release"/>.</summary>
    public void Begin(Action release)
    {
        stopping = true;
        if (settings.ShutdownDrainSeconds > 0) Thread.Sleep(TimeSpan.FromSeconds(settings.ShutdownDrainSeconds));
        release();
    }
}
