using Chat.Bench.Load;
using Chat.Bench.Reporting;
using Chat.Bench.Targets;

namespace Chat.Bench;

/// <summary>
/// The group mode on one target: for each group size, the groups made and every member connected, the database settled, a warm-up, the
/// fixed-rate run where the profile has one, and the step search for the most deliveries a second within the 50 ms p99
/// from send to the last member.
/// </summary>
public sealed class GroupFanoutBench(GroupProfile profile, BenchResults results)
{
    public async Task RunAsync(IChatTarget target, IReadOnlyList<BenchUser> users)
    {
        foreach (var size in profile.Sizes)
        {
            Progress($"{target.Name} ({target.Storage}): {users.Count / size} groups of {size}, connecting {users.Count / size * size} members");
            await using var groups = await ConnectedGroups.CreateAsync(target, users, size);
            await target.SettleAsync();
            var fixedRun = size == profile.FixedSize;
            var warmupRate = fixedRun ? profile.FixedMessageRate : profile.StepStartDeliveries / (size - 1);
            await RunAsync(target, groups, warmupRate, profile.Warmup, "warm-up");
            if (fixedRun) results.GroupLoad.Add(await RunAsync(target, groups, profile.FixedMessageRate, profile.FixedDuration, "fixed rate"));
            var (held, stoppedBy, runs) = await RateSearch.RunAsync(profile.StepStartDeliveries, profile.StepFactor, profile.StepMaxDeliveries,
                profile.QuietTimeout, "deliveries/s", deliveries => RunAsync(target, groups, deliveries / (size - 1), profile.StepDuration, "step"));
            results.GroupSteps.Add(new GroupStepResult(target.Name, target.Storage, size, held?.DeliveryRate, held?.MessageRate,
                held?.LastMember.P99, stoppedBy, runs));
        }
    }

    async Task<GroupLoadResult> RunAsync(IChatTarget target, ConnectedGroups groups, double messageRate, TimeSpan duration, string label)
    {
        Progress($"{target.Name} ({target.Storage}): groups of {groups.Size}, {label} {messageRate:0.#} msg/s = {messageRate * (groups.Size - 1):0} deliveries/s for {duration.TotalSeconds:0} s");
        var r = await GroupRun.RunAsync(target, groups, new GroupPlan(messageRate, duration, profile.MessageBytes, profile.QuietTimeout), label);
        Console.Error.WriteLine(
            $"           {r.AchievedMessageRate:0.#} msg/s sent, last member p50 {r.LastMember.P50} p99 {r.LastMember.P99} ms, each delivery p99 {r.EachDelivery.P99} ms, " +
            $"ack p99 {r.Ack.P99} ms, server CPU {r.ServerCpu:P0} ({MarkdownReport.Micros(r.CpuPerMessage)} µs/msg), generator CPU {r.GeneratorCpu:P0}: " +
            (r.Passed ? "ok" : "FAILED: " + string.Join("; ", r.Failures)));
        return r;
    }

    static void Progress(string what) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {what}");
}
