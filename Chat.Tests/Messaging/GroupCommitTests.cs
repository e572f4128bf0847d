using System.Collections.Concurrent;
using Chat.Tests.Infrastructure;
using Chat.Tests.Realtime;
using Chat.Web.Data;
using Chat.Web.Features.Messaging;
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
        var committed = new ConcurrentQueue<Message>();

        // Client id n is sent n % 3 + 1 times at once: one to three concurrent copies of the same send.
        var sends = new List<Task<Attempt>>();
        foreach (var (from, to) in directions)
            for (var n = 0; n < idsPerSender; n++)
                for (var copy = 0; copy <= n % 3; copy++)
                    sends.Add(SendAsync(from, to, $"{from}-{to}-{n}", committed.Enqueue));
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
            Assert.Equal(Enumerable.Range(1, conversation.Count()).Select(n => (long)n), conversation.Select(m => m.Seq).Order());
            // Committed (where a socket queues its ack) ran once per stored message, in seq order.
            Assert.Equal(conversation.Select(m => m.Seq).Order(), committed.Where(m => m.ConversationId == conversation.Key).Select(m => m.Seq));
        }
    }

    async Task<Attempt> SendAsync(long from, long to, string clientId, Action<Message> committed)
    {
        await Task.Yield();
        await using var scope = host.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<MessageSender>();
        var result = await sender.SendAsync(new SendCommand(from, to, null, "secret"u8.ToArray(), clientId, Committed: committed), Ct);
        return new Attempt(from, clientId, result);
    }
}

public sealed class GroupCommitOnPostgres(RealtimePostgresApp app) : GroupCommitTests(app), IClassFixture<RealtimePostgresApp>;

public sealed class GroupCommitOnSqlite(RealtimeSqliteApp app) : GroupCommitTests(app), IClassFixture<RealtimeSqliteApp>;
