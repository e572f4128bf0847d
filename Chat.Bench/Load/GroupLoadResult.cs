using Chat.Bench.Targets;

namespace Chat.Bench.Load;

/// <summary>
/// One group run's speed and correctness. A delivery is one member's receipt of one message (the sender gets an ack
/// instead), so DeliveryRate = MessageRate × (GroupSize − 1). LastMember: from a message's intended send time to its
/// last member's receipt; EachDelivery: to every member's. CpuPerMessage is per group message, not per delivery.
/// </summary>
public sealed record GroupLoadResult(
    string Label, string Target, string Storage, int GroupSize, int Groups, double MessageRate, double DeliveryRate,
    double AchievedMessageRate, double Seconds, long Sent, long Acked, long Delivered, long ExpectedDeliveries,
    long Lost, long Duplicates, long OrderViolations, long Errors, long? StoredRows,
    LatencySummary LastMember, LatencySummary EachDelivery, LatencySummary Ack, LatencySummary SendLag, long StragglersFromEarlierRuns,
    double ServerCpu, CpuPerMessage CpuPerMessage, double GeneratorCpu, bool Passed, IReadOnlyList<string> Failures) : IRateRun
{
    double IRateRun.TargetRate => DeliveryRate;

    /// <summary>Held: every member had every message within the limit at p99 (and every sender its ack), with no loss or error.</summary>
    public bool HeldSlo(double p99LimitMs) => Passed && LastMember.P99 <= p99LimitMs && Ack.P99 <= p99LimitMs;

    public string WhyNotHeld(double p99LimitMs) => Passed
        ? $"p99 to the last member {Math.Max(LastMember.P99, Ack.P99)} ms > {p99LimitMs} ms"
        : string.Join("; ", Failures);
}
