using System.Text.Json;
using Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Serilog.Core;
using StackExchange.Redis;

namespace Chat.Tests.Realtime;

/// <summary>These tests restart the shared Redis, so they run alone, after the parallel tests.</summary>
[CollectionDefinition(nameof(RedisOutage), DisableParallelization = true)]
public sealed class RedisOutage;

/// <summary>Two nodes of one deployment: one PostgreSQL database, one Redis (with a prefix of its own).</summary>
public sealed class TwoNodes(TestServers servers) : IAsyncLifetime
{
    public ChatHost A { get; private set; } = null!;
    public ChatHost B { get; private set; } = null!;
    public TestServers Servers => servers;

    readonly string prefix = $"test-{Guid.NewGuid():N}:";
    string database = "";

    void Configure(IDictionary<string, string?> s)
    {
        RealtimeApp.Bulk(s);
        s["REDIS_PREFIX"] = prefix;
    }

    public async ValueTask InitializeAsync()
    {
        database = await servers.CreateDatabaseAsync();
        A = await StartAnotherNodeAsync();
        B = await StartAnotherNodeAsync();
    }

    /// <summary>
    /// Waits until both nodes answer a Redis PING on their command connection. After a Redis restart a node's
    /// multiplexer can report connected (its subscription is back) while commands still fail; presence then
    /// falls back to the node's own count, which a test that counts presence events must not start on.
    /// </summary>
    public async Task RedisAnswersOnBothNodesAsync()
    {
        foreach (var node in new[] { A, B })
        {
            var redis = node.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
            for (var i = 0; ; i++)
            {
                try
                {
                    await redis.PingAsync();
                    break;
                }
                catch (Exception e) when (e is RedisException or TimeoutException && i < 100)
                {
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }
            }
        }
    }

    /// <summary>One more node of the same deployment; the caller disposes it.</summary>
    public Task<ChatHost> StartAnotherNodeAsync() => ChatHost.StartAsync(servers, Storage.Postgres, Configure, database, redis: true);

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}

