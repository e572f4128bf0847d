using System.Globalization;
using System.Text;
using Chat.Bench.Load;
using Chat.Bench.Targets;

namespace Chat.Bench.Reporting;

// The project sets InvariantGlobalization, so every number formats the same everywhere.
/// <summary>The tables people read: the same figures as the JSON file, in the README's format.</summary>
public static class MarkdownReport
{
    public static string Render(BenchResults r)
    {
        var md = new StringBuilder();
        var m = r.Machine;
        md.AppendLine($"**{(r.Passed ? "PASSED" : "FAILED")}** · {r.Profile} profile · {r.StartedAt:yyyy-MM-dd HH:mm} UTC" +
            (r.Commit is null ? "" : $" · commit {r.Commit}"));
        md.AppendLine();
        md.AppendLine($"Machine: {m.Cpus} CPUs ({m.CpuModel}), {m.MemoryGiB} GiB, {m.Os}, {r.Runtime}; " +
            $"load average {r.LoadAverageAtStart} at the start, {r.LoadAverageAtEnd} at the end (anything above 0 is someone else's work).  ");
        md.AppendLine($"Pinning (taskset): server side (app or relay, PostgreSQL, Redis) on CPU {r.ServerCpus}" +
            (r.ServerCpusConfirmed is null ? "" : $" (kernel: Cpus_allowed_list {r.ServerCpusConfirmed})") + $", load generator on CPU {r.GeneratorCpus}" +
            (r.GeneratorCpusConfirmed is null ? "" : $" (kernel: {r.GeneratorCpusConfirmed})") + $". PostgreSQL fsync {r.PostgresFsync}.  ");
        if (r.Load.FirstOrDefault() is { } any)
            md.AppendLine($"Load: {any.Connections} WebSocket connections in 1:1 pairs, open loop, 256-byte payloads; " +
                "latency counted from each message's intended send time (ms); " +
                "send lag = how late the generator itself sent (its timer slack), already included in the latencies.");
        md.AppendLine();

        if (r.Load.Count > 0)
        {
            md.AppendLine("| run | target | storage | rate (msg/s) | sent | lost | dup | order | e2e p50 | e2e p99 | e2e p99.9 | e2e max | ack p50 | ack p99 | send lag p99 | server CPU | CPU µs/msg: server · PostgreSQL · Redis | generator CPU | rows | result |");
            md.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            foreach (var l in r.Load)
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {l.Label} | {l.Target} | {l.Storage} | {l.TargetRate:0} | {l.Sent} | {l.Lost} | {l.Duplicates} | {l.OrderViolations} | " +
                    $"{l.EndToEnd.P50} | {l.EndToEnd.P99} | {l.EndToEnd.P999} | {l.EndToEnd.Max} | {l.Ack.P50} | {l.Ack.P99} | {l.SendLag.P99} | " +
                    $"{l.ServerCpu:P0} | {Micros(l.CpuPerMessage)} | {l.GeneratorCpu:P0} | {l.StoredRows?.ToString(CultureInfo.InvariantCulture) ?? "–"} | " +
                    $"{(l.Passed ? "ok" : "FAILED: " + string.Join("; ", l.Failures))} |");
            md.AppendLine();
            var pairs = r.Load.Where(l => l.Target == "app")
                .Select(a => (App: a, Relay: r.Load.FirstOrDefault(x => x.Target == "relay" && x.TargetRate == a.TargetRate)))
                .Where(p => p.Relay is not null).ToList();
            if (pairs.Count > 0)
            {
                md.AppendLine("| app vs relay at the same rate | rate (msg/s) | e2e p99 app | e2e p99 relay | p99 app/relay | ack p99 app/relay | CPU per message, server side: app/relay |");
                md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
                foreach (var (a, relay) in pairs)
                    md.AppendLine(CultureInfo.InvariantCulture,
                        $"| {a.Storage} ({a.Label}) | {a.TargetRate:0} | {a.EndToEnd.P99} | {relay!.EndToEnd.P99} | {Ratio(a.EndToEnd.P99, relay.EndToEnd.P99)} | {Ratio(a.Ack.P99, relay.Ack.P99)} | " +
                        $"{a.CpuPerMessage.Total:0.0} / {relay.CpuPerMessage.Total:0.0} µs = {Ratio(a.CpuPerMessage.Total, relay.CpuPerMessage.Total)} |");
                md.AppendLine();
            }
        }

