using System.Text.Json;
using Chat.Tests.Infrastructure;
using Microsoft.Playwright;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Browser;

/// <summary>The PWA side of push in Chromium: installable, and the service worker shows a pushed notification.</summary>
public sealed class PushBrowserTests(BrowserApp app, BrowserFixture browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task The_manifest_is_valid_and_chromium_reports_the_app_installable()
    {
        var user = await app.Host.RegisterAsync("Ina Stall");
        var profile = Directory.CreateTempSubdirectory("chat-profile-");
        await using var context = await browser.PersistentContextAsync(app.Host, profile.FullName);
        var page = context.Pages.FirstOrDefault() ?? await context.NewPageAsync();
        await LogInAsync(page, user.Phone, user.Password);
        await page.EvaluateAsync("navigator.serviceWorker.ready");
        var cdp = await context.NewCDPSessionAsync(page);

        var manifest = (await cdp.SendAsync("Page.getAppManifest"))!.Value;
        Assert.Empty(manifest.GetProperty("errors").EnumerateArray());
        var parsed = JsonDocument.Parse(manifest.GetProperty("data").GetString()!).RootElement;
        Assert.Equal("standalone", parsed.Str("display"));
        Assert.Equal("/chat", parsed.Str("start_url"));
        Assert.Contains(parsed.GetProperty("icons").EnumerateArray(), i => i.Str("purpose") == "maskable");
        Assert.NotEmpty(parsed.GetProperty("shortcuts").EnumerateArray());

        var installability = (await cdp.SendAsync("Page.getInstallabilityErrors"))!.Value;
        Assert.Empty(installability.GetProperty("installabilityErrors").EnumerateArray());
        await context.CloseAsync();
        profile.Delete(recursive: true);
    }

    [Fact]
    public async Task A_push_delivered_to_the_service_worker_shows_the_notification_with_its_title_and_body()
    {
        var user = await app.Host.RegisterAsync("Pia Push");
        await using var context = await browser.ContextAsync(app.Host);
        await context.GrantPermissionsAsync(["notifications"]);
        var page = await context.NewPageAsync();
        await LogInAsync(page, user.Phone, user.Password);
        await page.EvaluateAsync("navigator.serviceWorker.ready");

        var cdp = await context.NewCDPSessionAsync(page);
        var registration = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cdp.Event("ServiceWorker.workerRegistrationUpdated").OnEvent += (_, e) =>
        {
            foreach (var r in e!.Value.GetProperty("registrations").EnumerateArray())
                if (r.Str("scopeURL") == app.Host.Address.ToString() && !r.GetProperty("isDeleted").GetBoolean()) registration.TrySetResult(r.Str("registrationId")!);
        };
        await cdp.SendAsync("ServiceWorker.enable");
        var registrationId = await registration.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var payload = JsonSerializer.Serialize(new { title = "Ann", body = "Lunch at noon?", conversationId = "7", url = "/chat/42", tag = "conversation-7", unread = 2 });
        await cdp.SendAsync("ServiceWorker.deliverPushMessage", new()
        {
            ["origin"] = app.Host.Address.ToString().TrimEnd('/'),
            ["registrationId"] = registrationId,
            ["data"] = payload,
        });

        // Polled with EvaluateAsync, which awaits the async function (WaitForFunction would take its promise for truthy).
        JsonElement notification = default;
        for (var tries = 0; tries < 100 && notification.ValueKind != JsonValueKind.Object; tries++)
        {
            if (tries > 0) await Task.Delay(100, TestContext.Current.CancellationToken);
            notification = await page.EvaluateAsync<JsonElement>("""
                async () => {
                  const r = await navigator.serviceWorker.ready;
                  const ns = await r.getNotifications({ tag: 'conversation-7' });
                  return ns.length ? { title: ns[0].title, body: ns[0].body, url: ns[0].data.url } : null;
                }
                """);
        }
        Assert.Equal("Ann", notification.Str("title"));
        Assert.Equal("Lunch at noon?", notification.Str("body"));
        Assert.Equal("/chat/42", notification.Str("url"));
    }

    [Fact]
    public async Task Clicking_a_notification_takes_an_open_tab_to_its_conversation()
    {
        var user = await app.Host.RegisterAsync("Cleo Click");
        var peer = await app.Host.RegisterAsync("Pete Peer");
        await using var context = await browser.ContextAsync(app.Host);
        await context.GrantPermissionsAsync(["notifications"]);
        var page = await context.NewPageAsync();
        await LogInAsync(page, user.Phone, user.Password);
        await page.EvaluateAsync("navigator.serviceWorker.ready");
        await page.ReloadAsync(); // now controlled by the worker, which may navigate it
        await page.WaitForFunctionAsync("navigator.serviceWorker.controller !== null");
        // A click is the browser's to make; the worker's handler gets the same event from dispatchEvent, run in the worker over CDP.
        await EvaluateInServiceWorkerAsync($$"""
            (async () => {
              await self.registration.showNotification('Pete Peer', { tag: 'conversation-1', data: { url: '/chat/{{peer.Id}}' } });
              const [n] = await self.registration.getNotifications({ tag: 'conversation-1' });
              self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }));
              return true;
            })()
            """);
        await page.WaitForURLAsync($"**/chat/{peer.Id}");
        await Assertions.Expect(page.Locator("#peer-name")).ToHaveTextAsync("Pete Peer");
    }


    /// <summary>Runs a script in this app's service worker: its CDP target, attached from a browser session.</summary>
    async Task EvaluateInServiceWorkerAsync(string expression)
    {
        var cdp = await (await browser.BrowserAsync()).NewBrowserCDPSessionAsync();
        var targets = (await cdp.SendAsync("Target.getTargets"))!.Value.GetProperty("targetInfos").EnumerateArray();
        var worker = targets.First(t => t.Str("type") == "service_worker" && t.Str("url")!.StartsWith(app.Host.Address.ToString(), StringComparison.Ordinal));
        var attached = (await cdp.SendAsync("Target.attachToTarget", new() { ["targetId"] = worker.Str("targetId")!, ["flatten"] = false }))!.Value;
        var sessionId = attached.Str("sessionId")!;
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cdp.Event("Target.receivedMessageFromTarget").OnEvent += (_, e) =>
        {
            var message = e!.Value.Str("message")!;
            if (JsonDocument.Parse(message).RootElement.TryGetProperty("id", out var id) && id.GetInt32() == 1) answer.TrySetResult(message);
        };
        await cdp.SendAsync("Target.sendMessageToTarget", new()
        {
            ["sessionId"] = sessionId,
            ["message"] = JsonSerializer.Serialize(new { id = 1, method = "Runtime.evaluate", @params = new { expression, awaitPromise = true } }),
        });
        var result = await answer.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.DoesNotContain("exceptionDetails", result);
        await cdp.DetachAsync();
    }


    [Fact]
    public async Task The_notification_settings_and_the_chat_screens_prompt_and_mute_control_are_captured()
    {
        var host = app.Host;
        var nora = await host.RegisterAsync("Nora Quist");
        var omar = await host.RegisterAsync("Omar Haddad");
        await using (var socket = await SocketClient.ConnectAsync(host, omar))
            await socket.SendAndAckAsync(nora.Id, "push-shot", "Are notifications working on your phone yet?");
        // A phone subscribed before (203.0.113.0/24: a public documentation address, which the endpoint check accepts).
        using (var api = host.Client(nora.Token))
        {
            using var phone = new Push.TestSubscriber("https://203.0.113.7/push/nora-phone");
            var subscribe = new HttpRequestMessage(HttpMethod.Post, "/notifications/subscriptions") { Content = System.Net.Http.Json.JsonContent.Create(phone.Json) };
            subscribe.Headers.UserAgent.ParseAdd("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0");
            Assert.Equal(System.Net.HttpStatusCode.Created, (await api.SendAsync(subscribe, TestContext.Current.CancellationToken)).StatusCode);
        }
        var dir = Path.Combine(BrowserFixture.RepoRoot, "test-artifacts", "screenshots");
        Directory.CreateDirectory(dir);
        var errors = new List<string>();
        foreach (var (device, width, height) in new[] { ("desktop", 1280, 800), ("mobile", 390, 844) })
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await using var context = await browser.ContextAsync(host, width: width, height: height, colorScheme: scheme);
            var page = await context.NewPageAsync();
            page.Console += (_, m) => { if (m.Type == "error") errors.Add($"{page.Url}: {m.Text}"); };
            page.PageError += (_, e) => errors.Add($"{page.Url}: {e}");
            var theme = scheme.ToString().ToLowerInvariant();
            await LogInAsync(page, nora.Phone, nora.Password);
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Turn on notifications" })).ToBeVisibleAsync();
            if (device == "mobile") await page.ScreenshotAsync(new() { Path = Path.Combine(dir, $"push-chat-list-{device}-{theme}.png") });
            await page.GotoAsync($"/chat/{omar.Id}");
            await page.GetByLabel("Notifications for this conversation").SelectOptionAsync("mentions");
            await Assertions.Expect(page.GetByLabel("Notifications for this conversation")).ToHaveValueAsync("mentions");
            await page.ScreenshotAsync(new() { Path = Path.Combine(dir, $"push-chat-{device}-{theme}.png") });
            await page.GotoAsync("/settings/notifications");
            await Assertions.Expect(page.GetByText("Firefox on Android")).ToBeVisibleAsync();
            await page.ScreenshotAsync(new() { Path = Path.Combine(dir, $"push-settings-{device}-{theme}.png") });
        }
        Assert.Empty(errors);
    }
}
