using Chat.Tests.Infrastructure;
using Microsoft.Playwright;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Browser;

/// <summary>The chat screen's list lives: newcomers over SSE (/chat/events), presence dots, rows after a message.</summary>
public sealed class LiveListTests(BrowserApp app, BrowserFixture browser) : IClassFixture<BrowserApp>
{
    ChatHost Host => app.Host;
    static readonly LocatorAssertionsToHaveAttributeOptions Soon = new() { Timeout = 5000 };

    // Marks the document once its EventSource is open. The stream answers (headers and a "ready" event) only once it
    // is subscribed to the bus, so an open stream hears every later event. A flag of the document itself, because
    // waiting for the /chat/events response could be satisfied by the previous page's stream answering late, and
    // that stream closes with its page (the newcomer test then missed its event under a loaded full run).
    const string MarkOpenStreams = """
        (() => {
          const Native = window.EventSource;
          window.EventSource = class extends Native {
            constructor(...args) { super(...args); this.addEventListener('open', () => { window.streamOpen = true; }); }
          };
        })();
        """;

    /// <summary>Logs in and opens <paramref name="path"/>, returning once its user-event stream is subscribed.</summary>
    async Task<(IBrowserContext Context, IPage Page)> OpenAsync(TestUser me, string path = "/chat")
    {
        var context = await browser.ContextAsync(Host);
        await context.AddInitScriptAsync(MarkOpenStreams);
        var page = await context.NewPageAsync();
        await LogInAsync(page, me.Phone, me.Password);
        await page.GotoAsync(path);
        await page.WaitForFunctionAsync("() => window.streamOpen === true");
        // A reload would also show what the live updates show; this marker proves there was none.
        await page.EvaluateAsync("() => { window.notReloaded = true; }");
        return (context, page);
    }

    /// <summary>
    /// Ann and Bob (with <paramref name="surname"/>), and their conversation: Ann has written to Bob over a socket, so each
    /// is on the other's list and hears the other's presence, and Bob has never been online.
    /// </summary>
    async Task<(TestUser Ann, TestUser Bob)> PeersAsync(string surname)
    {
        var ann = await Host.RegisterAsync("Ann " + surname);
        var bob = await Host.RegisterAsync("Bob " + surname);
        await using (var annSocket = await SocketClient.ConnectAsync(Host, ann))
            await annSocket.SendAndAckAsync(bob.Id, $"{surname.ToLowerInvariant()}-hello", "Hello Bob");
        return (ann, bob);
    }

    static async Task AssertNotReloadedAsync(IPage page) => Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"));

    [Fact]
    public async Task A_person_who_registers_appears_in_a_signed_in_users_list_without_a_reload()
    {
        var (ann, bob) = await PeersAsync("Directory");
        var (context, page) = await OpenAsync(ann);
        await using var _ = context;

        var carl = await Host.RegisterAsync("Carl <b>Newcomer</b>");

        var row = page.Locator($"#conversation-list > #conversation_{carl.Id}");
        await Assertions.Expect(row).ToContainTextAsync("Carl <b>Newcomer</b>", new() { Timeout = 5000 });
        await Assertions.Expect(row).ToContainTextAsync(carl.Phone);
        await Assertions.Expect(page.Locator("#conversation-list b")).ToHaveCountAsync(0);
        // Where a reload puts them: below the conversations, first among the people without one.
        var rows = page.Locator("#conversation-list > li");
        await Assertions.Expect(rows.Nth(0)).ToHaveIdAsync($"conversation_{bob.Id}");
        await Assertions.Expect(rows.Nth(1)).ToHaveIdAsync($"conversation_{carl.Id}");
        await AssertNotReloadedAsync(page);
        await page.ReloadAsync();
        await Assertions.Expect(rows.Nth(0)).ToHaveIdAsync($"conversation_{bob.Id}");
        await Assertions.Expect(rows.Nth(1)).ToHaveIdAsync($"conversation_{carl.Id}");

        // The row is a link to the conversation like any other.
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await page.WaitForURLAsync($"**/chat/{carl.Id}");
    }

    [Fact]
    public async Task A_peers_presence_dot_turns_online_when_they_open_the_app_and_offline_when_they_close_it()
    {
        var (ann, bob) = await PeersAsync("Presence");
        // Ann has their conversation open: the list's dot and the header's status line both follow Bob.
        var (annContext, annPage) = await OpenAsync(ann, $"/chat/{bob.Id}");
        await using var _ = annContext;
        var dot = annPage.Locator($"#conversation_{bob.Id} #presence_{bob.Id}");
        var status = annPage.Locator($"header #status_{bob.Id}");
        await Assertions.Expect(dot).ToHaveAttributeAsync("data-online", "false", Soon);
        await Assertions.Expect(status).ToHaveTextAsync(""); // never seen yet

        var bobContext = await browser.ContextAsync(Host);
        var bobPage = await bobContext.NewPageAsync();
        await PageLog.AttachAsync(bobPage, bob.DisplayName); // one run of 15 timed out here waiting for /chat to load
        await LogInAsync(bobPage, bob.Phone, bob.Password);
        await Assertions.Expect(dot).ToHaveAttributeAsync("data-online", "true", Soon);
        await Assertions.Expect(status).ToHaveTextAsync("· online");

        await bobContext.CloseAsync();
        await Assertions.Expect(dot).ToHaveAttributeAsync("data-online", "false", Soon);
        await Assertions.Expect(status).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^· last seen today at \d\d:\d\d$"));
        await AssertNotReloadedAsync(annPage);
        // The page renders the same from the database: last seen is stored at the last disconnect.
        await annPage.ReloadAsync();
        await Assertions.Expect(status).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^· last seen today at \d\d:\d\d$"));
    }

