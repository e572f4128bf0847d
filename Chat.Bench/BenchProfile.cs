namespace Chat.Bench;

/// <summary>How much of everything a run does. Quick fits in under two minutes; full is the numbers.</summary>
public sealed record BenchProfile(
    string Name,
    int Connections,
    double FixedRate,
    TimeSpan RunDuration,
    TimeSpan Warmup,
    TimeSpan QuietTimeout,
    int MessageBytes,
    bool StepMode,
    double StepStartRate,
    double StepFactor,
    TimeSpan StepDuration,
    double StepMaxRate,
    int IdleConnections,
    int HistoryMessages,
    IReadOnlyList<long> HistoryDepths,
    int HistorySamples)
{
    /// <summary>The service level of the step search: a rate holds while p99 stays at or under this.</summary>
    public const double P99LimitMs = 50;

    /// <summary>Bisecting probes between the last step that held and the first that did not.</summary>
    public const int StepProbes = 3;

    // 200 msg/s: a rate the first app build (about 250-400 msg/s on one core) can hold, so the quick table
    // compares latencies rather than backlogs, and the run stays short.
    public static readonly BenchProfile Quick = new(
        "quick", Connections: 100, FixedRate: 200, RunDuration: TimeSpan.FromSeconds(6), Warmup: TimeSpan.FromSeconds(2),
        QuietTimeout: TimeSpan.FromSeconds(5), MessageBytes: 256,
        StepMode: false, StepStartRate: 0, StepFactor: 0, StepDuration: TimeSpan.Zero, StepMaxRate: 0,
        IdleConnections: 1000, HistoryMessages: 100_000, HistoryDepths: [0, 10_000], HistorySamples: 15);

    public static readonly BenchProfile Full = new(
        "full", Connections: 200, FixedRate: 500, RunDuration: TimeSpan.FromSeconds(15), Warmup: TimeSpan.FromSeconds(3),
        QuietTimeout: TimeSpan.FromSeconds(10), MessageBytes: 256,
        StepMode: true, StepStartRate: 100, StepFactor: 1.5, StepDuration: TimeSpan.FromSeconds(8), StepMaxRate: 200_000,
        IdleConnections: 10_000, HistoryMessages: 1_000_000, HistoryDepths: [0, 10_000, 100_000], HistorySamples: 25);
}
