using Chat.Tests.Groups;
using Chat.Tests.Infrastructure;
using Microsoft.Playwright;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Browser;

/// <summary>Issue 26 in the browser: a group's conversation live for every member, its members panel, and all of it without JavaScript.</summary>
public sealed class GroupChatTests(BrowserApp app, BrowserFixture browser) : IClassFixture<BrowserApp>
{
    ChatHost Host => app.Host;
    static readonly LocatorAssertionsToHaveCountOptions Soon = new() { Timeout = 5000 };

    /// <summary>Logs in and opens <paramref name="path"/>, returning once that page's own socket (<paramref name="socketQuery"/>) is open.</summary>
    async Task<(IBrowserContext Context, IPage Page)> OpenAsync(TestUser me, string path, string socketQuery)
    {
        var context = await browser.ContextAsync(Host);
        var page = await context.NewPageAsync();
        await PageLog.AttachAsync(page, me.DisplayName);
        await LogInAsync(page, me.Phone, me.Password);
        var connected = page.WaitForWebSocketAsync(new() { Predicate = ws => ws.Url.EndsWith("/chat/socket" + socketQuery) });
        await page.GotoAsync(path);
        await connected;
        return (context, page);
    }

    Task<(IBrowserContext Context, IPage Page)> OpenGroupAsync(TestUser me, string group) => OpenAsync(me, $"/chat/groups/{group}", $"?c={group}");

