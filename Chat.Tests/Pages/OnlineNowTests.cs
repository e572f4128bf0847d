using System.Text.RegularExpressions;
using Chat.Tests.Infrastructure;
using Chat.Tests.Realtime;

namespace Chat.Tests.Pages;

/// <summary>"Online now" on the landing page and the admin stats counts people connected on any node (Redis presence).</summary>
public sealed partial class OnlineNowTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    [GeneratedRegex("id=\"stat-online\"[^>]*>([^<]*)<")]
    private static partial Regex OnlineStat();

    /// <summary>The landing page's number, re-read until it is <paramref name="expected"/> (the count is kept 2 s) or 10 s pass.</summary>
    static async Task AssertOnlineNowAsync(ChatHost host, string expected)
    {
        using var client = host.Client();
        var shown = "";
        var until = DateTime.UtcNow.AddSeconds(10);
        do
        {
            shown = OnlineStat().Match(await client.GetStringAsync("/", TestContext.Current.CancellationToken)).Groups[1].Value.Trim();
            if (shown == expected) return;
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
        while (DateTime.UtcNow < until);
        Assert.Equal(expected, shown);
    }

    [Fact]
    public async Task Online_now_counts_people_with_an_open_connection_on_any_node_once_each()
    {
        await AssertOnlineNowAsync(nodes.B, "0");
        var ann = await nodes.A.RegisterAsync();
        var bob = await nodes.B.RegisterAsync();

        var annOnA = await SocketClient.ConnectAsync(nodes.A, ann);
        await AssertOnlineNowAsync(nodes.B, "1");
        var annOnB = await SocketClient.ConnectAsync(nodes.B, ann);
        var bobOnB = await SocketClient.ConnectAsync(nodes.B, bob);
        await AssertOnlineNowAsync(nodes.A, "2");
        await AssertOnlineNowAsync(nodes.B, "2");

        await annOnA.DisposeAsync();
        await bobOnB.DisposeAsync();
        // Ann still has her connection on B; Bob has none left.
        await AssertOnlineNowAsync(nodes.A, "1");
        await annOnB.DisposeAsync();
        await AssertOnlineNowAsync(nodes.A, "0");
    }
}
