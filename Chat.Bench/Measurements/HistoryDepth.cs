using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Chat.Bench.Targets;

namespace Chat.Bench.Measurements;

public sealed record PageLatency(long Depth, long FirstSeq, double MedianMs, double MinMs, double MaxMs, int Samples);
public sealed record HistoryResult(string Storage, long SeededMessages, double SeedSeconds, IReadOnlyList<PageLatency> Pages);

/// <summary>
/// How paging holds up in a long conversation: seed one conversation with many messages in bulk,
/// then time GET /conversations/{peer}/messages for the newest page and for pages far back.
/// </summary>
public static class HistoryDepth
{
    const int PageSize = 20;

    public static async Task<HistoryResult> MeasureAsync(AppTarget app, int seeded, IReadOnlyList<long> depths, int samples, int messageBytes)
    {
        // Two users of their own, so the seeded conversation is empty and its seqs start at 1.
        var reader = await app.RegisterAsync();
        var peer = await app.RegisterAsync();
        using var ensure = await app.GetAsync(reader, $"/conversations/{peer.Id}");
        ensure.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await ensure.Content.ReadAsStringAsync());
        var conversationId = long.Parse(json.RootElement.GetProperty("conversationId").GetString()!);

        var clock = Stopwatch.StartNew();
        await app.Database.SeedConversationAsync(conversationId, long.Parse(reader.Id), long.Parse(peer.Id), seeded, messageBytes);
        var seedSeconds = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"           seeded in {seedSeconds:0.0} s");

        // Each page's path and the seq its first item must have. A page `depth` messages below the newest is
        // the one a client reaches after walking depth/20 pages back; its cursor is base64url("p" + seq) and
        // its items have seq < that position, so the bench may jump straight there.
        var pages = depths.Where(d => d + PageSize <= seeded).Select(depth => (Depth: depth, FirstSeq: seeded - depth,
            Path: $"/conversations/{peer.Id}/messages?limit={PageSize}" + (depth == 0 ? "" : $"&cursor={Cursor(seeded - depth + 1)}"))).ToList();
        var times = pages.Select(_ => new List<double>()).ToList();
        // Interleaved rounds, so drift in a shared machine's load falls on every depth alike; the first rounds warm up.
        const int warmupRounds = 5;
        for (var round = 0; round < warmupRounds + samples; round++)
            for (var i = 0; i < pages.Count; i++)
            {
                var ms = await TimedGetAsync(app, reader, pages[i].Path, pages[i].FirstSeq);
                if (round >= warmupRounds) times[i].Add(ms);
            }
        var latencies = pages.Select((p, i) =>
        {
            var sorted = times[i].Order().ToList();
            return new PageLatency(p.Depth, p.FirstSeq, Math.Round(sorted[sorted.Count / 2], 2), Math.Round(sorted[0], 2), Math.Round(sorted[^1], 2), samples);
        }).ToList();
        return new HistoryResult(app.Storage, seeded, Math.Round(seedSeconds, 1), latencies);
    }

    /// <summary>One page request in milliseconds; a wrong page is an error, not a figure.</summary>
    static async Task<double> TimedGetAsync(AppTarget app, Load.BenchUser user, string path, long expectedFirstSeq)
    {
        var clock = Stopwatch.StartNew();
        using var response = await app.GetAsync(user, path);
        var body = await response.Content.ReadAsStringAsync();
        var ms = clock.Elapsed.TotalMilliseconds;
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        var items = json.RootElement.GetProperty("items");
        var first = items.GetArrayLength() > 0 ? items[0].GetProperty("seq").GetInt64() : -1;
        if (items.GetArrayLength() != PageSize || first != expectedFirstSeq)
            throw new InvalidOperationException($"GET {path}: expected {PageSize} items from seq {expectedFirstSeq}, got {items.GetArrayLength()} from {first}");
        return ms;
    }

    static string Cursor(long position) => Convert.ToBase64String(Encoding.ASCII.GetBytes("p" + position))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
