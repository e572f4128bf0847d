using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using Chat.Tests.Infrastructure;
using Chat.Web.Features.Conversations;
using Chat.Web.Features.Realtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Browser;

/// <summary>Issue 4 phase 2: the chat screen lives on the cookie-authenticated htmx socket at /chat/socket.</summary>
public sealed class LiveChatTests(BrowserApp app, BrowserFixture browser) : IClassFixture<BrowserApp>
{
    ChatHost Host => app.Host;
    static readonly LocatorAssertionsToHaveTextOptions WithinASecond = new() { Timeout = 1000 };

    async Task<(IBrowserContext Context, IPage Page)> OpenAsync(TestUser me, TestUser peer)
    {
        var (context, page, _) = await OpenAsync(me, peer, cuttable: false);
        return (context, page);
    }

    async Task<(IBrowserContext Context, IPage Page, ChatSocketLink Link)> OpenCuttableAsync(TestUser me, TestUser peer)
    {
        var (context, page, link) = await OpenAsync(me, peer, cuttable: true);
        return (context, page, link!);
    }

    /// <summary>
    /// Logs in and opens the conversation with <paramref name="peer"/>, returning once its socket is open (the
    /// conversation's own: the list page that logging in lands on opens one too). A cuttable page's chat sockets go
    /// through a <see cref="ChatSocketLink"/> (<see cref="OpenCuttableAsync"/>), routed before the first of them opens.
    /// </summary>
    async Task<(IBrowserContext Context, IPage Page, ChatSocketLink? Link)> OpenAsync(TestUser me, TestUser peer, bool cuttable)
    {
        var context = await browser.ContextAsync(Host);
        var page = await context.NewPageAsync();
        await PageLog.AttachAsync(page, me.DisplayName);
        var link = cuttable ? await ChatSocketLink.RouteAsync(page) : null;
        await LogInAsync(page, me.Phone, me.Password);
        var connected = page.WaitForWebSocketAsync(new() { Predicate = ws => ws.Url.Contains($"/chat/socket?peer={peer.Id}") });
        await page.GotoAsync($"/chat/{peer.Id}");
        await connected;
        return (context, page, link);
    }

    [Fact]
    public async Task Two_users_exchange_messages_live_with_ticks_sent_delivered_read_and_a_typing_indicator()
    {
        var ann = await Host.RegisterAsync("Ann Live");
        var bob = await Host.RegisterAsync("Bob Live");
        var (annContext, annPage) = await OpenAsync(ann, bob);
        await using var _ = annContext;
        // Bob is online on the list, not in the conversation: Ann's message is delivered, not read.
        await using var bobContext = await browser.ContextAsync(Host);
        var bobPage = await bobContext.NewPageAsync();
        await PageLog.AttachAsync(bobPage, bob.DisplayName);
        await LogInAsync(bobPage, bob.Phone, bob.Password);
        var bobConnected = bobPage.WaitForWebSocketAsync(new() { Predicate = ws => ws.Url.Contains("/chat/socket") });
        await bobPage.GotoAsync("/chat");
        await bobConnected;

        await SendAsync(annPage, "Hello Bob, live");
        await Assertions.Expect(StoredBubbles(annPage).Locator("[data-delivery='delivered']")).ToHaveCountAsync(1, new() { Timeout = 5000 });

        // Bob opens the conversation: Ann's tick turns read without a reload.
        var bobOpen = bobPage.WaitForWebSocketAsync(new() { Predicate = ws => ws.Url.Contains("/chat/socket") });
        await bobPage.GotoAsync($"/chat/{ann.Id}");
        await bobOpen;
        await Assertions.Expect(annPage.Locator("#messages [data-delivery='read']")).ToHaveCountAsync(1, new() { Timeout = 5000 });

        // Both ways, each within a second, no reload, no duplicates.
        await SendAsync(bobPage, "Hi Ann, live too");
        await Assertions.Expect(Bubbles(annPage)).ToHaveTextAsync(["Hello Bob, live", "Hi Ann, live too"], WithinASecond);
        await SendAsync(annPage, "Third one");
        await Assertions.Expect(Bubbles(bobPage)).ToHaveTextAsync(["Hello Bob, live", "Hi Ann, live too", "Third one"], WithinASecond);
        await Assertions.Expect(Bubbles(annPage)).ToHaveTextAsync(["Hello Bob, live", "Hi Ann, live too", "Third one"]);
        // Bob has the conversation open and visible, so Ann's third message turns read too.
        await Assertions.Expect(annPage.Locator("#messages [data-delivery='read']")).ToHaveCountAsync(2, new() { Timeout = 5000 });

        // Typing: shows while Bob types, goes away when he stops (empties the box).
        var typing = annPage.Locator($"#typing_{bob.Id}");
        await Assertions.Expect(typing).ToBeHiddenAsync();
        await bobPage.GetByLabel("Message", new() { Exact = true }).PressSequentiallyAsync("typing a");
        await Assertions.Expect(typing).ToHaveTextAsync("typing…", new() { Timeout = 5000 });
        await bobPage.GetByLabel("Message", new() { Exact = true }).FillAsync("");
        await Assertions.Expect(typing).ToBeHiddenAsync(new() { Timeout = 5000 });
    }

