using Microsoft.Playwright;

namespace Chat.Tests.Browser;

/// <summary>
/// A page's chat socket through a route the test can cut. Chromium's offline emulation leaves an open WebSocket
/// working, so going offline here also closes the page's sockets on both ends (1012, which the page retries), and
/// while offline every new socket is refused the same way.
/// </summary>
public sealed class ChatSocketLink(IPage page)
{
    readonly List<(IWebSocketRoute Page, IWebSocketRoute Server)> open = [];
    bool offline;

    public static async Task<ChatSocketLink> RouteAsync(IPage page)
    {
        var link = new ChatSocketLink(page);
        await page.RouteWebSocketAsync(new System.Text.RegularExpressions.Regex("/chat/socket"), async ws =>
        {
            if (link.offline) { await ws.CloseAsync(new() { Code = 1012, Reason = "offline" }); return; }
            var server = ws.ConnectToServer();
            lock (link.open) link.open.Add((ws, server));
        });
        return link;
    }

    public async Task GoOfflineAsync()
    {
        offline = true;
        await page.Context.SetOfflineAsync(true);
        (IWebSocketRoute Page, IWebSocketRoute Server)[] cut;
        lock (open) { cut = open.ToArray(); open.Clear(); }
        foreach (var (pageEnd, serverEnd) in cut)
        {
            await pageEnd.CloseAsync(new() { Code = 1012, Reason = "offline" });
            await serverEnd.CloseAsync(new() { Code = 1001, Reason = "offline" });
        }
    }

    public async Task GoOnlineAsync()
    {
        offline = false;
        await page.Context.SetOfflineAsync(false);
    }
}