[Collection(nameof(RedisOutage))]
public sealed class MultiNodeTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    static readonly TimeSpan LongWait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Users_on_two_nodes_exchange_messages_receipts_typing_and_presence()
    {
        await nodes.RedisAnswersOnBothNodesAsync(); // another test of this class may have just restarted it
        var ann = await nodes.A.RegisterAsync();
        var bob = await nodes.B.RegisterAsync();
        await Conversations.IdAsync(nodes.A, ann, bob);
        await using var annOnA = await SocketClient.ConnectAsync(nodes.A, ann);
        await using var annOnB = await SocketClient.ConnectAsync(nodes.B, ann);

        var bobOnB = await SocketClient.ConnectAsync(nodes.B, bob);
        var online = await annOnA.TakeAsync("presence");
        Assert.Equal((bob.Id, true), (online.Str("userId"), online.GetProperty("online").GetBoolean()));

        var ack = await annOnA.SendAndAckAsync(bob.Id, "across");
        var atBob = await bobOnB.TakeAsync("message");
        Assert.Equal(ack.Message().ToString(), atBob.Message().ToString());
        Assert.Equal(ack.Message().ToString(), (await annOnB.TakeAsync("message")).Message().ToString());

        await bobOnB.SendAndAckAsync(ann.Id, "back");
        Assert.Equal(2, (await annOnA.TakeAsync("message")).Seq());

        await bobOnB.SendAsync(new { type = "receipt", messageId = atBob.Message().Str("id"), kind = "read" });
        var receipt = await annOnA.TakeAsync("receipt");
        Assert.Equal((atBob.Message().Str("id"), "read"), (receipt.Str("messageId"), receipt.Str("kind")));

        await bobOnB.SendAsync(new { type = "typing", toUserId = ann.Id, state = "start" });
        var typing = await annOnA.TakeAsync("typing");
        Assert.Equal((bob.Id, "start"), (typing.Str("fromUserId"), typing.Str("state")));

        await nodes.B.RegisterAsync("Cat");
        Assert.Equal("Cat", (await annOnA.TakeAsync("user-registered")).GetProperty("user").Str("displayName"));

        // Online while any connection is open on any node.
        var bobOnA = await SocketClient.ConnectAsync(nodes.A, bob);
        await bobOnB.CloseAsync();
        Assert.Equal(0, await annOnA.CountAfterAsync(f => f.Type() == "presence" && f.Str("userId") == bob.Id && !f.GetProperty("online").GetBoolean(), TimeSpan.FromMilliseconds(500)));
        await bobOnA.CloseAsync();
        var offline = await annOnA.TakeAsync("presence");
        Assert.False(offline.GetProperty("online").GetBoolean());
        Assert.Equal(JsonValueKind.String, offline.GetProperty("lastSeenAt").ValueKind);
        await bobOnA.DisposeAsync();
        await bobOnB.DisposeAsync();
    }

    [Fact]
    public async Task Senders_on_two_nodes_into_one_conversation_reach_a_third_node_in_seq_order()
    {
        // The two nodes' message writers commit batches concurrently; the conversation's advisory lock, held
        // from the seq to the publish, keeps the events of both in seq order on the shared Redis channel, so a
        // third node, which hears all of them from Redis, hands them on in seq order. (A sending node delivers its
        // own events at once and the other node's when Redis brings them, so there the two may interleave out of
        // seq order; clients order by seq.)
        const int each = 150, total = 2 * each;
        await using var c = await nodes.StartAnotherNodeAsync();
        await nodes.RedisAnswersOnBothNodesAsync(); // another test of this class may have just restarted it
        var ann = await nodes.A.RegisterAsync();
        var bob = await nodes.B.RegisterAsync();
        await Conversations.IdAsync(nodes.A, ann, bob);
        await using var annOnA = await SocketClient.ConnectAsync(nodes.A, ann);
        await using var bobOnB = await SocketClient.ConnectAsync(nodes.B, bob);
        await using var annOnC = await SocketClient.ConnectAsync(c, ann);
        await using var bobOnC = await SocketClient.ConnectAsync(c, bob);

        async Task SendAsync(SocketClient socket, TestUser to, string prefix)
        {
            for (var n = 0; n < each; n++) await socket.SendMessageAsync(to.Id, $"{prefix}{n}");
        }
        await Task.WhenAll(SendAsync(annOnA, bob, "a"), SendAsync(bobOnB, ann, "b"));
        foreach (var observer in new[] { annOnC, bobOnC })
            Assert.Equal(Enumerable.Range(1, total).Select(n => (long)n),
                (await observer.WaitForCountAsync(FrameExtensions.IsMessage, total, LongWait)).Select(f => f.Seq()));
        foreach (var sender in new[] { annOnA, bobOnB })
            Assert.Equal(Enumerable.Range(1, total).Select(n => (long)n),
                (await sender.WaitForCountAsync(f => f.Type() is "ack" or "message", total, LongWait)).Select(f => f.Seq()).Order());
    }

    [Fact]
    public async Task Redis_restarted_during_a_two_node_exchange_of_300_messages_loses_and_doubles_nothing_after_sync()
    {
        var ann = await nodes.A.RegisterAsync();
        var bob = await nodes.B.RegisterAsync();
        var conversation = await Conversations.IdAsync(nodes.A, ann, bob);
        await using var annSocket = await SocketClient.ConnectAsync(nodes.A, ann);
        await using var bobSocket = await SocketClient.ConnectAsync(nodes.B, bob);
        var recovered = await OutageExchange.RunAsync(annSocket, ann, bobSocket, bob, conversation,
            () => nodes.Servers.RestartRedisAsync(TimeSpan.FromSeconds(1)));

        Assert.True(recovered > 0, "the outage should have cost some live deliveries, which sync recovered");

        // Cross-node delivery resumes by itself once Redis is back, both ways.
        await nodes.RedisAnswersOnBothNodesAsync();
        Assert.True(await FirstLiveProbeAsync(annSocket, bobSocket, bob, "a-probe-") is not null, "A to B never resumed");
        Assert.True(await FirstLiveProbeAsync(bobSocket, annSocket, ann, "b-probe-") is not null, "B to A never resumed");
    }

    [Fact]
    public async Task A_node_whose_bus_subscription_is_gone_takes_it_again_by_itself()
    {
        var (ann, bob) = await AnnOnAAndBobOnBAsync();
        await Conversations.IdAsync(nodes.A, ann, bob);
        await using var annOnA = await SocketClient.ConnectAsync(nodes.A, ann);
        await using var bobOnB = await SocketClient.ConnectAsync(nodes.B, bob);
        // What a Redis restart once left behind (a clean-clone run, 2026-11-29): node A publishing and hearing nothing.
        var (redis, channel) = Bus(nodes.A);
        await redis.UnsubscribeAsync(channel);

        // Deaf, node A still publishes: its echo probes now reach node B alone, and without its own echo it does not take
        // that one listener for itself (a lone node publishes nothing).
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken); // a probe or two
        var fromDeaf = await annOnA.SendAndAckAsync(bob.Id, "from-the-deaf-node");
        await bobOnB.TakeAsync(f => f.IsMessage() && f.Seq() == fromDeaf.Seq(), TimeSpan.FromSeconds(2));

        var first = await FirstLiveProbeAsync(bobOnB, annOnA, ann, "deaf-");
        Assert.NotNull(first);
        Assert.True(first > 0, "the first probe reached node A: its subscription was never gone");
    }

    /// <summary>
    /// Sends probes from one node's socket to the other's, one a second, until one arrives live (at most 30); the bus
    /// drops what a node cannot hear, so the earlier ones are lost. The number of the first that arrived, or null.
    /// </summary>
    internal static async Task<int?> FirstLiveProbeAsync(SocketClient from, SocketClient to, TestUser recipient, string prefix)
    {
        for (var probe = 0; probe < 30; probe++)
        {
            var ack = await from.SendAndAckAsync(recipient.Id, $"{prefix}{probe}");
            try
            {
                await to.TakeAsync(f => f.IsMessage() && f.Seq() == ack.Seq(), TimeSpan.FromSeconds(1));
                return probe;
            }
            catch (TimeoutException) { }
        }
        return null;
    }

    /// <summary>Two users registered on the two nodes, once Redis answers both (another test of this class may have just restarted it).</summary>
    async Task<(TestUser Ann, TestUser Bob)> AnnOnAAndBobOnBAsync()
    {
        await nodes.RedisAnswersOnBothNodesAsync();
        return (await nodes.A.RegisterAsync(), await nodes.B.RegisterAsync());
    }

    /// <summary>The node's Redis connection and the deployment's event channel, to publish to or listen on the bus directly.</summary>
    internal static (ISubscriber Redis, RedisChannel Channel) Bus(ChatHost node) => (
        node.Services.GetRequiredService<IConnectionMultiplexer>().GetSubscriber(),
        new BusShards(node.Services.GetRequiredService<Chat.Web.Infrastructure.ChatSettings>().RedisPrefix, 1).Control);

    [Fact]
    public async Task A_batch_too_large_for_one_bus_message_reaches_another_node_whole_and_in_order_in_several_small_ones()
    {
        var (ann, bob) = await AnnOnAAndBobOnBAsync();
        await using var bobOnB = await SocketClient.ConnectAsync(nodes.B, bob);
        var (redis, channel) = Bus(nodes.A);
        // The batch's bus messages as Redis hands them on (other events on the channel, such as Bob's presence, are left out).
        var busMessages = new System.Collections.Concurrent.ConcurrentQueue<(int Bytes, int Events)>();
        var listener = await redis.SubscribeAsync(channel);
        listener.OnMessage(m =>
        {
            var text = (string)m.Message!;
            var events = System.Text.RegularExpressions.Regex.Count(text, "big-batch-");
            if (events > 0) busMessages.Enqueue((System.Text.Encoding.UTF8.GetByteCount(text), events));
        });

        // 200 events of a 1 KB message each: about 300 KB of JSON, published as one batch, as the message writer does.
        const int count = 200;
        var ciphertext = Convert.ToBase64String(new byte[1024]);
        var deliveries = Enumerable.Range(1, count).Select(n => Delivery.To(new MessageEvent(new MessageView(
            $"{n}", "1", n, ann.Id, bob.Id, ciphertext, $"big-batch-{n}", DateTime.UtcNow, null, null)), long.Parse(bob.Id))).ToList();
        await nodes.A.Services.GetRequiredService<IFanout>().PublishAllAsync(deliveries);

        var received = await bobOnB.WaitForCountAsync(FrameExtensions.IsMessage, count, LongWait);
        Assert.Equal(Enumerable.Range(1, count).Select(n => (long)n), received.Select(f => f.Seq()));
        // Every event of the batch went over Redis, and each bus message stays off the large object heap (85,000 bytes),
        // here and in every node's copy of it: the batch took several.
        for (var waited = 0; busMessages.Sum(b => b.Events) < count && waited < 100; waited++)
            await Task.Delay(100, TestContext.Current.CancellationToken);
        await listener.UnsubscribeAsync();
        Assert.Equal(count, busMessages.Sum(b => b.Events));
        Assert.All(busMessages, b => Assert.InRange(b.Bytes, 1, 85_000 - 1));
        Assert.True(busMessages.Count >= 300 * 1024 / BusMessage.MaxBytes, $"{busMessages.Count} bus messages");
    }

    [Fact]
    public async Task A_lone_node_publishes_only_its_echo_probes_and_a_node_that_joins_hears_its_next_message()
    {
        // A deployment of its own (its own channel), one node at first.
        var prefix = $"test-{Guid.NewGuid():N}:";
        var database = await nodes.Servers.CreateDatabaseAsync();
        Task<ChatHost> StartNodeAsync(CapturedLog? log = null) => ChatHost.StartAsync(nodes.Servers, Storage.Postgres, s =>
        {
            RealtimeApp.Bulk(s);
            s["REDIS_PREFIX"] = prefix;
        }, database, redis: true, log is null ? null : s => s.AddSingleton<ILogEventSink>(log));
        await using var first = await StartNodeAsync();
        var ann = await first.RegisterAsync();
        var bob = await first.RegisterAsync();
        await Conversations.IdAsync(first, ann, bob);
        await using var annOnFirst = await SocketClient.ConnectAsync(first, ann);
        await using var bobOnFirst = await SocketClient.ConnectAsync(first, bob);

        // Alone, it delivers on itself and publishes none of its 40 batches. Redis counts every PUBLISH on the server: what
        // it may count meanwhile is the echo probes of the nodes that stay up through the test (this one and the fixture's
        // two), each at most one per EchoInterval.
        const int sends = 40, nodesUp = 3;
        await using var admin = await ConnectionMultiplexer.ConnectAsync(nodes.Servers.Redis + ",allowAdmin=true");
        async Task<(long Publishes, long ProbesAtMost)> PublishesWhileSendingAsync(string prefix)
        {
            var before = await PublishCallsAsync(admin);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var n = 0; n < sends; n++) await annOnFirst.SendAndAckAsync(bob.Id, $"{prefix}{n}");
            await bobOnFirst.WaitForCountAsync(f => f.IsMessage() && f.Message().Str("clientMessageId")!.StartsWith(prefix), sends, LongWait);
            var publishes = await PublishCallsAsync(admin) - before;
            return (publishes, nodesUp * ((long)(clock.Elapsed / RedisFanout.EchoInterval) + 1));
        }
        var (alone, probes) = await PublishesWhileSendingAsync("alone-");
        Assert.InRange(alone, 0, probes);

        // A second node joins; Bob, online already, connects to it too, which publishes nothing. Ann's very next message
        // reaches him there: the first node heard the join, and welcomed the second, before the second took requests.
        var secondLog = new CapturedLog();
        var second = await StartNodeAsync(secondLog);
        try
        {
            Assert.DoesNotContain("welcomed this node", secondLog.Text); // it started on the welcome, not on the wait's end
            await using var bobOnSecond = await SocketClient.ConnectAsync(second, bob);
            var ack = await annOnFirst.SendAndAckAsync(bob.Id, "to-the-new-node");
            Assert.Equal(ack.Message().ToString(), (await bobOnSecond.TakeAsync("message")).Message().ToString());
            Assert.InRange((await PublishesWhileSendingAsync("together-")).Publishes, sends, long.MaxValue);
        }
        finally
        {
            await second.DisposeAsync();
        }

        // Once the second node is gone, the first node's next echo probe finds it alone again.
        var (published, probesAtMost) = (long.MaxValue, 0L);
        for (var attempt = 0; attempt < 10 && published > probesAtMost; attempt++)
        {
            await Task.Delay(1000, TestContext.Current.CancellationToken);
            (published, probesAtMost) = await PublishesWhileSendingAsync($"alone-again-{attempt}-");
        }
        Assert.InRange(published, 0, probesAtMost);
    }

    /// <summary>How many PUBLISH commands the Redis server has run, all clients together (none yet: no entry).</summary>
    static async Task<long> PublishCallsAsync(ConnectionMultiplexer admin)
    {
        var stats = await admin.GetServer(admin.GetEndPoints()[0]).InfoAsync("commandstats");
        // "cmdstat_publish" → "calls=12,usec=…"
        return stats.SelectMany(section => section).Where(e => e.Key == "cmdstat_publish")
            .Select(e => long.Parse(e.Value.Split(',')[0]["calls=".Length..])).SingleOrDefault();
    }

    [Fact]
    public async Task Junk_on_the_bus_is_ignored_and_the_nodes_go_on_delivering()
    {
        var (ann, bob) = await AnnOnAAndBobOnBAsync();
        await using var annOnA = await SocketClient.ConnectAsync(nodes.A, ann);
        await using var bobOnB = await SocketClient.ConnectAsync(nodes.B, bob);

        var (redis, channel) = Bus(nodes.A);
        // No origin line, an origin line with broken JSON, JSON of the wrong shape (a bus message is an array of
        // deliveries), a delivery to Bob without an event, an event for Bob of an unknown type. Bob gets none as a frame.
        foreach (var junk in new[] { "garbage", "someone\n{not json", "someone\n[1,2,3]", "someone\n" + $$"""[{"userIds":[{{bob.Id}}]}]""", "someone\n" + $$"""[{"event":{"type":"nonsense"},"userIds":[{{bob.Id}}]}]""" })
            await redis.PublishAsync(channel, junk);

        var ack = await annOnA.SendAndAckAsync(bob.Id, "after the junk");
        Assert.Equal(ack.Message().ToString(), (await bobOnB.TakeAsync("message")).Message().ToString());
        Assert.DoesNotContain(bobOnB.Received, f => f.Type() is not ("ready" or "presence" or "message"));
    }

    [Fact]
    public async Task Readiness_includes_redis()
    {
        using var client = nodes.A.Client();
        var ready = await client.GetStringAsync("/health/ready", TestContext.Current.CancellationToken);
        Assert.Equal("up", JsonDocument.Parse(ready).RootElement.GetProperty("checks").GetProperty("redis").GetString());
    }
}