    [Fact]
    public async Task A_tick_that_came_before_the_send_answer_stays_when_the_answer_replaces_the_bubble()
    {
        var ann = await Host.RegisterAsync("Ann Late Answer");
        var bob = await Host.RegisterAsync("Bob Late Answer");
        var (annContext, annPage) = await OpenAsync(ann, bob);
        await using var _ = annContext;
        await using var bobSocket = await SocketClient.ConnectAsync(Host, bob);
        // The POST's answer is held back until the socket has brought the message and its "delivered" tick: the order
        // in which a busy machine can deliver them, and in which the answer used to put the tick back to "sent".
        var release = new TaskCompletionSource();
        await annPage.RouteAsync($"**/chat/{bob.Id}", async route =>
        {
            if (route.Request.Method != "POST") { await route.ContinueAsync(); return; }
            var answer = await route.FetchAsync();
            await release.Task;
            await route.FulfillAsync(new() { Response = answer });
        });

        await SendAsync(annPage, "Answered late");
        var messageId = (await bobSocket.TakeAsync("message")).Message().Str("id");
        await bobSocket.SendAsync(new { type = "receipt", messageId, kind = "delivered" });
        var delivered = StoredBubbles(annPage).Locator("[data-delivery='delivered']");
        await Assertions.Expect(delivered).ToHaveCountAsync(1, new() { Timeout = 5000 });

        await annPage.EvaluateAsync("() => { window.answered = new Promise(done => document.addEventListener('htmx:afterRequest', () => done(true), { once: true })); }");
        release.SetResult();
        await annPage.EvaluateAsync("() => window.answered");
        await Assertions.Expect(StoredBubbles(annPage)).ToHaveCountAsync(1);
        await Assertions.Expect(delivered).ToHaveCountAsync(1, new() { Timeout = 1000 });
    }

    [Fact]
    public async Task Times_show_on_the_readers_clock_in_bubbles_sent_and_received_live_and_after_a_reload()
    {
        var ann = await Host.RegisterAsync("Ann Clock");
        var bob = await Host.RegisterAsync("Bob Clock");
        // Kolkata is UTC+5:30: no whole-hour slip can pass for it.
        await using var context = await browser.ContextAsync(Host, timezoneId: "Asia/Kolkata");
        var page = await context.NewPageAsync();
        await LogInAsync(page, ann.Phone, ann.Password);
        var connected = page.WaitForWebSocketAsync(new() { Predicate = ws => ws.Url.Contains("/chat/socket") });
        await page.GotoAsync($"/chat/{bob.Id}");
        await connected;

        await SendAsync(page, "Sent from Kolkata");
        await Assertions.Expect(StoredBubbles(page)).ToHaveCountAsync(1, new() { Timeout = 5000 });
        await using (var bobSocket = await SocketClient.ConnectAsync(Host, bob))
            await bobSocket.SendAndAckAsync(ann.Id, "clock-live", "Received live");
        await Assertions.Expect(StoredBubbles(page)).ToHaveCountAsync(2, new() { Timeout = 5000 });
        await AssertShownInKolkataAsync(page);

        await page.ReloadAsync();
        await AssertShownInKolkataAsync(page);
    }

