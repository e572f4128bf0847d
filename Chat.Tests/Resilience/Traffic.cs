using System.Diagnostics;

namespace Chat.Tests.Resilience;

/// <summary>
/// What the clients of one run share: the clock every event is timed on, the counts of messages started (the faults are
/// set off by it) and acked, and how many messages each sender may have started (the gate), which the test raises stage by stage
/// so that the traffic cannot run out before the last fault.
/// </summary>
public sealed class Traffic
{
    readonly Stopwatch clock = Stopwatch.StartNew();
    long acked, started;
    volatile int gate;

    /// <summary>Milliseconds since the run began.</summary>
    public double Now => clock.Elapsed.TotalMilliseconds;

    public long Acked => Interlocked.Read(ref acked);

    /// <summary>Messages sent for the first time.</summary>
    public long Started => Interlocked.Read(ref started);

    /// <summary>How many messages each sender may have started so far.</summary>
    public int Gate => gate;

    public void OpenGate(int perSender)
    {
        if (perSender > gate) gate = perSender;
    }

    internal void CountAck() => Interlocked.Increment(ref acked);

    internal void CountStart() => Interlocked.Increment(ref started);
}
