using System.Globalization;
using System.Text;

namespace Chat.Bench.Reporting;

/// <summary>The sync mode's table: each storage's sync of missed events, plain messages first (the baseline), then with changes.</summary>
static class SyncTables
{
    public const double TargetMs = 200;

    public static void Render(BenchResults r, StringBuilder md)
    {
        if (r.Sync.Count == 0) return;
        md.AppendLine($"Sync: a member who missed {SyncBench.Events} events syncs over a fresh socket, 40 times; from the \"sync\" frame to \"sync-complete\" (ms). Target: p99 under {TargetMs:0} ms on PostgreSQL with changes.");
        md.AppendLine();
        md.AppendLine("| storage | missed events | p50 | p90 | p99 | max | × the plain sync's p99 |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var s in r.Sync)
        {
            var plain = r.Sync.First(x => x.Storage == s.Storage);
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Storage} | {s.What} | {s.Latency.P50} | {s.Latency.P90} | {s.Latency.P99} | {s.Latency.Max} | {s.Latency.P99 / plain.Latency.P99:0.00} |");
        }
        md.AppendLine();
    }
}
