using Chat.Bench.Targets;
using HdrHistogram;

namespace Chat.Bench.Load;

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max)
{
    public static LatencySummary From(HistogramBase micros) => micros.TotalCount == 0
        ? new(0, 0, 0, 0, 0, 0)
        : new(micros.TotalCount, Ms(micros.GetValueAtPercentile(50)), Ms(micros.GetValueAtPercentile(90)),
            Ms(micros.GetValueAtPercentile(99)), Ms(micros.GetValueAtPercentile(99.9)), Ms(micros.GetMaxValue()));

    static double Ms(long micros) => Math.Round(micros / 1000.0, 2);
}

/// <summary>
/// One open-loop run's speed and correctness. Passed = nothing lost, duplicated, reordered or failed. ServerCpu is the
/// server process's share of a core over the run; CpuPerMessage what the server side spent per message sent, by process.
/// </summary>
public sealed record LoadResult(
    string Label, string Target, string Storage, int Connections, double TargetRate, double AchievedRate, double Seconds,
    long Sent, long Acked, long Delivered, long Lost, long Duplicates, long OrderViolations, long Errors, long? StoredRows,
    LatencySummary EndToEnd, LatencySummary Ack, LatencySummary SendLag, long StragglersFromEarlierRuns,
    double ServerCpu, CpuPerMessage CpuPerMessage, double GeneratorCpu, bool Passed, IReadOnlyList<string> Failures) : IRateRun
{
    /// <summary>Held the 50 ms p99 service level with no loss or error.</summary>
    public bool HeldSlo(double p99LimitMs) => Passed && EndToEnd.P99 <= p99LimitMs && Ack.P99 <= p99LimitMs;

    public string WhyNotHeld(double p99LimitMs) => Passed
        ? $"p99 {Math.Max(EndToEnd.P99, Ack.P99)} ms > {p99LimitMs} ms"
        : string.Join("; ", Failures);
}