    [Fact]
    public async Task On_the_list_a_presence_change_swaps_the_dot_and_sends_no_fragment_the_page_has_no_place_for()
    {
        var (ann, bob) = await PeersAsync("Dots");
        var (annContext, annPage) = await OpenAsync(ann);
        await using var _ = annContext;
        await annPage.EvaluateAsync("() => { window.noTarget = []; document.addEventListener('htmx:oobErrorNoTarget', e => window.noTarget.push(e.detail.content.id)); }");

        var dot = annPage.Locator($"#conversation_{bob.Id} #presence_{bob.Id}");
        await using (await SocketClient.ConnectAsync(Host, bob))
            await Assertions.Expect(dot).ToHaveAttributeAsync("data-online", "true", Soon);
        await Assertions.Expect(dot).ToHaveAttributeAsync("data-online", "false", Soon);
        // No open conversation, so no status line: the stream sent none (htmx would log each as an error).
        Assert.Empty(await annPage.EvaluateAsync<string[]>("() => window.noTarget"));
    }

    [Fact]
    public async Task A_conversation_started_on_the_open_page_shows_the_peers_presence_from_then_on_without_a_reload()
    {
        var ann = await Host.RegisterAsync("Ann First");
        var bob = await Host.RegisterAsync("Bob First");
        var (annContext, annPage) = await OpenAsync(ann, $"/chat/{bob.Id}");
        await using var _ = annContext;
        var status = annPage.Locator($"header #status_{bob.Id}");
        await Assertions.Expect(status).ToHaveTextAsync(""); // no conversation yet: no presence shared

        await SendAsync(annPage, "Hello, for the first time");
        await Assertions.Expect(StoredBubbles(annPage)).ToHaveCountAsync(1, new() { Timeout = 5000 });
        await using (await SocketClient.ConnectAsync(Host, bob))
            await Assertions.Expect(status).ToHaveTextAsync("· online", new() { Timeout = 5000 });
        await AssertNotReloadedAsync(annPage);
    }

    [Fact]
    public async Task A_message_for_a_conversation_that_is_not_open_updates_its_row_and_unread_badge_which_clears_when_opened()
    {
        var ann = await Host.RegisterAsync("Ann Rows");
        var bob = await Host.RegisterAsync("Bob Rows");
        var cat = await Host.RegisterAsync("Cat Rows");
        await using var bobSocket = await SocketClient.ConnectAsync(Host, bob);
        await bobSocket.SendAndAckAsync(ann.Id, "rows-1", "An old message");
        await using (var catSocket = await SocketClient.ConnectAsync(Host, cat))
            await catSocket.SendAndAckAsync(ann.Id, "rows-2", "Newer, from Cat");
        var (context, page) = await OpenAsync(ann, $"/chat/{cat.Id}");
        await using var _ = context;
        var bobRow = page.Locator($"#conversation-list > #conversation_{bob.Id}");
        var badge = bobRow.Locator("[aria-label$=' unread']");
        await Assertions.Expect(badge).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#conversation-list > li").First).ToHaveIdAsync($"conversation_{cat.Id}");

        await bobSocket.SendAndAckAsync(ann.Id, "rows-3", "Are you there?");

        await Assertions.Expect(bobRow).ToContainTextAsync("Are you there?", new() { Timeout = 5000 });
        await Assertions.Expect(badge).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator("#conversation-list > li").First).ToHaveIdAsync($"conversation_{bob.Id}");
        await Assertions.Expect(page.Locator($"#conversation_{bob.Id}")).ToHaveCountAsync(1);
        // The open conversation (Cat's) did not get the message.
        await Assertions.Expect(Bubbles(page)).ToHaveTextAsync(["Newer, from Cat"]);
        await AssertNotReloadedAsync(page);

        // Ann's own reply moves Cat's row up with a "You:" preview, and opening Bob's conversation clears its badge.
        await SendAsync(page, "Back in a minute");
        await Assertions.Expect(page.Locator("#conversation-list > li").First).ToHaveIdAsync($"conversation_{cat.Id}", new() { Timeout = 5000 });
        await Assertions.Expect(page.Locator($"#conversation_{cat.Id}")).ToContainTextAsync("You: Back in a minute");
        await bobRow.GetByRole(AriaRole.Link).ClickAsync();
        await page.WaitForURLAsync($"**/chat/{bob.Id}");
        await Assertions.Expect(Bubbles(page)).ToHaveTextAsync(["An old message", "Are you there?"]);
        await Assertions.Expect(page.Locator($"#conversation_{bob.Id} [aria-label$=' unread']")).ToHaveCountAsync(0);
    }
}
