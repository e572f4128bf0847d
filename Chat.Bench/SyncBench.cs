using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Chat.Bench.Load;
using Chat.Bench.Reporting;
using Chat.Bench.Targets;

namespace Chat.Bench;

/// <summary>
/// The sync mode on the app: one member misses <see cref="Events"/> events of a conversation (400 messages, 300 edits,
/// 300 reactions), then syncs over a fresh socket, again and again; timed from the "sync" frame to "sync-complete".
/// The baseline, in the same run, is a sync of as many plain messages: what the changes cost on top.
/// </summary>
public sealed class SyncBench(BenchResults results)
{
    public const int Events = 1000;
    const int Messages = 400, Edits = 300, Repeats = 40;
    /// <summary>Frames sent before their answers are read.</summary>
    const int Window = 100;
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    public async Task RunAsync(AppTarget app)
    {
        var users = await app.UsersAsync(3);
        var (ann, bea, cat) = (users[0], users[1], users[2]);
        await using var annSocket = await BenchSocket.ConnectAsync(app.SocketUri(ann), Wait);

        Progress($"app ({app.Storage}): {Events} plain messages to one member, {Messages} messages + {Edits} edits + {Events - Messages - Edits} reactions to another");
        var plain = await SendAllAsync(annSocket, cat.Id, Events, "plain");
        var first = await SendAllAsync(annSocket, bea.Id, 1, "before");
        var seen = first[0].Seq;
        var changing = await SendAllAsync(annSocket, bea.Id, Messages, "missed");
        var frames = new List<string>();
        for (var i = 0; i < Edits; i++)
            frames.Add(JsonSerializer.Serialize(new { type = "edit-message", messageId = changing[i].Id, ciphertext = Convert.ToBase64String(Encoding.UTF8.GetBytes($"edited {i}")) }));
        string[] emoji = ["👍", "❤️", "😂"];
        for (var i = 0; i < Events - Messages - Edits; i++)
            frames.Add(JsonSerializer.Serialize(new { type = "react", messageId = changing[i].Id, emoji = emoji[i % emoji.Length] }));
        foreach (var window in frames.Chunk(Window))
        {
            foreach (var f in window) await annSocket.SendAsync(Encoding.UTF8.GetBytes(f), CancellationToken.None);
            await ReadUntilAsync(annSocket, window.Length, m => m.GetProperty("kind").GetString() == "change");
        }
        await app.SettleAsync();

        var baseline = await TimeSyncsAsync(app, cat, plain[0].Conversation, 0);
        var withChanges = await TimeSyncsAsync(app, bea, first[0].Conversation, seen);
        results.Sync.Add(new SyncResult(app.Storage, Events, "1,000 plain messages", baseline));
        results.Sync.Add(new SyncResult(app.Storage, Events, $"{Messages} messages, {Edits} edits, {Events - Messages - Edits} reactions", withChanges));
        Console.Error.WriteLine($"           sync of {Events} plain messages: p50 {baseline.P50} p99 {baseline.P99} ms; with changes: p50 {withChanges.P50} p99 {withChanges.P99} ms");
    }

    /// <summary>Each sync on a socket of its own (opened before the clock starts), all <see cref="Events"/> events counted in.</summary>
    async Task<LatencySummary> TimeSyncsAsync(AppTarget app, BenchUser who, string conversation, long since)
    {
        var times = new HdrHistogram.LongHistogram(TimeSpan.TicksPerMinute, 3);
        for (var i = 0; i < Repeats; i++)
        {
            await using var socket = await BenchSocket.ConnectAsync(app.SocketUri(who), Wait);
            var frame = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = "sync", since = new Dictionary<string, long> { [conversation] = since } }));
            var started = Stopwatch.GetTimestamp();
            await socket.SendAsync(frame, CancellationToken.None);
            var count = 0;
            using var cts = new CancellationTokenSource(Wait);
            while (true)
            {
                using var doc = await socket.ReceiveAsync(cts.Token) ?? throw new InvalidOperationException("The socket closed during a sync.");
                var type = doc.RootElement.GetProperty("type").GetString();
                if (type == "message") count++;
                else if (type == "sync-complete") break;
            }
            times.RecordValue((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            if (count != Events) throw new InvalidOperationException($"A sync brought {count} events, not {Events}.");
        }
        return LatencySummary.From(times);
    }

    sealed record Sent(string Id, string Conversation, long Seq);

    static async Task<List<Sent>> SendAllAsync(BenchSocket socket, string to, int count, string prefix)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var acks = new List<Sent>();
        // In windows: the sender's own socket gets each message back too, and a client that lets more than the server's
        // queue (WS_QUEUE_CAPACITY, 512) pile up unread is disconnected as a slow consumer.
        for (var start = 0; start < count; start += Window)
        {
            var end = Math.Min(count, start + Window);
            for (var i = start; i < end; i++)
                await socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
                {
                    type = "send-message", toUserId = to, clientMessageId = $"{prefix}-{run}-{i}",
                    ciphertext = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{prefix} message {i} with some ordinary words in it")),
                })), CancellationToken.None);
            acks.AddRange(await ReadUntilAsync(socket, end - start, null));
        }
        return acks.OrderBy(a => a.Seq).ToList();
    }

    /// <summary>Reads frames until <paramref name="count"/> acks (or, with a filter, "message" events matching it) came.</summary>
    static async Task<List<Sent>> ReadUntilAsync(BenchSocket socket, int count, Func<JsonElement, bool>? message)
    {
        var got = new List<Sent>();
        using var cts = new CancellationTokenSource(Wait);
        while (got.Count < count)
        {
            using var doc = await socket.ReceiveAsync(cts.Token) ?? throw new InvalidOperationException("The socket closed.");
            var root = doc.RootElement;
            var type = root.GetProperty("type").GetString();
            if (type == "error") throw new InvalidOperationException("The server refused a frame: " + root.GetRawText());
            var wanted = message is null ? type == "ack" : type == "message" && message(root.GetProperty("message"));
            if (!wanted) continue;
            var m = root.GetProperty("message");
            got.Add(new Sent(m.GetProperty("id").GetString()!, m.GetProperty("conversationId").GetString()!, m.GetProperty("seq").GetInt64()));
        }
        return got;
    }

    static void Progress(string what) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {what}");
}