        if (r.Steps.Count > 0)
        {
            var ceiling = r.Steps.FirstOrDefault(s => s.Target == "relay")?.HighestRateHeld;
            md.AppendLine($"| step mode: highest rate with p99 ≤ {BenchProfile.P99LimitMs} ms, no loss | storage | rate held (msg/s) | p99 there | share of relay | stopped by |");
            md.AppendLine("|---|---|---:|---:|---:|---|");
            foreach (var s in r.Steps)
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {s.Target} | {s.Storage} | {s.HighestRateHeld?.ToString("0", CultureInfo.InvariantCulture) ?? "none"} | {s.P99AtHighest?.ToString(CultureInfo.InvariantCulture) ?? "–"} | " +
                    $"{(s.HighestRateHeld is { } h && ceiling is { } c ? (h / c).ToString("P1", CultureInfo.InvariantCulture) : "–")} | {s.StoppedBy} |");
            md.AppendLine();
        }

        GroupTables.Render(r, md);
        SyncTables.Render(r, md);
        MediaTables.Render(r, md);

        if (r.Idle.Count > 0)
        {
            md.AppendLine("| idle authenticated sockets | storage | sockets | RSS before (MiB) | RSS after (MiB) | per connection (KiB) |");
            md.AppendLine("|---|---|---:|---:|---:|---:|");
            foreach (var i in r.Idle)
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {i.Target} | {i.Storage} | {i.Connections} | {Mib(i.RssBeforeBytes)} | {Mib(i.RssAfterBytes)} | {i.BytesPerConnection / 1024:0.0} |");
            md.AppendLine();
        }

        if (r.History.Count > 0)
        {
            var depths = r.History.SelectMany(h => h.Pages.Select(p => p.Depth)).Distinct().Order().ToList();
            md.AppendLine("| history page (limit 20), median ms | seeded messages | seed time (s) | " +
                string.Join(" | ", depths.Select(d => d == 0 ? "newest page" : $"{d:N0} deep")) + " | deepest/newest |");
            md.AppendLine("|---|---:|---:|" + string.Concat(depths.Select(_ => "---:|")) + "---:|");
            foreach (var h in r.History)
            {
                var cells = depths.Select(d => h.Pages.FirstOrDefault(p => p.Depth == d)?.MedianMs.ToString(CultureInfo.InvariantCulture) ?? "–");
                var newest = h.Pages.FirstOrDefault(p => p.Depth == 0);
                var deepest = h.Pages.LastOrDefault(p => p.Depth > 0);
                md.AppendLine($"| {h.Storage} | {h.SeededMessages:N0} | {h.SeedSeconds} | {string.Join(" | ", cells)} | " +
                    $"{(newest is not null && deepest is not null ? Ratio(deepest.MedianMs, newest.MedianMs) : "–")} |");
            }
            md.AppendLine();
        }

        foreach (var n in r.NotMeasured) md.AppendLine($"- Not measured: {n}");
        foreach (var n in r.Notes) md.AppendLine($"- Note: {n}");
        return md.ToString();
    }

    static string Ratio(double a, double b) => b > 0 ? (a / b).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–";
    /// <summary>"51.2 · 36.2 · 4.0" for the app on PostgreSQL + Redis, "19.8" for a target with nothing behind it.</summary>
    public static string Micros(CpuPerMessage c) => string.Join(" · ",
        new[] { c.Server, c.Postgres, c.Redis }.OfType<double>().Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)));
    static string Mib(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture);
}
