using System.Globalization;
using System.Text;

namespace Chat.Bench.Reporting;

/// <summary>One storage's media figures (MediaBench).</summary>
public sealed record MediaResult(string Storage, int PhotoBytes, int PhotoRuns, double SendP50Ms, double SendP99Ms, double SendMaxMs,
    double ImagesPerSecond, double ImagesPerCpuSecond, int FileBytes, double MemberMeanMs, double StaticMeanMs,
    double MemberCpuMicros, double StaticCpuMicros);

/// <summary>The media mode's table, against the targets.</summary>
static class MediaTables
{
    public static void Render(BenchResults r, StringBuilder md)
    {
        if (r.Media.Count == 0) return;
        md.AppendLine("Media: a photo uploaded (POST /media: type check, decode, re-encode, WebP preview, store) and sent (send-message with its id, until the ack), " +
            "one at a time; then four uploaders at once for the images the server's one core processes a second; then a 1 MB file served to a member " +
            "(GET /media/{id}, authorised per request) and the same bytes as a static file from wwwroot, alternating, four requests at a time.");
        md.AppendLine();
        md.AppendLine("| storage | photo | upload + send p50 | p99 (target < 300 ms) | max | images/s (server on one core) | images per server CPU-second | 1 MB to a member: mean ms · server CPU µs | static from wwwroot: mean ms · server CPU µs | member/static CPU (target ≤ 1.5) | member/static time |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in r.Media)
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.Storage} | {m.PhotoBytes / 1024} KB × {m.PhotoRuns} | {m.SendP50Ms} | {m.SendP99Ms} | {m.SendMaxMs} | {m.ImagesPerSecond:0.0} | {m.ImagesPerCpuSecond:0.0} | " +
                $"{m.MemberMeanMs:0.00} · {m.MemberCpuMicros:0} | {m.StaticMeanMs:0.00} · {m.StaticCpuMicros:0} | {m.MemberCpuMicros / m.StaticCpuMicros:0.00} | {m.MemberMeanMs / m.StaticMeanMs:0.00} |");
        md.AppendLine();
    }
}
