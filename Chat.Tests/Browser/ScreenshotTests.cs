using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Groups;
using Chat.Tests.Infrastructure;
using Microsoft.Playwright;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Browser;

/// <summary>Landing, chat, group, secret conversation and admin screens — desktop and mobile, light and dark — under test-artifacts/screenshots/.</summary>
public sealed class ScreenshotTests(BrowserApp app, BrowserFixture browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Landing_chat_and_admin_screens_are_captured_on_desktop_and_mobile_in_light_and_dark()
    {
        var host = app.Host;
        var ann = await host.RegisterAsync("Ann Lee");
        var bob = await host.RegisterAsync("Bob Marsh");
        var chloe = await host.RegisterAsync("Chloé Dubois");
        var dev = await host.RegisterAsync("Dev Patel");
        await host.RegisterAsync("Eva Nakamura");
        await using (var setup = await browser.ContextAsync(host))
        {
            var page = await setup.NewPageAsync();
            await LogInAsync(page, bob.Phone, bob.Password);
            await page.GotoAsync($"/chat/{ann.Id}");
            foreach (var text in new[] { "Hey Ann! Are we still on for Friday?", "I booked the table for 8." })
            {
                await SendAsync(page, text);
                await Assertions.Expect(StoredBubbles(page).Filter(new() { HasText = text })).ToHaveCountAsync(1);
            }
        }
        await using (var setup = await browser.ContextAsync(host))
        {
            var page = await setup.NewPageAsync();
            await LogInAsync(page, ann.Phone, ann.Password);
            await page.GotoAsync($"/chat/{bob.Id}");
            await SendAsync(page, "Yes! See you there.\nI'll bring the photos.");
            await Assertions.Expect(StoredBubbles(page).Filter(new() { HasText = "photos" })).ToHaveCountAsync(1);
        }

        // The list as it looks in use: a conversation with a reply ("You: …"), one with unread messages, and people online.
        await using (var devSocket = await SocketClient.ConnectAsync(host, dev))
        await using (var annSocket = await SocketClient.ConnectAsync(host, ann))
        {
            var thanks = await devSocket.SendAndAckAsync(ann.Id, "shot-dev", "Thanks for the intro to the design team!");
            await annSocket.SendAsync(new { type = "receipt", messageId = thanks.Message().Str("id"), kind = "read" });
            await annSocket.SendAndAckAsync(dev.Id, "shot-ann", "Any time. They loved your portfolio.");
        }
        await using var chloeOnline = await SocketClient.ConnectAsync(host, chloe);
        await chloeOnline.SendAndAckAsync(ann.Id, "shot-chloe-1", "Did you see the photos from Lisbon?");
        await chloeOnline.SendAndAckAsync(ann.Id, "shot-chloe-2", "The one at the tram stop is my favourite");
        // Bob is online and has read Ann's reply: her bubble shows the read ticks.
        await using var bobOnline = await SocketClient.ConnectAsync(host, bob);
        using (var bobApi = host.Client(bob.Token))
        {
            var history = await bobApi.GetFromJsonAsync<JsonElement>($"/conversations/{ann.Id}/messages", TestContext.Current.CancellationToken);
            foreach (var m in history.GetProperty("items").EnumerateArray().Where(m => m.Str("receiverId") == bob.Id))
                await bobOnline.SendAsync(new { type = "receipt", messageId = m.Str("id"), kind = "read" });
        }

        await CaptureAsync(host, 14, async (page, device, shoot) =>
        {
            await page.GotoAsync("/");
            await shoot("landing");

            await LogInAsync(page, ann.Phone, ann.Password);
            // On a phone the list and the conversation are separate screens: both are worth a look.
            if (device == "mobile") await shoot("chat-list");
            await page.GotoAsync($"/chat/{bob.Id}");
            await Assertions.Expect(StoredBubbles(page).Filter(new() { HasText = "photos" })).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#messages [data-delivery='read']")).ToHaveCountAsync(1);
            await shoot("chat");

            await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
            await LogInAsync(page, BrowserApp.AdminPhone, BrowserApp.AdminPassword);
            await page.GotoAsync("/admin");
            await shoot("admin");
        });
    }

    [Fact]
    public async Task Group_conversation_members_panel_and_new_group_screens_are_captured_on_desktop_and_mobile_in_light_and_dark()
    {
        var host = app.Host;
        var maya = await host.RegisterAsync("Maya Okafor");
        var jonas = await host.RegisterAsync("Jonas Berg");
        var priya = await host.RegisterAsync("Priya Raman");
        var tom = await host.RegisterAsync("Tom Weller");
        var lena = await host.RegisterAsync("Lena Fischer");
        await host.RegisterAsync("Sam Ortiz");
        var group = await GroupApi.CreateAsync(host, maya, "Lisbon trip", jonas, priya, tom);
        Assert.True((await GroupApi.AddAsync(host, maya, group, lena.Id)).IsSuccessStatusCode);
        using (var api = host.Client(maya.Token))
            Assert.True((await api.PostAsync($"/groups/{group}/members/{jonas.Id}/promote", null, TestContext.Current.CancellationToken)).IsSuccessStatusCode);
        Assert.True((await GroupApi.LeaveAsync(host, tom, group)).IsSuccessStatusCode);
        // A conversation in use: others' bubbles with their names, Maya's own with ticks, and the system notes between.
        foreach (var (who, text) in new[] { (jonas, "Flights are booked! Landing Friday 10:40."), (priya, "Amazing. I found a flat in Alfama, 3 rooms."),
                     (maya, "Perfect. Who wants to do the tram 28 on Saturday?"), (lena, "Me! And pastéis de nata after") })
        {
            await using var socket = await SocketClient.ConnectAsync(host, who);
            await socket.SendAndAckAsync(null, "shot-" + Guid.NewGuid().ToString("N"), text, conversationId: group);
        }
        // Everyone else has read Maya's message: her bubble shows the read ticks.
        foreach (var reader in new[] { jonas, priya, lena })
        await using (var socket = await SocketClient.ConnectAsync(host, reader))
        {
            // Newest first: the newest one someone else sent (a receipt for your own message is refused).
            var newest = (await GroupApi.GetAsync(host, reader, $"/groups/{group}/messages")).GetProperty("items").EnumerateArray()
                .First(m => m.Str("senderId") != reader.Id && m.Str("kind") == "text");
            await socket.SendAsync(new { type = "receipt", messageId = newest.Str("id"), kind = "read" });
        }
        await Task.Delay(300, TestContext.Current.CancellationToken);

        await CaptureAsync(host, 12, async (page, _, shoot) =>
        {
            await LogInAsync(page, maya.Phone, maya.Password);
            await page.GotoAsync($"/chat/groups/{group}");
            await Assertions.Expect(StoredBubbles(page).Filter(new() { HasText = "nata" })).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#messages [data-delivery='read']")).ToHaveCountAsync(1);
            await shoot("group");

            await page.GotoAsync($"/chat/groups/{group}/members");
            await shoot("group-members");

            await page.GotoAsync("/chat/groups/new");
            await page.GetByLabel("Group name").FillAsync("Book club");
            await page.Locator("#people input[type=checkbox]").First.CheckAsync();
            await shoot("group-new");
        });
    }

    [Fact]
    public async Task Message_actions_replies_reactions_edits_tombstones_and_the_action_sheet_are_captured_on_desktop_and_mobile_in_light_and_dark()
    {
        var host = app.Host;
        var (nora, omar) = (await host.RegisterAsync("Nora Quinn"), await host.RegisterAsync("Omar Haddad"));
        var group = await GroupApi.CreateAsync(host, omar, "Climbing crew", nora);
        await using (var noraSocket = await SocketClient.ConnectAsync(host, nora))
        await using (var omarSocket = await SocketClient.ConnectAsync(host, omar))
        {
            var plan = (await noraSocket.SendAndAckAsync(omar.Id, "act-1", "Climbing on Sunday? The new wall opens at 10.")).Message().Str("id")!;
            await omarSocket.SendAsync(new { type = "send-message", toUserId = nora.Id, ciphertext = Actions.ActionApi.B64("I'm in! Can we start at 11?"),
                clientMessageId = "act-2", replyToId = plan });
            await omarSocket.TakeAsync(f => f.Type() == "ack");
            var typo = (await noraSocket.SendAndAckAsync(omar.Id, "act-3", "11 works, I'll bring the rop")).Message().Str("id")!;
            var wrong = (await omarSocket.SendAndAckAsync(nora.Id, "act-4", "(meant for the other chat)")).Message().Str("id")!;
            Assert.True((await Actions.ActionApi.EditAsync(host, nora, typo, "11 works, I'll bring the rope and the chalk")).IsSuccessStatusCode);
            Assert.True((await Actions.ActionApi.ReactAsync(host, omar, plan, "👍")).IsSuccessStatusCode);
            Assert.True((await Actions.ActionApi.ReactAsync(host, nora, plan, "🔥")).IsSuccessStatusCode);
            Assert.True((await Actions.ActionApi.ReactAsync(host, omar, typo, "🙏")).IsSuccessStatusCode);
            Assert.True((await Actions.ActionApi.DeleteAsync(host, omar, wrong)).IsSuccessStatusCode);
            Assert.True((await Actions.ActionApi.ForwardAsync(host, nora, plan, "act-fwd", group)).IsSuccessStatusCode);
        }

        await CaptureAsync(host, 8, async (page, _, shoot) =>
        {
            await LogInAsync(page, nora.Phone, nora.Password);
            await page.GotoAsync($"/chat/{omar.Id}");
            await Assertions.Expect(page.Locator("#messages [data-deleted]")).ToBeVisibleAsync();
            await shoot("actions");
            await page.Locator("#messages [data-actions]").First.ClickAsync();
            await Assertions.Expect(page.Locator("#action-sheet")).ToBeVisibleAsync();
            await shoot("actions-sheet");
        });
    }

    [Fact]
    public async Task Media_bubbles_and_the_lightbox_are_captured_on_desktop_and_mobile_in_light_and_dark()
    {
        var host = app.Host;
        var nina = await host.RegisterAsync("Nina Alves");
        var omar = await host.RegisterAsync("Omar Haddad");
        await Media.MediaUpload.SendAsync(host, omar, nina.Id, null, "sunset.jpg", Media.TestMedia.Jpeg(1200, 800));
        await Media.MediaUpload.SendAsync(host, nina, omar.Id, null, "Lisbon-itinerary.pdf", Media.TestMedia.Pdf);
        await Media.MediaUpload.SendAsync(host, nina, omar.Id, null, "voice-note.webm", Media.TestMedia.Webm);

        await CaptureAsync(host, 8, async (page, _, shoot) =>
        {
            await LogInAsync(page, nina.Phone, nina.Password);
            await page.GotoAsync($"/chat/{omar.Id}");
            await Assertions.Expect(page.Locator("#messages img[data-preview]")).ToBeVisibleAsync();
            await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#messages img')].every(i => i.complete && i.naturalWidth > 0)");
            await shoot("media");
            await page.Locator("#messages a[data-lightbox]").ClickAsync();
            await page.WaitForFunctionAsync("() => { const i = document.querySelector('[data-lightbox-image]'); return i.complete && i.naturalWidth > 0; }");
            await shoot("media-lightbox");
        });
    }

    [Fact]
    public async Task Secret_conversation_and_changed_key_warning_are_captured_on_desktop_and_mobile_in_light_and_dark()
    {
        var host = app.Host;
        await CaptureAsync(host, 8, async (page, _, shoot) =>
        {
            // A pair of its own for each context: a secret conversation is bound to the browsers that set it up.
            var maya = await host.RegisterAsync("Maya Okafor");
            var jonas = await host.RegisterAsync("Jonas Berg");
            await using var peer = await browser.ContextAsync(host);
            var jonasPage = await peer.NewPageAsync();
            await LogInAsync(page, maya.Phone, maya.Password);
            await page.GotoAsync($"/chat/secret/{jonas.Id}");
            await page.GetByRole(AriaRole.Button, new() { Name = "Start secret conversation" }).ClickAsync();
            await LogInAsync(jonasPage, jonas.Phone, jonas.Password);
            await jonasPage.GotoAsync($"/chat/secret/{maya.Id}");
            await Assertions.Expect(jonasPage.Locator("#secret-chat[data-ready='true']")).ToHaveCountAsync(1);
            await page.ReloadAsync();
            var decrypted = page.Locator("#messages [data-decrypted]");
            foreach (var (who, text) in new[] { (page, "The door code is 4471, see you at 7."), (jonasPage, "Got it. I'll bring the documents."),
                         (page, "Thanks! Delete this after reading.") })
            {
                var box = who.GetByLabel("Secret message", new() { Exact = true });
                await Assertions.Expect(box).ToBeEnabledAsync();
                await box.FillAsync(text);
                await box.PressAsync("Enter");
                await Assertions.Expect(decrypted.Filter(new() { HasText = text })).ToHaveCountAsync(1);
            }
            await page.Locator("#secret-chat summary").ClickAsync();
            await shoot("secret");

            await jonasPage.EvaluateAsync("""
                async ([me, token]) => (await (await import('/js/secret.js')).openApp(me, '/chat/secret/device', token)).resetDevice()
                """, new[] { jonas.Id, await jonasPage.Locator("meta[name='request-verification-token']").GetAttributeAsync("content") });
            await page.ReloadAsync();
            await Assertions.Expect(page.Locator("#secret-warning")).ToBeVisibleAsync();
            await shoot("secret-key-changed");
        });
    }

    /// <summary>
    /// Runs <paramref name="screens"/> on desktop and mobile, light and dark, each in a fresh context; its
    /// <c>shoot("name")</c> saves <c>name-{device}-{theme}.png</c>. No screen may log a script error or a CSP violation.
    /// </summary>
    async Task CaptureAsync(ChatHost host, int expected, Func<IPage, string, Func<string, Task>, Task> screens)
    {
        var dir = Path.Combine(BrowserFixture.RepoRoot, "test-artifacts", "screenshots");
        Directory.CreateDirectory(dir);
        var shots = new List<string>();
        var consoleErrors = new List<string>();
        foreach (var (device, width, height) in new[] { ("desktop", 1280, 800), ("mobile", 390, 844) })
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await using var context = await browser.ContextAsync(host, width: width, height: height, colorScheme: scheme);
            var page = await context.NewPageAsync();
            page.Console += (_, m) => { if (m.Type == "error") consoleErrors.Add($"{page.Url}: {m.Text}"); };
            page.PageError += (_, e) => consoleErrors.Add($"{page.Url}: {e}");
            var theme = scheme.ToString().ToLowerInvariant();
            await screens(page, device, async name => shots.Add(await ShotAsync(page, dir, $"{name}-{device}-{theme}.png")));
        }

        Assert.Equal(expected, shots.Count);
        Assert.Empty(consoleErrors);
        Assert.All(shots, s => Assert.True(new FileInfo(s).Length > 10_000, s + " is suspiciously small"));
    }

    static async Task<string> ShotAsync(IPage page, string dir, string name)
    {
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var path = Path.Combine(dir, name);
        await page.ScreenshotAsync(new() { Path = path, Animations = ScreenshotAnimations.Disabled });
        return path;
    }
}
