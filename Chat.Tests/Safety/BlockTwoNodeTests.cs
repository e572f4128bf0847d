using Chat.Tests.Api;
using Chat.Tests.Infrastructure;
using Chat.Tests.Realtime;

namespace Chat.Tests.Safety;

/// <summary>A block made through one node holds on the other at once (PostgreSQL and Redis): no cache to go stale.</summary>
[Collection(nameof(RedisOutage))]
public sealed class BlockTwoNodeTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_block_through_one_node_refuses_the_next_send_on_the_other_and_stops_presence_there()
    {
        await nodes.RedisAnswersOnBothNodesAsync();
        var (a, b) = (nodes.A, nodes.B);
        var (ann, bea) = (await a.RegisterAsync("Ann"), await b.RegisterAsync("Bea"));
        await using var annOnA = await SocketClient.ConnectAsync(a, ann);
        await annOnA.SendAndAckAsync(bea.Id, "before"); // node A now knows the pair's conversation

        using (var beaOnB = b.Client(bea.Token)) await ApiAssert.OkAsync(await beaOnB.PutAsync($"/blocks/{ann.Id}", null, Ct));
        // Bea goes offline on node B: her presence reaches nobody she blocked, on any node.
        await annOnA.TakeAsync(f => f.Type() == "presence" && f.Str("userId") == bea.Id && !f.GetProperty("online").GetBoolean());
        await using (var beaSocket = await SocketClient.ConnectAsync(b, bea))
            Assert.Equal(0, await annOnA.CountAfterAsync(f => f.Type() == "presence" && f.Str("userId") == bea.Id && f.GetProperty("online").GetBoolean(),
                TimeSpan.FromMilliseconds(700)));

        await annOnA.SendMessageAsync(bea.Id, "after");
        var refused = await annOnA.TakeAsync(f => f.Type() is "ack" or "error" && (f.Str("ref") ?? f.Str("clientMessageId")) == "after");
        Assert.Equal(("error", "blocked"), (refused.Type(), refused.Str("code")));

        using (var beaOnA = a.Client(bea.Token)) await ApiAssert.OkAsync(await beaOnA.DeleteAsync($"/blocks/{ann.Id}", Ct));
        await annOnA.SendAndAckAsync(bea.Id, "after-unblock");
    }
}