    static async Task AssertShownInKolkataAsync(IPage page)
    {
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        var times = await StoredBubbles(page).Locator("time")
            .EvaluateAllAsync<string[][]>("ts => ts.map(t => [t.getAttribute('datetime'), t.textContent])");
        Assert.Equal(2, times.Length);
        foreach (var t in times)
        {
            var utc = DateTime.Parse(t[0], null, System.Globalization.DateTimeStyles.AdjustToUniversal);
            Assert.Equal(TimeZoneInfo.ConvertTimeFromUtc(utc, kolkata).ToString("HH:mm"), t[1]);
        }
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, kolkata));
        // One separator for the day, live as after a reload (not one per live message, not none).
        await Assertions.Expect(page.Locator("#messages [role='separator']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#messages [role='separator']")).ToHaveAttributeAsync("data-day", day.ToString("yyyy-MM-dd"));
    }

    [Fact]
    public async Task Messages_sent_while_the_recipient_is_offline_all_appear_once_in_order_when_back_online()
    {
        var ann = await Host.RegisterAsync("Ann Offline");
        var bob = await Host.RegisterAsync("Bob Offline");
        var (annContext, annPage) = await OpenAsync(ann, bob);
        await using var _ = annContext;

        var (bobContext, bobPage, bobLink) = await OpenCuttableAsync(bob, ann);
        await using var __ = bobContext;
        await SendAsync(annPage, "before");
        await Assertions.Expect(Bubbles(bobPage)).ToHaveTextAsync(["before"], new() { Timeout = 5000 });

        await bobLink.GoOfflineAsync();
        for (var i = 1; i <= 5; i++)
        {
            await SendAsync(annPage, $"offline {i}");
            await Assertions.Expect(StoredBubbles(annPage)).ToHaveCountAsync(i + 1);
        }
        // Nothing reached Bob while he was offline.
        await bobPage.WaitForTimeoutAsync(300);
        await Assertions.Expect(Bubbles(bobPage)).ToHaveTextAsync(["before"]);

        // Back online, the page opens a new socket and asks for what it missed after its last seq.
        await bobLink.GoOnlineAsync();
        string[] expected = ["before", "offline 1", "offline 2", "offline 3", "offline 4", "offline 5"];
        await Assertions.Expect(Bubbles(bobPage)).ToHaveTextAsync(expected, new() { Timeout = 15000 });
        await bobPage.WaitForTimeoutAsync(500); // anything doubled by a second (re)connect's catch-up would show by now
        await Assertions.Expect(Bubbles(bobPage)).ToHaveTextAsync(expected);
    }

    [Fact]
    public async Task The_browser_socket_refuses_a_foreign_or_missing_origin_with_403_and_no_session_with_401()
    {
        var ann = await Host.RegisterAsync("Ann Origin");
        await using var context = await browser.ContextAsync(Host);
        var page = await context.NewPageAsync();
        await LogInAsync(page, ann.Phone, ann.Password);
        var cookie = string.Join("; ", (await context.CookiesAsync()).Select(c => $"{c.Name}={c.Value}"));
        var own = Host.Address.GetLeftPart(UriPartial.Authority);
        var url = new Uri($"ws://{Host.Address.Authority}/chat/socket");

        async Task<HttpStatusCode?> HandshakeAsync(string? origin, string? withCookie)
        {
            using var ws = new ClientWebSocket();
            ws.Options.CollectHttpResponseDetails = true;
            if (origin is not null) ws.Options.SetRequestHeader("Origin", origin);
            if (withCookie is not null) ws.Options.SetRequestHeader("Cookie", withCookie);
            try
            {
                await ws.ConnectAsync(url, TestContext.Current.CancellationToken);
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", TestContext.Current.CancellationToken);
                return HttpStatusCode.SwitchingProtocols;
            }
            catch (WebSocketException)
            {
                return ws.HttpStatusCode;
            }
        }

        Assert.Equal(HttpStatusCode.SwitchingProtocols, await HandshakeAsync(own, cookie));
        Assert.Equal(HttpStatusCode.Forbidden, await HandshakeAsync("https://evil.example", cookie));
        Assert.Equal(HttpStatusCode.Forbidden, await HandshakeAsync($"http://{Host.Address.Host}:1", cookie));
        Assert.Equal(HttpStatusCode.Forbidden, await HandshakeAsync(null, cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, await HandshakeAsync(own, null));
    }

    [Fact]
    public async Task The_browser_socket_closes_with_1009_on_a_frame_over_the_limit_and_answers_frames_under_it()
    {
        var ann = await Host.RegisterAsync("Ann Frames");
        var bob = await Host.RegisterAsync("Bob Frames");
        await using var context = await browser.ContextAsync(Host);
        var page = await context.NewPageAsync();
        await LogInAsync(page, ann.Phone, ann.Password);
        var cookie = string.Join("; ", (await context.CookiesAsync()).Select(c => $"{c.Name}={c.Value}"));
        var ct = TestContext.Current.CancellationToken;
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Origin", Host.Address.GetLeftPart(UriPartial.Authority));
        ws.Options.SetRequestHeader("Cookie", cookie);
        await ws.ConnectAsync(new Uri($"ws://{Host.Address.Authority}/chat/socket?peer={bob.Id}"), ct);
        var buffer = new byte[64 * 1024];

        // A frame under the limit, sent in pieces, is read whole: "typing" reaches Bob's socket.
        await using var bobSocket = await SocketClient.ConnectAsync(Host, bob);
        var typing = System.Text.Encoding.UTF8.GetBytes("""{"type":"typing","state":"start"}""");
        await ws.SendAsync(typing.AsMemory(0, 10), WebSocketMessageType.Text, endOfMessage: false, ct);
        await ws.SendAsync(typing.AsMemory(10), WebSocketMessageType.Text, endOfMessage: true, ct);
        Assert.Equal("start", (await bobSocket.TakeAsync("typing")).Str("state"));

        // One over the limit closes the socket with 1009.
        await ws.SendAsync(new byte[RealtimeSettings.MaxFrameBytes + 1], WebSocketMessageType.Text, endOfMessage: true, ct);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromSeconds(10)); // an ignored frame would leave the socket open: fail, do not hang
        WebSocketReceiveResult result;
        do result = await ws.ReceiveAsync(buffer, wait.Token); while (result.MessageType != WebSocketMessageType.Close);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, result.CloseStatus);
    }

    [Fact]
    public async Task Logging_out_everywhere_closes_the_browser_socket_and_the_tab_returns_to_sign_in()
    {
        var ann = await Host.RegisterAsync("Ann Revoked");
        var bob = await Host.RegisterAsync("Bob Revoked");
        // The server's view of Ann's browser sockets: the test revokes only once the socket of the open conversation is
        // registered (under load the handshake lags the page, and the list page's socket lingers for a moment).
        var registry = Host.Services.GetRequiredService<ConnectionRegistry>();
        string[] AnnsSockets() => registry.All.Where(s => s is SocketSession { Protocol: BrowserProtocol } && s.UserId == long.Parse(ann.Id)).Select(s => s.Id).ToArray();
        async Task<string> OnlySocketAsync(string? other)
        {
            for (var i = 0; i < 200 && !(AnnsSockets() is [var id] && id != other); i++) await Task.Delay(50);
            return Assert.Single(AnnsSockets());
        }

        await using var context = await browser.ContextAsync(Host);
        var page = await context.NewPageAsync();
        await LogInAsync(page, ann.Phone, ann.Password);
        var listSocket = await OnlySocketAsync(null);
        await page.GotoAsync($"/chat/{bob.Id}");
        Assert.NotEqual(listSocket, await OnlySocketAsync(listSocket));

        using var api = Host.Client(ann.Token);
        var response = await api.PostAsync("/auth/logout-all", null, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        // The server closes the socket (4401) and lets go of it; the page, told its session ended, reloads into sign-in.
        // (Observed through the page: Playwright's own WebSocket close event was seen to go missing under load.)
        await page.WaitForURLAsync("**/login**", new() { Timeout = 5000 });
        for (var i = 0; i < 100 && AnnsSockets().Length > 0; i++) await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Empty(AnnsSockets());
    }

    [Fact]
    public async Task A_tick_that_moved_while_the_page_was_offline_is_right_once_it_reconnects()
    {
        var ann = await Host.RegisterAsync("Ann Away");
        var bob = await Host.RegisterAsync("Bob Away");
        var (annContext, annPage, annLink) = await OpenCuttableAsync(ann, bob);
        await using var _ = annContext;
        await using var bobSocket = await SocketClient.ConnectAsync(Host, bob);

        await SendAsync(annPage, "Read while you were away");
        var messageId = (await bobSocket.TakeAsync("message")).Message().Str("id");
        await bobSocket.SendAsync(new { type = "receipt", messageId, kind = "delivered" });
        var ticks = annPage.Locator($"#ticks_{messageId}");
        await Assertions.Expect(ticks).ToHaveAttributeAsync("data-delivery", "delivered", new() { Timeout = 5000 });

        // Bob reads it while Ann's page has no socket: the receipt's live event cannot reach the page.
        await annLink.GoOfflineAsync();
        await bobSocket.SendAsync(new { type = "receipt", messageId, kind = "read" });
        await annPage.WaitForTimeoutAsync(300);
        await Assertions.Expect(ticks).ToHaveAttributeAsync("data-delivery", "delivered");

        // Back online, the page's catch-up brings the tick as it stands, without a reload.
        await annLink.GoOnlineAsync();
        await Assertions.Expect(ticks).ToHaveAttributeAsync("data-delivery", "read", new() { Timeout = 15000 });
        await Assertions.Expect(StoredBubbles(annPage)).ToHaveCountAsync(1);
    }
}
