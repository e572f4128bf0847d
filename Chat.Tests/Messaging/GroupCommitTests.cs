using System.Collections.Concurrent;
using Chat.Tests.Infrastructure;
using Chat.Tests.Realtime;
using Chat.Web.Data;
using Chat.Web.Features.Admin;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Messaging;

/// <summary>
/// The message writer stores every send queued at one moment in one transaction. Hundreds of sends started at
/// once, retries of one client message id racing each other included, must come out with the guarantees of
/// one-at-a-time sends, however the writer happens to cut them into batches.
/// </summary>
public abstract class GroupCommitTests(RealtimeApp app)
{
    readonly ChatHost host = app.Host;
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    sealed record Attempt(long Sender, string ClientId, SendResult Result);

    [Fact]
    public async Task Concurrent_senders_in_several_conversations_with_racing_retries_get_gapless_seqs_one_row_per_client_id_and_identical_acks()
    {
        const int idsPerSender = 30;
        var users = new List<long>();
        for (var i = 0; i < 5; i++) users.Add(long.Parse((await host.RegisterAsync()).Id));
        (long From, long To)[] directions = [(users[0], users[1]), (users[1], users[0]), (users[0], users[2]), (users[2], users[1]), (users[3], users[4])];
        // Every user's events, as a connection of theirs sees them (a stream subscription counts as one).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var seen = users.ToDictionary(u => u, _ => new ConcurrentQueue<MessageView>());
        var listening = new List<Task>();
        foreach (var user in users) listening.Add(await ListenAsync(user, seen[user], stop.Token));

        // Client id n is sent n % 3 + 1 times at once: one to three concurrent copies of the same send.
        var sends = new List<Task<Attempt>>();
        foreach (var (from, to) in directions)
            for (var n = 0; n < idsPerSender; n++)
                for (var copy = 0; copy <= n % 3; copy++)
                    sends.Add(SendAsync(from, to, $"{from}-{to}-{n}"));
        var attempts = await Task.WhenAll(sends);

        Assert.All(attempts, a => Assert.IsType<SendResult.Sent>(a.Result));
        foreach (var copies in attempts.GroupBy(a => (a.Sender, a.ClientId)))
        {
            var sent = copies.Select(a => (SendResult.Sent)a.Result).ToList();
            Assert.Single(sent, s => s.IsNew);
            Assert.Single(sent.Select(s => MessageView.From(s.Message)).Distinct()); // every copy gets the same ack
        }

        await using var scope = host.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ChatDbContext>().Messages.AsNoTracking()
            .Where(m => users.Contains(m.SenderId)).ToListAsync(Ct);
        Assert.Equal(directions.Length * idsPerSender, stored.Count);
        Assert.Equal(stored.Count, stored.Select(m => (m.SenderId, m.ClientMessageId)).Distinct().Count());
        foreach (var conversation in stored.GroupBy(m => m.ConversationId))
        {
            var seqs = Enumerable.Range(1, conversation.Count()).Select(n => (long)n).ToList();
            Assert.Equal(seqs, conversation.Select(m => m.Seq).Order());
            // Fanned out once per stored message, in seq order, to both of its people.
            var first = conversation.First();
            foreach (var person in new[] { first.SenderId, first.ReceiverId!.Value })
                await WaitUntilAsync(() => seen[person].Count(m => m.ConversationId == conversation.Key.ToString()) >= seqs.Count);
            foreach (var person in new[] { first.SenderId, first.ReceiverId!.Value })
                Assert.Equal(seqs, seen[person].Where(m => m.ConversationId == conversation.Key.ToString()).Select(m => m.Seq));
        }
        await stop.CancelAsync();
        await Task.WhenAll(listening);
    }

    /// <summary>Subscribes to the user's events (registered once this returns) and collects their messages until stopped.</summary>
    async Task<Task> ListenAsync(long user, ConcurrentQueue<MessageView> into, CancellationToken stop)
    {
        var events = host.Services.GetRequiredService<ConnectionRegistry>().SubscribeAsync(user, stop, capacity: 1024).GetAsyncEnumerator(stop);
        var next = events.MoveNextAsync(); // subscribes
        return CollectAsync();

        async Task CollectAsync()
        {
            try
            {
                while (await next)
                {
                    if (events.Current is MessageEvent m) into.Enqueue(m.Message);
                    next = events.MoveNextAsync();
                }
            }
            catch (OperationCanceledException) { }
            finally { await events.DisposeAsync(); }
        }
    }

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(50, Ct);
    }

    [Fact]
    public async Task Concurrent_sends_into_a_removed_conversation_with_a_retry_and_new_sends_store_only_the_new_ones_into_the_live_conversation()
    {
        var ann = long.Parse((await host.RegisterAsync()).Id);
        var bob = long.Parse((await host.RegisterAsync()).Id);
        var cat = long.Parse((await host.RegisterAsync()).Id);
        // Both conversations exist and are remembered by the sender before Cat is removed.
        Assert.IsType<SendResult.Sent>((await SendAsync(ann, bob, "first-to-bob")).Result);
        Assert.IsType<SendResult.Sent>((await SendAsync(ann, cat, "first-to-cat")).Result);
        await using (var scope = host.Services.CreateAsyncScope())
            Assert.Equal(DeleteUserResult.Deleted, await scope.ServiceProvider.GetRequiredService<AdminUsers>().DeleteAsync(0, cat, Ct));

        // Started at once, so that they usually share batches; the outcomes must hold however they are batched.
        var sends = new List<Task<Attempt>> { SendAsync(ann, bob, "first-to-bob") };
        for (var n = 0; n < 20; n++)
        {
            sends.Add(SendAsync(ann, bob, $"to-bob-{n}"));
            sends.Add(SendAsync(ann, cat, $"to-cat-{n}"));
        }
        var attempts = await Task.WhenAll(sends);

        var retry = Assert.IsType<SendResult.Sent>(attempts[0].Result);
        Assert.False(retry.IsNew);
        Assert.Equal(1, retry.Message.Seq);
        Assert.All(attempts.Where(a => a.ClientId.StartsWith("to-cat-")), a => Assert.Equal("unknown_recipient", Assert.IsType<SendResult.Rejected>(a.Result).Code));
        var toBob = attempts.Where(a => a.ClientId.StartsWith("to-bob-")).Select(a => Assert.IsType<SendResult.Sent>(a.Result)).ToList();
        Assert.All(toBob, s => Assert.True(s.IsNew));
        Assert.Equal(Enumerable.Range(2, 20).Select(n => (long)n), toBob.Select(s => s.Message.Seq).Order());

        await using var check = host.Services.CreateAsyncScope();
        var db = check.ServiceProvider.GetRequiredService<ChatDbContext>();
        Assert.Equal(21, await db.Messages.CountAsync(m => m.SenderId == ann, Ct));
        Assert.Equal(0, await db.Messages.CountAsync(m => m.ReceiverId == cat, Ct));
    }

    async Task<Attempt> SendAsync(long from, long to, string clientId)
    {
        await Task.Yield();
        await using var scope = host.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<MessageSender>();
        var result = await sender.SendAsync(new SendCommand(from, to, null, "secret"u8.ToArray(), clientId), Ct);
        return new Attempt(from, clientId, result);
    }
}

public sealed class GroupCommitOnPostgres(RealtimePostgresApp app) : GroupCommitTests(app), IClassFixture<RealtimePostgresApp>;

public sealed class GroupCommitOnSqlite(RealtimeSqliteApp app) : GroupCommitTests(app), IClassFixture<RealtimeSqliteApp>;
