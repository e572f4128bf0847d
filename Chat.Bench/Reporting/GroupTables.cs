using System.Globalization;
using System.Text;
using Chat.Bench.Load;

namespace Chat.Bench.Reporting;

/// <summary>The group mode's tables: the fixed-rate runs and each step search's highest held run, then the search's summary.</summary>
static class GroupTables
{
    public static void Render(BenchResults r, StringBuilder md)
    {
        if (r.GroupLoad.Count == 0 && r.GroupSteps.Count == 0) return;
        md.AppendLine($"Groups: {GroupProfile.Default.Members} members connected, in groups of each size in turn; group message k sent by member " +
            "k mod size; a delivery is one member's receipt (the sender gets an ack); \"last member\" = from the intended send time to the " +
            "last member's receipt of that message (ms); CPU per group message.");
        md.AppendLine();
        md.AppendLine("| run | target | storage | group size | groups | msg/s | deliveries/s | sent | deliveries | lost | dup | order | last member p50 | last member p99 | last member p99.9 | last member max | each delivery p99 | ack p99 | send lag p99 | server CPU | CPU µs/msg: server · PostgreSQL · Redis | server side µs per delivery | generator CPU | rows | result |");
        md.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        var held = r.GroupSteps.Select(s => s.Runs.LastOrDefault(x => x.DeliveryRate == s.DeliveriesHeld && x.HeldSlo(BenchProfile.P99LimitMs)))
            .OfType<GroupLoadResult>().Select(x => x with { Label = "step, highest held" });
        foreach (var l in r.GroupLoad.Concat(held).OrderBy(l => l.GroupSize).ThenBy(l => l.Label).ThenBy(l => l.Target))
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {l.Label} | {l.Target} | {l.Storage} | {l.GroupSize} | {l.Groups} | {l.MessageRate:0.#} | {l.DeliveryRate:0} | {l.Sent} | {l.Delivered} | {l.Lost} | {l.Duplicates} | {l.OrderViolations} | " +
                $"{l.LastMember.P50} | {l.LastMember.P99} | {l.LastMember.P999} | {l.LastMember.Max} | {l.EachDelivery.P99} | {l.Ack.P99} | {l.SendLag.P99} | " +
                $"{l.ServerCpu:P0} | {MarkdownReport.Micros(l.CpuPerMessage)} | {l.CpuPerMessage.Total / (l.GroupSize - 1):0.0} | {l.GeneratorCpu:P0} | {l.StoredRows?.ToString(CultureInfo.InvariantCulture) ?? "–"} | " +
                $"{(l.Passed ? "ok" : "FAILED: " + string.Join("; ", l.Failures))} |");
        md.AppendLine();
        if (r.GroupSteps.Count == 0) return;
        md.AppendLine($"| group step mode: most deliveries/s with p99 to the last member ≤ {BenchProfile.P99LimitMs} ms, no loss | target | storage | deliveries/s held | msg/s | p99 there | share of relay | stopped by |");
        md.AppendLine("|---:|---|---|---:|---:|---:|---:|---|");
        foreach (var s in r.GroupSteps.OrderBy(s => s.GroupSize).ThenByDescending(s => s.Target))
        {
            var ceiling = r.GroupSteps.FirstOrDefault(x => x.Target == "relay" && x.GroupSize == s.GroupSize)?.DeliveriesHeld;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.GroupSize} | {s.Target} | {s.Storage} | {s.DeliveriesHeld?.ToString("0", CultureInfo.InvariantCulture) ?? "none"} | " +
                $"{s.MessagesHeld?.ToString("0.#", CultureInfo.InvariantCulture) ?? "–"} | {s.P99LastMemberAtHeld?.ToString(CultureInfo.InvariantCulture) ?? "–"} | " +
                $"{(s.DeliveriesHeld is { } h && ceiling is { } c ? (h / c).ToString("P1", CultureInfo.InvariantCulture) : "–")} | {s.StoppedBy} |");
        }
        md.AppendLine();
    }
}
