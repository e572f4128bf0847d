using System.Net;
using Chat.Tests.Infrastructure;
using Chat.Tests.Realtime;

namespace Chat.Tests.Groups;

/// <summary>A group whose members are on two nodes of one deployment (PostgreSQL and Redis).</summary>
[Collection(nameof(RedisOutage))]
public sealed class GroupTwoNodeTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    [Fact]
    public async Task Members_on_two_nodes_get_each_message_once_in_seq_order_and_a_removal_on_one_node_holds_on_the_other()
    {
        await nodes.RedisAnswersOnBothNodesAsync();
        var (a, b) = (nodes.A, nodes.B);
        var (ann, bea, cat) = (await a.RegisterAsync("Ann"), await b.RegisterAsync("Bea"), await b.RegisterAsync("Cat"));
        await using var annOnA = await SocketClient.ConnectAsync(a, ann);
        await using var beaOnB = await SocketClient.ConnectAsync(b, bea);
        await using var catOnA = await SocketClient.ConnectAsync(a, cat);
        var group = await GroupApi.CreateAsync(a, ann, "Two nodes", bea, cat);
        await beaOnB.TakeAsync(f => f.IsSystem("created"));
        await catOnA.TakeAsync(f => f.IsSystem("created"));

        // Sends from both nodes, a retry among them: gapless seqs, each message once at every member.
        for (var i = 0; i < 10; i++)
        {
            await annOnA.SendMessageAsync(null, $"a-{i}", conversationId: group);
            await beaOnB.SendMessageAsync(null, $"b-{i}", conversationId: group);
        }
        await annOnA.SendAndAckAsync(null, "a-0", conversationId: group); // a retry: its ack again, nothing new
        foreach (var socket in new[] { annOnA, beaOnB, catOnA })
        {
            var seen = await socket.WaitForCountAsync(f => f.Type() is "ack" or "message" && f.Message().Str("kind") == "text", socket == annOnA ? 21 : 20);
            Assert.Equal(Enumerable.Range(2, 20).Select(n => (long)n), seen.Select(f => f.Seq()).Distinct().Order());
        }
        Assert.Equal(20, catOnA.Received.Count(f => f.IsMessage() && f.Message().Str("kind") == "text"));

        // Receipts only by members, across nodes: Cat's read completes "read by all" for Bea's message, once Ann has read it too.
        var beaLast = beaOnB.Received.Last(f => f.Type() == "ack").Message();
        await annOnA.SendAsync(new { type = "receipt", messageId = beaLast.Str("id"), kind = "read" });
        await catOnA.SendAsync(new { type = "receipt", messageId = beaLast.Str("id"), kind = "read" });
        var receipt = await beaOnB.TakeAsync(f => f.Type() == "receipt" && f.Str("messageId") == beaLast.Str("id"));
        Assert.Equal("read", receipt.Str("kind"));

        // Removed through node B; Cat's connection is on node A, whose member list learns it from the bus.
        Assert.Equal(HttpStatusCode.OK, (await GroupApi.RemoveAsync(b, ann, group, cat.Id)).StatusCode);
        var removal = await catOnA.TakeAsync(f => f.IsSystem("removed"));
        await beaOnB.SendAndAckAsync(null, "after-removal", conversationId: group);
        await annOnA.TakeAsync(f => f.IsMessage() && f.Message().Str("clientMessageId") == "after-removal");
        Assert.Equal(0, await catOnA.CountAfterAsync(f => f.IsMessage() && f.Seq() > removal.Seq(), TimeSpan.FromMilliseconds(500)));
        await catOnA.SendMessageAsync(null, "cat-after", conversationId: group);
        Assert.Equal("not_member", (await catOnA.TakeAsync(f => f.Type() == "error" && f.Str("ref") == "cat-after")).Str("code"));

        // Ann reconnects on the other node and syncs from where she was: exactly what she missed.
        var annSeen = annOnA.Received.Where(f => f.Type() is "ack" or "message").Max(f => f.Seq());
        await annOnA.DropAsync();
        await beaOnB.SendAndAckAsync(null, "while-away-1", conversationId: group);
        await beaOnB.SendAndAckAsync(null, "while-away-2", conversationId: group);
        await using var annOnB = await SocketClient.ConnectAsync(b, ann);
        await annOnB.SendAsync(new { type = "sync", since = new Dictionary<string, long> { [group] = annSeen } });
        await annOnB.TakeAsync("sync-complete");
        Assert.Equal([annSeen + 1, annSeen + 2], annOnB.Received.Where(f => f.IsMessage()).Select(f => f.Seq()));
    }

    [Fact]
    public async Task A_node_that_has_not_heard_of_a_removal_yet_still_delivers_nothing_new_to_the_removed_member()
    {
        await nodes.RedisAnswersOnBothNodesAsync();
        // A third node of the deployment, made deaf below, so the fixture's two stay as they are for the other tests.
        await using var c = await nodes.StartAnotherNodeAsync();
        var (ann, bea, cat) = (await c.RegisterAsync("Ann"), await nodes.B.RegisterAsync("Bea"), await c.RegisterAsync("Cat"));
        await using var annOnC = await SocketClient.ConnectAsync(c, ann);
        await using var catOnC = await SocketClient.ConnectAsync(c, cat);
        var group = await GroupApi.CreateAsync(c, ann, "Stale", bea, cat);
        await annOnC.SendAndAckAsync(null, "before", conversationId: group);
        await catOnC.TakeAsync(f => f.IsMessage() && f.Message().Str("clientMessageId") == "before"); // node C's member list is loaded

        // Node C stops hearing the bus (as if the removal's bus message were slow), and Cat is removed through node B.
        var (redis, channel) = MultiNodeTests.Bus(c);
        await redis.UnsubscribeAsync(channel);
        Assert.Equal(HttpStatusCode.OK, (await GroupApi.RemoveAsync(nodes.B, ann, group, cat.Id)).StatusCode);
        var after = await annOnC.SendAndAckAsync(null, "after-removal", conversationId: group);
        Assert.Equal(0, await catOnC.CountAfterAsync(f => f.IsMessage() && f.Seq() >= after.Seq(), TimeSpan.FromMilliseconds(500)));
    }
}
