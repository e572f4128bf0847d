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

        var pages = new List<PageLatency>();
        foreach (var depth in depths.Where(d => d + PageSize <= seeded))
        {
            // The page that starts `depth` messages below the newest: the cursor a client holds after
            // walking depth/20 pages back. Cursors are base64url("p" + seq), items have seq < position.
            var path = $"/conversations/{peer.Id}/messages?limit={PageSize}" + (depth == 0 ? "" : $"&cursor={Cursor(seeded - depth + 1)}");
            var expectedFirst = seeded - depth;
            for (var i = 0; i < 3; i++) await TimedGetAsync(app, reader, path, expectedFirst);
            var times = new List<double>();
            for (var i = 0; i < samples; i++) times.Add(await TimedGetAsync(app, reader, path, expectedFirst));
            times.Sort();
            pages.Add(new PageLatency(depth, expectedFirst, Math.Round(times[times.Count / 2], 2), Math.Round(times[0], 2), Math.Round(times[^1], 2), samples));
        }
        return new HistoryResult(app.Storage, seeded, Math.Round(seedSeconds, 1), pages);
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
