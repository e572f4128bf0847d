using System.Net;
using Chat.Tests.Actions;
using Chat.Tests.Groups;
using Chat.Tests.Infrastructure;
using Microsoft.Playwright;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Browser;

/// <summary>Issue 27 in two browsers: reply and jump to the original, react, edit, delete for everyone, forward, and a side that was offline catching up.</summary>
public sealed class MessageActionsBrowserTests(BrowserApp app, BrowserFixture browser) : IClassFixture<BrowserApp>
{
    ChatHost Host => app.Host;
    static readonly LocatorAssertionsToHaveTextOptions Soon = new() { Timeout = 5000 };
    static readonly LocatorAssertionsToContainTextOptions SoonContains = new() { Timeout = 5000 };

    async Task<(IBrowserContext Context, IPage Page, ChatSocketLink Link)> OpenAsync(TestUser me, TestUser peer)
    {
        var context = await browser.ContextAsync(Host);
        var page = await context.NewPageAsync();
        await PageLog.AttachAsync(page, me.DisplayName);
        var link = await ChatSocketLink.RouteAsync(page);
        await LogInAsync(page, me.Phone, me.Password);
        var connected = page.WaitForWebSocketAsync(new() { Predicate = ws => ws.Url.Contains($"/chat/socket?peer={peer.Id}") });
        await page.GotoAsync($"/chat/{peer.Id}");
        await connected;
        return (context, page, link);
    }

    static ILocator Bubble(IPage page, string text) => page.Locator("#messages [id^='message_']").Filter(new() { Has = page.Locator("[data-text]", new() { HasTextString = text }) });

    /// <summary>Opens the bubble's action sheet (the "⋯" link, through htmx) and returns it.</summary>
    static async Task<ILocator> ActionsAsync(IPage page, string text)
    {
        await Bubble(page, text).Locator("[data-actions]").ClickAsync();
        var sheet = page.Locator("#action-sheet");
        await Assertions.Expect(sheet).ToBeVisibleAsync();
        return sheet;
    }