    [Fact]
    public async Task Three_members_exchange_messages_live_with_typing_names_and_ticks_coloured_only_once_all_have_read()
    {
        var ann = await Host.RegisterAsync("Ann Trio");
        var bea = await Host.RegisterAsync("Bea Trio");
        var cat = await Host.RegisterAsync("Cat Trio");
        var group = await GroupApi.CreateAsync(Host, ann, "Trio", bea, cat);
        var (annContext, annPage) = await OpenGroupAsync(ann, group);
        await using var _ = annContext;
        var (beaContext, beaPage) = await OpenGroupAsync(bea, group);
        await using var __ = beaContext;
        // Cat is online on the list, not in the group: Ann's message reaches her (delivered), unread.
        var (catContext, catPage) = await OpenAsync(cat, "/chat", "");
        await using var ___ = catContext;

        await Assertions.Expect(annPage.Locator("#messages [data-note]")).ToHaveTextAsync([new System.Text.RegularExpressions.Regex("You created the group “Trio”")]);
        await Assertions.Expect(annPage.Locator("[data-members-link]")).ToHaveTextAsync("3 members");

        await SendAsync(annPage, "Hello both");
        await Assertions.Expect(Bubbles(beaPage)).ToHaveTextAsync(["Hello both"], new() { Timeout = 5000 });
        await Assertions.Expect(beaPage.Locator("#messages [data-sender]")).ToHaveTextAsync(["Ann Trio"]);
        var catRow = catPage.Locator($"#conversation-list > #conversation_group_{group}");
        await Assertions.Expect(catRow).ToContainTextAsync("Ann Trio: Hello both", new() { Timeout = 5000 });
        await Assertions.Expect(catRow.GetByLabel("1 unread")).ToBeVisibleAsync();
        // Delivered to both, read by Bea only: not coloured yet.
        await Assertions.Expect(StoredBubbles(annPage).Locator("[data-delivery='delivered']")).ToHaveCountAsync(1, Soon);
        await annPage.WaitForTimeoutAsync(500);
        await Assertions.Expect(annPage.Locator("#messages [data-delivery='read']")).ToHaveCountAsync(0);

        // Cat opens the group: now all have read it, and Ann's ticks turn coloured without a reload.
        var catOpen = catPage.WaitForWebSocketAsync(new() { Predicate = ws => ws.Url.EndsWith($"?c={group}") });
        await catPage.Locator($"#conversation_group_{group} a").ClickAsync();
        await catOpen;
        await Assertions.Expect(annPage.Locator("#messages [data-delivery='read']")).ToHaveCountAsync(1, Soon);
        await Assertions.Expect(Bubbles(catPage)).ToHaveTextAsync(["Hello both"]);

        // Typing, by name: one, then two, then nobody.
        var typing = annPage.Locator($"#typing_group_{group}");
        await Assertions.Expect(typing).ToBeHiddenAsync();
        await beaPage.GetByLabel("Message", new() { Exact = true }).PressSequentiallyAsync("typing");
        await Assertions.Expect(typing).ToHaveTextAsync("Bea Trio is typing…", new() { Timeout = 5000 });
        await catPage.GetByLabel("Message", new() { Exact = true }).PressSequentiallyAsync("me too");
        await Assertions.Expect(typing).ToHaveTextAsync("Bea Trio and Cat Trio are typing…", new() { Timeout = 5000 });
        await beaPage.GetByLabel("Message", new() { Exact = true }).FillAsync("");
        await catPage.GetByLabel("Message", new() { Exact = true }).FillAsync("");
        await Assertions.Expect(typing).ToBeHiddenAsync(new() { Timeout = 5000 });

        // Replies reach every open tab, each once, named.
        await SendAsync(beaPage, "Hi Ann");
        await SendAsync(catPage, "Hi all");
        string[] all = ["Hello both", "Hi Ann", "Hi all"];
        await Assertions.Expect(Bubbles(annPage)).ToHaveTextAsync(all, new() { Timeout = 5000 });
        await Assertions.Expect(Bubbles(beaPage)).ToHaveTextAsync(all, new() { Timeout = 5000 });
        await Assertions.Expect(Bubbles(catPage)).ToHaveTextAsync(all, new() { Timeout = 5000 });
        await Assertions.Expect(annPage.Locator("#messages [data-sender]")).ToHaveTextAsync(["Bea Trio", "Cat Trio"]);

        // Message info: who read Ann's message, and when.
        await annPage.Locator("#messages a[aria-label='Message info']").First.ClickAsync();
        await annPage.WaitForURLAsync("**/chat/info/*");
        await Assertions.Expect(annPage.Locator("section[aria-labelledby='read-by'] [data-recipient]")).ToHaveCountAsync(2);
        await Assertions.Expect(annPage.Locator("section[aria-labelledby='read-by'] [data-recipient] time")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task An_admin_removes_a_member_who_then_sees_no_new_message_and_whose_composer_is_gone()
    {
        var ann = await Host.RegisterAsync("Ann Admin");
        var bea = await Host.RegisterAsync("Bea Stays");
        var cat = await Host.RegisterAsync("Cat Removed");
        var group = await GroupApi.CreateAsync(Host, ann, "Book club", bea, cat);
        var (catContext, catPage) = await OpenGroupAsync(cat, group);
        await using var _ = catContext;
        var (annContext, annPage) = await OpenGroupAsync(ann, group);
        await using var __ = annContext;
        await SendAsync(annPage, "Before");
        await Assertions.Expect(Bubbles(catPage)).ToHaveTextAsync(["Before"], new() { Timeout = 5000 });

        // Ann removes Cat in the members panel (htmx swaps the panel).
        await annPage.GetByRole(AriaRole.Link, new() { Name = "3 members" }).ClickAsync();
        await annPage.WaitForURLAsync($"**/chat/groups/{group}/members");
        await annPage.GetByRole(AriaRole.Button, new() { Name = "Remove Cat Removed" }).ClickAsync();
        await Assertions.Expect(annPage.Locator("#members [data-member]")).ToHaveCountAsync(2, Soon);
        await Assertions.Expect(annPage.Locator("#members-panel")).ToContainTextAsync("2 members");

        // Live on Cat's page: the note, and the notice in place of the composer.
        await Assertions.Expect(catPage.Locator("#messages [data-note]").Last).ToContainTextAsync("Ann Admin removed you", new() { Timeout = 5000 });
        await Assertions.Expect(catPage.Locator("[data-not-member]")).ToHaveTextAsync("You are no longer a member of this group.", new() { Timeout = 5000 });
        await Assertions.Expect(catPage.Locator("form[data-composer]")).ToHaveCountAsync(0);

        // What the group says from now on does not reach Cat, live or after a reload.
        await annPage.GotoAsync($"/chat/groups/{group}");
        await SendAsync(annPage, "After");
        await Assertions.Expect(StoredBubbles(annPage).Filter(new() { HasText = "After" })).ToHaveCountAsync(1);
        await catPage.WaitForTimeoutAsync(500);
        await Assertions.Expect(Bubbles(catPage)).ToHaveTextAsync(["Before"]);
        await catPage.ReloadAsync();
        await Assertions.Expect(Bubbles(catPage)).ToHaveTextAsync(["Before"]);
        await Assertions.Expect(catPage.Locator("[data-not-member]")).ToBeVisibleAsync();
        await Assertions.Expect(catPage.Locator("form[data-composer]")).ToHaveCountAsync(0);
        await Assertions.Expect(catPage.Locator($"#conversation_group_{group}")).ToContainTextAsync("Ann Admin removed you");
    }

    [Fact]
    public async Task Without_javascript_a_group_is_made_named_renamed_and_used_with_plain_forms()
    {
        var nora = await Host.RegisterAsync("Nora Nojs");
        var olaf = await Host.RegisterAsync("Olaf Nojs");
        var pia = await Host.RegisterAsync("Pia Nojs");
        await using var context = await browser.ContextAsync(Host, javaScript: false);
        var page = await context.NewPageAsync();
        await PageLog.AttachAsync(page, nora.DisplayName);
        await LogInAsync(page, nora.Phone, nora.Password);

        await page.GetByRole(AriaRole.Link, new() { Name = "New group" }).ClickAsync();
        await page.WaitForURLAsync("**/chat/groups/new");
        await page.GetByLabel("Group name").FillAsync("No script club");
        // A plain GET search keeps the name and the people ticked so far.
        foreach (var person in new[] { olaf, pia })
        {
            await page.GetByLabel("People", new() { Exact = true }).FillAsync(person.DisplayName);
            await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
            await page.GetByRole(AriaRole.Checkbox, new() { Name = person.DisplayName }).CheckAsync();
        }
        await page.GetByLabel("People", new() { Exact = true }).FillAsync("nobody by this name");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Group name")).ToHaveValueAsync("No script club");
        await Assertions.Expect(page.Locator("#people input:checked")).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();

        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex(@"/chat/groups/\d+$"));
        await Assertions.Expect(page.Locator("#messages [data-note]")).ToContainTextAsync(["You created the group “No script club”"]);
        await Assertions.Expect(page.Locator("[data-members-link]")).ToHaveTextAsync("3 members");
        await SendAsync(page, "Hello without script", pressEnter: false);
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex(@"/chat/groups/\d+#composer$"));
        await Assertions.Expect(Bubbles(page)).ToHaveTextAsync(["Hello without script"]);

        // The members panel's forms: rename, then back to the group, which tells of it.
        await page.GetByRole(AriaRole.Link, new() { Name = "3 members" }).ClickAsync();
        await page.GetByLabel("Group name").FillAsync("Renamed club");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await Assertions.Expect(page.Locator("#members-panel h1")).ToHaveTextAsync("Renamed club");
        // The API's validation, as the page's message (the field's maxlength keeps a name short already).
        await page.GetByLabel("Group name").FillAsync("   ");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Name is required.");
        await page.GetByRole(AriaRole.Link, new() { Name = "Back to the group" }).ClickAsync();
        await Assertions.Expect(page.Locator("#messages [data-note]").Last).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("You renamed the group to “Renamed club”"));
        await Assertions.Expect(page.Locator("#conversation-list li").First).ToContainTextAsync("Renamed club");

        // Olaf sees it too, with Nora's name on her message.
        await using var olafContext = await browser.ContextAsync(Host, javaScript: false);
        var olafPage = await olafContext.NewPageAsync();
        await LogInAsync(olafPage, olaf.Phone, olaf.Password);
        await olafPage.Locator("#conversation-list li").First.GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(Bubbles(olafPage)).ToHaveTextAsync(["Hello without script"]);
        await Assertions.Expect(olafPage.Locator("#messages [data-sender]")).ToHaveTextAsync(["Nora Nojs"]);
    }
}
