using System.Diagnostics;

namespace Chat.Tests.Resilience;

/// <summary>
/// What the clients of one run share: the clock every event is timed on, the count of acked messages (the faults are
/// set off by it), and how many messages each sender may have started (the gate), which the test raises stage by stage
/// so that the traffic cannot run out before the last fault.
/// </summary>
public sealed class Traffic
{
    readonly Stopwatch clock = Stopwatch.StartNew();
    long acked;
    volatile int gate;

    /// <summary>Milliseconds since the run began.</summary>
    public double Now => clock.Elapsed.TotalMilliseconds;

    public long Acked => Interlocked.Read(ref acked);

    /// <summary>How many messages each sender may have started so far.</summary>
    public int Gate => gate;

    public void OpenGate(int perSender)
    {
        if (perSender > gate) gate = perSender;
    }

    internal void CountAck() => Interlocked.Increment(ref acked);
}
