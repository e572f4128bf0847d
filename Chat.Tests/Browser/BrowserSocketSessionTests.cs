using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Browser;

/// <summary>The browser's htmx socket runs the same session as the JSON socket: the same frame allowance, the same 1012 at shutdown.</summary>
public sealed class BrowserSocketSessionTests(BrowserApp app, BrowserFixture browser, TestServers servers) : IClassFixture<BrowserApp>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_flood_of_read_frames_is_cut_off_at_the_frame_allowance_with_1013_and_marks_no_more_than_it_allowed()
    {
        var host = app.Host;
        var ann = await host.RegisterAsync("Ann Flood");
        var bob = await host.RegisterAsync("Bob Flood");
        // 300 unread messages from Bob: each "read" frame of seq n marks exactly one more read (one UPDATE), so the count of
        // messages read is the count of read frames that cost a write.
        const int unread = 300;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var found = await scope.ServiceProvider.GetRequiredService<PairConversations>().EnsureAsync(long.Parse(ann.Id), long.Parse(bob.Id), Ct);
            var conversation = Assert.IsType<PairResult.Found>(found).Conversation.Id;
            var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
            db.Messages.AddRange(Enumerable.Range(1, unread).Select(n => new Message
            {
                ConversationId = conversation, Seq = n, SenderId = long.Parse(bob.Id), ReceiverId = long.Parse(ann.Id),
                ClientMessageId = $"seed-{n}", Ciphertext = Encoding.UTF8.GetBytes($"seed {n}"), CreatedAt = DateTime.UtcNow,
            }));
            await db.SaveChangesAsync(Ct);
            await db.Conversations.Where(c => c.Id == conversation).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastSeq, unread), Ct);
        }
        var settings = host.Services.GetRequiredService<RealtimeSettings>();

        using var ws = await ConnectAsync(host, ann, bob);
        var clock = Stopwatch.StartNew();
        for (var seq = 1; seq <= unread && ws.State == WebSocketState.Open; seq++)
        {
            try
            {
                await ws.SendAsync(Encoding.UTF8.GetBytes($$"""{"type":"read","seq":{{seq}}}"""), WebSocketMessageType.Text, true, Ct);
            }
            catch (WebSocketException)
            {
                break; // closed under us: that is the point
            }
        }
        var closed = await CloseStatusAsync(ws);
        var elapsed = clock.Elapsed.TotalSeconds;

        Assert.Equal((WebSocketCloseStatus)1013, closed);
        int read;
        await using (var scope = host.Services.CreateAsyncScope())
            read = await scope.ServiceProvider.GetRequiredService<ChatDbContext>().Messages
                .CountAsync(m => m.ReceiverId == long.Parse(ann.Id) && m.ReadAt != null, Ct);
        var allowed = settings.FrameBurst + settings.FramesPerSecond * elapsed + 1;
        Assert.True(read >= 1 && read <= allowed, $"{read} messages read by the flood; the allowance was {allowed:F0} frames in {elapsed:F2} s");
        Assert.True(read < unread, "the flood was not cut off");
    }

    [Fact]
    public async Task A_shutdown_closes_the_tab_with_1012_and_the_tab_reconnects_to_the_restarted_node_and_syncs_what_it_missed()
    {
        // Two nodes of one deployment, one database, no Redis: node A serves the tab; node B takes Bob's sends while A is
        // down, so what the tab misses can reach it only through its sync after the reconnect. Both share a key ring, so the
        // tab's cookie is good on the node that replaces A on A's port.
        var database = await servers.CreateDatabaseAsync();
        var keys = Directory.CreateTempSubdirectory("chat-keys-");
        void SharedKeys(IServiceCollection s) => s.AddDataProtection().PersistKeysToFileSystem(keys).SetApplicationName("chat-tests");
        var port = TestServers.FreePort();
        Action<IDictionary<string, string?>> onPort = s => s["urls"] = $"http://127.0.0.1:{port}";
        var nodeA = await ChatHost.StartAsync(servers, Storage.Postgres, onPort, database, services: SharedKeys);
        await using var nodeB = await ChatHost.StartAsync(servers, Storage.Postgres, database: database, services: SharedKeys);
        ChatHost? restarted = null;
        try
        {
            var ann = await nodeA.RegisterAsync("Ann Restart");
            var bob = await nodeA.RegisterAsync("Bob Restart");
            await using var context = await browser.ContextAsync(nodeA);
            var page = await context.NewPageAsync();
            await LogInAsync(page, ann.Phone, ann.Password);
            var connected = page.WaitForWebSocketAsync(new() { Predicate = ws => ws.Url.Contains($"/chat/socket?peer={bob.Id}") });
            await page.GotoAsync($"/chat/{bob.Id}");
            await connected;
            await page.EvaluateAsync("() => { window.closeCodes = []; document.addEventListener('htmx:wsClose', e => window.closeCodes.push(e.detail.event.code)); }");

            await using (var bobOnA = await SocketClient.ConnectAsync(nodeA, bob))
            {
                await bobOnA.SendAndAckAsync(ann.Id, "r-before", "before the restart");
                await Assertions.Expect(page.Locator("#messages")).ToContainTextAsync("before the restart", new() { Timeout = 20_000 });
            }
            await nodeA.DisposeAsync(); // the tab gets 1012 and starts reconnecting, to a port nobody listens on for now
            await page.WaitForFunctionAsync("() => window.closeCodes.includes(1012)", null, new() { Timeout = 5000 });
            await using (var bobOnB = await SocketClient.ConnectAsync(nodeB, bob))
                for (var i = 1; i <= 3; i++) await bobOnB.SendAndAckAsync(ann.Id, $"r-away-{i}", $"while away {i}");
            restarted = await ChatHost.StartAsync(servers, Storage.Postgres, onPort, database, services: SharedKeys);

            var texts = page.Locator("#messages [data-text]");
            await Assertions.Expect(texts).ToHaveCountAsync(4, new() { Timeout = 60_000 }); // reconnects with a backoff of up to seconds
            Assert.Equal(["before the restart", "while away 1", "while away 2", "while away 3"], await texts.AllInnerTextsAsync());
            await using var bobOnRestarted = await SocketClient.ConnectAsync(restarted, bob);
            await bobOnRestarted.SendAndAckAsync(ann.Id, "r-after", "after the restart");
            await Assertions.Expect(texts).ToHaveCountAsync(5);
            Assert.Equal(5, (await page.Locator("#messages [id^='message_']").EvaluateAllAsync<string[]>("els => els.map(e => e.id)")).Distinct().Count());
        }
        finally
        {
            if (restarted is not null) await restarted.DisposeAsync();
            keys.Delete(recursive: true);
        }
    }

    static async Task<ClientWebSocket> ConnectAsync(ChatHost host, TestUser me, TestUser peer)
    {
        var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Origin", host.Address.GetLeftPart(UriPartial.Authority));
        ws.Options.SetRequestHeader("Cookie", await SessionCookieAsync(host, me));
        await ws.ConnectAsync(new Uri($"ws://{host.Address.Authority}/chat/socket?peer={peer.Id}"), Ct);
        return ws;
    }

    /// <summary>The session cookie of a real login form post.</summary>
    static async Task<string> SessionCookieAsync(ChatHost host, TestUser me)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = host.Address };
        http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        var answer = await http.PostLoginAsync(me.Phone, me.Password);
        Assert.True((int)answer.StatusCode is 204 or 302 or 303, $"login answered {answer.StatusCode}");
        return cookies.GetCookieHeader(host.Address);
    }

    static async Task<WebSocketCloseStatus?> CloseStatusAsync(ClientWebSocket ws)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(10));
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var result = await ws.ReceiveAsync(buffer, wait.Token);
                if (result.MessageType == WebSocketMessageType.Close) return result.CloseStatus;
            }
        }
        catch (WebSocketException)
        {
            return ws.CloseStatus;
        }
    }
}