    [Fact]
    public async Task Reply_react_edit_delete_and_forward_show_live_on_the_other_side_and_an_offline_side_catches_up_once()
    {
        var ann = await Host.RegisterAsync("Ann Actions");
        var bea = await Host.RegisterAsync("Bea Actions");
        var cat = await Host.RegisterAsync("Cat Actions");
        var group = await GroupApi.CreateAsync(Host, bea, "Forwards", cat);
        var (annContext, annPage, _) = await OpenAsync(ann, bea);
        await using var _a = annContext;
        var (beaContext, beaPage, beaLink) = await OpenAsync(bea, ann);
        await using var _b = beaContext;

        await SendAsync(annPage, "Dinner at 8?");
        await Assertions.Expect(Bubble(beaPage, "Dinner at 8?")).ToHaveCountAsync(1, new() { Timeout = 5000 });

        // Reply: from the sheet, the composer quotes it; both sides show the quote.
        var sheet = await ActionsAsync(beaPage, "Dinner at 8?");
        await sheet.GetByRole(AriaRole.Link, new() { Name = "↩ Reply" }).ClickAsync();
        await Assertions.Expect(beaPage.Locator("[data-reply-bar]")).ToContainTextAsync("Replying to Ann Actions");
        await SendAsync(beaPage, "Yes, see you");
        foreach (var page in new[] { annPage, beaPage })
            await Assertions.Expect(Bubble(page, "Yes, see you").Locator("[data-quote]")).ToContainTextAsync("Dinner at 8?", SoonContains);
        await Assertions.Expect(Bubble(annPage, "Yes, see you").Locator("[data-quote]")).ToContainTextAsync("You");
        await Assertions.Expect(beaPage.Locator("[data-reply-bar]")).ToBeHiddenAsync();

        // React and un-react: the chip appears and goes on the other side.
        sheet = await ActionsAsync(beaPage, "Dinner at 8?");
        await sheet.GetByRole(AriaRole.Button, new() { Name = "React with 👍" }).ClickAsync();
        await Assertions.Expect(sheet).ToBeHiddenAsync();
        var chip = Bubble(annPage, "Dinner at 8?").Locator("[data-reaction='👍']");
        await Assertions.Expect(chip).ToContainTextAsync("1", SoonContains);
        await Assertions.Expect(chip).ToHaveAttributeAsync("title", "Bea Actions");
        sheet = await ActionsAsync(beaPage, "Dinner at 8?");
        await sheet.GetByRole(AriaRole.Button, new() { Name = "React with 👍" }).ClickAsync();
        await Assertions.Expect(chip).ToHaveCountAsync(0, new() { Timeout = 5000 });

        // Edit within the window: the new text and "edited" on both sides.
        sheet = await ActionsAsync(annPage, "Dinner at 8?");
        await sheet.GetByLabel("New text").FillAsync("Dinner at 9?");
        await sheet.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(Bubble(beaPage, "Dinner at 9?").Locator("[data-edited]")).ToHaveTextAsync("edited", Soon);
        await Assertions.Expect(Bubble(annPage, "Dinner at 9?")).ToHaveCountAsync(1);

        // Delete for everyone: the tombstone appears live on the other side.
        await SendAsync(annPage, "Wrong chat, sorry");
        await Assertions.Expect(Bubble(beaPage, "Wrong chat, sorry")).ToHaveCountAsync(1, new() { Timeout = 5000 });
        sheet = await ActionsAsync(annPage, "Wrong chat, sorry");
        annPage.Dialog += (_, d) => d.AcceptAsync();
        await sheet.GetByRole(AriaRole.Button, new() { Name = "Delete for everyone" }).ClickAsync();
        await Assertions.Expect(beaPage.Locator("#messages [data-deleted]")).ToHaveTextAsync("🚫 This message was deleted", Soon);
        await Assertions.Expect(Bubble(beaPage, "Wrong chat, sorry")).ToHaveCountAsync(0);
        // It was the last message: the list's preview follows it, in place (a delete is no new activity).
        var annRow = beaPage.Locator($"#conversation-list > #conversation_{ann.Id}");
        await Assertions.Expect(annRow).ToContainTextAsync("This message was deleted", SoonContains);
        await Assertions.Expect(annRow).Not.ToContainTextAsync("Wrong chat");
        await Assertions.Expect(beaPage.Locator($"#conversation-list > [id='conversation_{ann.Id}']")).ToHaveCountAsync(1);

        // Forward to a group: there, marked forwarded.
        sheet = await ActionsAsync(beaPage, "Dinner at 9?");
        await sheet.GetByLabel("Forwards").CheckAsync();
        await sheet.GetByRole(AriaRole.Button, new() { Name = "Forward", Exact = true }).ClickAsync();
        await Assertions.Expect(sheet).ToBeHiddenAsync();
        var forwarded = (await ActionApi.HistoryAsync(Host, cat, $"/groups/{group}/messages")).First(m => m.Str("kind") == "text");
        Assert.Equal(("Dinner at 9?", true), (forwarded.Text(), forwarded.GetProperty("forwarded").GetBoolean()));

        // Bea goes offline; Ann edits, reacts and deletes meanwhile. Back online, Bea's page shows each change, once.
        await SendAsync(annPage, "Bring wine");
        await Assertions.Expect(Bubble(beaPage, "Bring wine")).ToHaveCountAsync(1, new() { Timeout = 5000 });
        await beaLink.GoOfflineAsync();
        var ids = await annPage.Locator("#messages [data-id]").EvaluateAllAsync<string[]>("els => els.map(e => e.getAttribute('data-id'))");
        var (dinner, wine) = (await Bubble(annPage, "Dinner at 9?").GetAttributeAsync("data-id"), await Bubble(annPage, "Bring wine").GetAttributeAsync("data-id"));
        Assert.Equal(HttpStatusCode.OK, (await ActionApi.EditAsync(Host, ann, wine!, "Bring red wine")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ActionApi.ReactAsync(Host, ann, dinner!, "❤️")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ActionApi.DeleteAsync(Host, ann, dinner!)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ActionApi.ReactAsync(Host, ann, wine!, "🍷")).StatusCode);
        await beaPage.WaitForTimeoutAsync(300);
        await Assertions.Expect(Bubble(beaPage, "Bring red wine")).ToHaveCountAsync(0); // offline: not yet
        await beaLink.GoOnlineAsync();
        await Assertions.Expect(Bubble(beaPage, "Bring red wine").Locator("[data-reaction='🍷']")).ToContainTextAsync("1", new() { Timeout = 15000 });
        await Assertions.Expect(beaPage.Locator($"#messages [data-id='{dinner}'] [data-deleted]")).ToHaveCountAsync(1);
        await Assertions.Expect(beaPage.Locator("#messages [data-id]")).ToHaveCountAsync(ids.Length); // each message once, none added
        await Assertions.Expect(beaPage.Locator($"#messages [data-id='{dinner}'] [data-reaction]")).ToHaveCountAsync(0); // gone with its text
    }

    [Fact]
    public async Task A_quote_jumps_to_its_original_loading_older_pages_until_it_is_there()
    {
        var ann = await Host.RegisterAsync("Ann Jump");
        var bea = await Host.RegisterAsync("Bea Jump");
        await using (var socket = await SocketClient.ConnectAsync(Host, ann))
        {
            await socket.SendAndAckAsync(bea.Id, "original", "The very first message");
            for (var i = 0; i < 70; i++) await socket.SendMessageAsync(bea.Id, $"filler-{i}", $"Filler {i}");
            await socket.WaitForCountAsync(f => f.Type() == "ack", 71);
        }
        var original = (await ActionApi.HistoryAsync(Host, bea, $"/conversations/{ann.Id}/messages?afterSeq=0")).First().Str("id");
        var (context, page, _) = await OpenAsync(bea, ann);
        await using var _c = context;
        // Without JavaScript's sheet: the composer's reply by link (?replyTo=), then a plain send.
        await page.GotoAsync($"/chat/{ann.Id}?replyTo={original}");
        await Assertions.Expect(page.Locator("[data-reply-bar]")).ToContainTextAsync("The very first message");
        await SendAsync(page, "Replying to the start");
        var quote = Bubble(page, "Replying to the start").Locator("[data-quote]");
        await Assertions.Expect(quote).ToContainTextAsync("The very first message", SoonContains);

        await Assertions.Expect(page.Locator($"#messages [data-id='{original}']")).ToHaveCountAsync(0); // three pages up
        await quote.ClickAsync();
        var target = page.Locator($"#messages [data-id='{original}']");
        await Assertions.Expect(target).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("jump-highlight"), new() { Timeout = 10000 });
        await Assertions.Expect(target).ToBeInViewportAsync();
    }
}
