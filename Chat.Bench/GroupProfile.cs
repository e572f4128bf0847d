namespace Chat.Bench;

/// <summary>
/// The group mode (--groups): every one of <see cref="Members"/> users connected, in groups of each size in turn (100
/// groups of 10, 10 of 100, one of 1,000), a fixed-rate run for the 1,000-member target and a step search per size.
/// Rates are deliveries a second: group messages × (size − 1).
/// </summary>
public sealed record GroupProfile(
    int Members, IReadOnlyList<int> Sizes, int FixedSize, double FixedMessageRate, double FixedP99LimitMs, TimeSpan FixedDuration,
    double StepStartDeliveries, double StepFactor, double StepMaxDeliveries, TimeSpan StepDuration, TimeSpan Warmup,
    TimeSpan QuietTimeout, int MessageBytes)
{
    // The targets: a 1,000-member group at 10 messages a second within 250 ms at p99, and the step search's
    // 50 ms service level (BenchProfile.P99LimitMs) for every size.
    public static readonly GroupProfile Default = new(
        Members: 1000, Sizes: [10, 100, 1000], FixedSize: 1000, FixedMessageRate: 10, FixedP99LimitMs: 250,
        FixedDuration: TimeSpan.FromSeconds(20), StepStartDeliveries: 5000, StepFactor: 1.5, StepMaxDeliveries: 2_000_000,
        StepDuration: TimeSpan.FromSeconds(8), Warmup: TimeSpan.FromSeconds(3), QuietTimeout: TimeSpan.FromSeconds(5), MessageBytes: 256);
}
