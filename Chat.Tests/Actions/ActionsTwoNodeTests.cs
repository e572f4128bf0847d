using System.Net;
using Chat.Tests.Groups;
using Chat.Tests.Infrastructure;
using Chat.Tests.Realtime;
using static Chat.Tests.Actions.ActionApi;

namespace Chat.Tests.Actions;

/// <summary>Message actions where the members are on two nodes of one deployment (PostgreSQL and Redis).</summary>
[Collection(nameof(RedisOutage))]
public sealed class ActionsTwoNodeTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    [Fact]
    public async Task Changes_made_on_either_node_reach_every_member_once_in_one_gapless_seq_order_with_the_messages_and_sync_brings_the_missed_ones()
    {
        await nodes.RedisAnswersOnBothNodesAsync();
        var (a, b) = (nodes.A, nodes.B);
        var (ann, bea, cat) = (await a.RegisterAsync("Ann"), await b.RegisterAsync("Bea"), await b.RegisterAsync("Cat"));
        await using var annOnA = await SocketClient.ConnectAsync(a, ann);
        await using var catOnA = await SocketClient.ConnectAsync(a, cat);
        var beaOnB = await SocketClient.ConnectAsync(b, bea);
        var group = await GroupApi.CreateAsync(a, ann, "Two nodes", bea, cat);
        var target = (await annOnA.SendAndAckAsync(null, "t", "react to me", conversationId: group)).Message().Str("id")!;
        await beaOnB.TakeAsync(f => f.IsMessage() && f.Message().Str("clientMessageId") == "t");

        // Sends and reactions from both nodes, interleaved: one stream, gapless, the same at every member.
        string[] emoji = ["👍", "❤️", "😂", "😮", "😢"];
        for (var i = 0; i < 5; i++)
        {
            await annOnA.SendMessageAsync(null, $"a-{i}", conversationId: group);
            Assert.Equal(HttpStatusCode.OK, (await ReactAsync(b, bea, target, emoji[i])).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await ReactAsync(a, cat, target, emoji[4 - i])).StatusCode);
        }
        var streams = new List<List<long>>();
        foreach (var socket in new[] { annOnA, beaOnB, catOnA })
        {
            var seen = await socket.WaitForCountAsync(f => f.Type() is "ack" or "message" && f.Message().Str("kind") is "text" or "change" && f.Seq() > 2, 15);
            streams.Add(seen.Select(f => f.Seq()).Distinct().ToList());
            // Each once: after a quiet moment, still one frame per seq (a doubled delivery would have come by now).
            Assert.Equal(15, await socket.CountAfterAsync(f => f.Type() is "ack" or "message" && f.Message().Str("kind") is "text" or "change" && f.Seq() > 2,
                TimeSpan.FromMilliseconds(300)));
        }
        Assert.All(streams, s => Assert.Equal(Enumerable.Range(3, 15).Select(n => (long)n), s.Order()));
        var last = (await HistoryAsync(a, ann, $"/groups/{group}/messages")).First(m => m.Str("id") == target);
        Assert.Equal(new Dictionary<string, int> { ["😢"] = 1, ["👍"] = 1 }, last.Reactions()); // Bea's last, Cat's last

        // Bea is away; an edit on node A and a delete on node B: her sync through node A brings both, once, in order.
        var seenUpTo = beaOnB.Received.Where(f => f.Type() is "ack" or "message").Max(f => f.Seq());
        await beaOnB.DisposeAsync();
        Assert.Equal(HttpStatusCode.OK, (await EditAsync(a, ann, target, "edited on A")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync(b, ann, target)).StatusCode);
        await catOnA.TakeAsync(f => f.IsChange("deleted", target));
        await using var beaOnA = await SocketClient.ConnectAsync(a, bea);
        await beaOnA.SendAsync(new { type = "sync", since = new Dictionary<string, long> { [group] = seenUpTo } });
        await beaOnA.TakeAsync("sync-complete");
        var missed = beaOnA.Received.Where(f => f.IsMessage()).ToList();
        Assert.Equal(["edited", "deleted"], missed.Select(f => f.Message().GetProperty("change").Str("action")));
        Assert.Equal([seenUpTo + 1, seenUpTo + 2], missed.Select(f => f.Seq()));
        Assert.Equal("", missed[1].Changed().Str("ciphertext"));
    }
}
