using System.Text.Json;
using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Realtime;

/// <summary>Ordered, gapless, exactly-once delivery under concurrency and across a reconnect, on each storage provider.</summary>
public abstract class DeliveryTests(RealtimeApp app)
{
    readonly ChatHost host = app.Host;
    static readonly TimeSpan LongWait = TimeSpan.FromSeconds(60);

    /// <summary>The seqs a connection saw, acks of its own sends and messages of others alike, in arrival order.</summary>
    static List<long> SeqsSeen(SocketClient socket) =>
        socket.Received.Where(f => f.Type() is "ack" or "message").Select(f => f.Seq()).ToList();

    [Fact]
    public async Task Eight_concurrent_senders_into_one_conversation_get_gapless_seqs_and_every_connection_sees_them_in_order()
    {
        const int senders = 8, each = 50, total = senders * each;
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        var conversation = await Conversations.IdAsync(host, ann, bob);
        var sockets = new List<(SocketClient Socket, TestUser From, TestUser To)>();
        for (var i = 0; i < senders; i++)
        {
            var (from, to) = i % 2 == 0 ? (ann, bob) : (bob, ann);
            sockets.Add((await SocketClient.ConnectAsync(host, from), from, to));
        }
        try
        {
            await Task.WhenAll(sockets.Select((s, i) => Task.Run(async () =>
            {
                for (var n = 0; n < each; n++) await s.Socket.SendMessageAsync(s.To.Id, $"s{i}-{n}");
            }, TestContext.Current.CancellationToken)));

            foreach (var (socket, _, _) in sockets)
            {
                await socket.WaitForCountAsync(f => f.Type() is "ack" or "message", total, LongWait);
                var seen = SeqsSeen(socket);
                Assert.Equal(Enumerable.Range(1, total).Select(n => (long)n), seen);
            }
            await using var scope = host.Services.CreateAsyncScope();
            var seqs = await scope.ServiceProvider.GetRequiredService<ChatDbContext>().Messages
                .Where(m => m.ConversationId == long.Parse(conversation)).OrderBy(m => m.Seq).Select(m => m.Seq).ToListAsync(TestContext.Current.CancellationToken);
            Assert.Equal(Enumerable.Range(1, total).Select(n => (long)n), seqs);
        }
        finally
        {
            foreach (var (socket, _, _) in sockets) await socket.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_recipient_dropped_during_500_sends_reconnects_syncs_and_holds_all_500_once_in_order()
    {
        const int total = 500;
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        var conversation = await Conversations.IdAsync(host, ann, bob);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var firstBob = await SocketClient.ConnectAsync(host, bob);

        for (var n = 1; n <= 100; n++) await annSocket.SendMessageAsync(bob.Id, $"m{n}");
        await annSocket.WaitForCountAsync(f => f.Type() == "ack", 100, LongWait);
        await firstBob.DropAsync();
        var held = SeqsSeen(firstBob);
        var lastHeld = held.Count == 0 ? 0 : held.Max();

        // The rest is sent while Bob is away, and still being sent while he comes back.
        var sending = Task.Run(async () =>
        {
            for (var n = 101; n <= total; n++) await annSocket.SendMessageAsync(bob.Id, $"m{n}");
        }, TestContext.Current.CancellationToken);
        await annSocket.WaitForCountAsync(f => f.Type() == "ack", 300, LongWait);
        await using var secondBob = await SocketClient.ConnectAsync(host, bob);
        await secondBob.SendAsync(new { type = "sync", since = new Dictionary<string, long> { [conversation] = lastHeld } });
        await sending;
        await secondBob.TakeAsync("sync-complete", LongWait);
        await secondBob.WaitForCountAsync(FrameExtensions.IsMessage, total - held.Count, LongWait);

        var after = SeqsSeen(secondBob);
        Assert.Equal(Enumerable.Range(1, total).Select(n => (long)n), held.Concat(after).Order());
        Assert.Equal(total, held.Concat(after).Distinct().Count());
        Assert.Equal(held.Order(), held);
        // From the sync marker on, everything arrives in seq order.
        var frames = secondBob.Received.ToList();
        var marker = frames.FindIndex(f => f.Type() == "sync-complete");
        var afterMarker = frames.Skip(marker).Where(FrameExtensions.IsMessage).Select(f => f.Seq()).ToList();
        Assert.Equal(afterMarker.Order(), afterMarker);
        Assert.Equal(0, await secondBob.CountAfterAsync(FrameExtensions.IsMessage, TimeSpan.FromMilliseconds(300)) - (total - held.Count));
    }

    [Fact]
    public async Task A_connection_reads_its_next_frames_while_its_earlier_sends_wait_for_their_commit()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        var conversation = long.Parse(await Conversations.IdAsync(host, ann, bob));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var bobSocket = await SocketClient.ConnectAsync(host, bob);
        await annSocket.SendAndAckAsync(bob.Id, "before");

        // The conversation's row stays locked (on SQLite, the database's write lock) until the rollback: the
        // writer's next batch waits for it, and so do Ann's two sends.
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
            await using var hold = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken);
            await db.Conversations.Where(c => c.Id == conversation)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastSeq, c => c.LastSeq), TestContext.Current.CancellationToken);

            await annSocket.SendMessageAsync(bob.Id, "held-1");
            await annSocket.SendMessageAsync(bob.Id, "held-2");
            await annSocket.SendTextAsync("{not json");
            // Answered while both sends wait: the socket did not stop reading at the first of them.
            Assert.Equal("invalid_json", (await annSocket.TakeAsync("error", TimeSpan.FromSeconds(5))).Str("code"));
            Assert.Single(annSocket.Received, f => f.Type() == "ack");
            await hold.RollbackAsync(TestContext.Current.CancellationToken);
        }

        var acks = await annSocket.WaitForCountAsync(f => f.Type() == "ack", 3, LongWait);
        Assert.Equal(["before", "held-1", "held-2"], acks.Select(a => a.Str("clientMessageId")));
        Assert.Equal([1L, 2L, 3L], acks.Select(a => a.Seq()));
        var messages = await bobSocket.WaitForCountAsync(FrameExtensions.IsMessage, 3, LongWait);
        Assert.Equal([1L, 2L, 3L], messages.Select(m => m.Seq()));
    }
}

public sealed class DeliveryOnPostgres(RealtimePostgresApp app) : DeliveryTests(app), IClassFixture<RealtimePostgresApp>;

public sealed class DeliveryOnSqlite(RealtimeSqliteApp app) : DeliveryTests(app), IClassFixture<RealtimeSqliteApp>;
