using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Browser;

public sealed class ChatScreenTests(BrowserApp app, BrowserFixture browser) : IClassFixture<BrowserApp>
{
    ChatHost Host => app.Host;

    [Fact]
    public async Task Without_javascript_a_person_registers_logs_in_sends_a_message_and_sees_it_in_the_history()
    {
        var peer = await Host.RegisterAsync("Nojs Peer");
        await using var context = await browser.ContextAsync(Host, javaScript: false);
        var page = await context.NewPageAsync();
        var phone = ChatHost.NewPhone();

        await page.GotoAsync("/register");
        await page.GetByLabel("Display name").FillAsync("Nora No-Script");
        await page.GetByLabel("Phone number").FillAsync(phone);
        await page.GetByLabel("Password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        // A plain POST re-renders the form with the error beside the field.
        await Assertions.Expect(page.GetByText("Password must be 8 to 128 characters.")).ToBeVisibleAsync();

        await page.GetByLabel("Password").FillAsync("long enough 1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await page.WaitForURLAsync("**/chat");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await page.WaitForURLAsync(Host.Address.ToString());

        await LogInAsync(page, phone, "long enough 1");
        await page.GetByLabel("Search people by name or phone").FillAsync("Nojs Peer");
        await page.GetByLabel("Search people by name or phone").PressAsync("Enter");
        await page.GetByRole(AriaRole.Link, new() { Name = "Nojs Peer" }).ClickAsync();
        await page.WaitForURLAsync($"**/chat/{peer.Id}");
        await SendAsync(page, "Hello without script", pressEnter: false);

        await page.WaitForURLAsync($"**/chat/{peer.Id}*");
        await Assertions.Expect(Bubbles(page)).ToHaveTextAsync(["Hello without script"]);
        await page.ReloadAsync();
        await Assertions.Expect(Bubbles(page)).ToHaveTextAsync(["Hello without script"]);
    }

    [Fact]
    public async Task A_message_full_of_markup_is_shown_as_literal_text_and_runs_nothing()
    {
        const string attack = "<img src=x onerror=alert(1)><b hx-get=\"/admin\" hx-trigger=\"load\">x</b>";
        var sender = await Host.RegisterAsync("Mallory");
        var reader = await Host.RegisterAsync("Victim Val");
        foreach (var (me, other, send) in new[] { (sender, reader, true), (reader, sender, false) })
        {
            await using var context = await browser.ContextAsync(Host);
            var page = await context.NewPageAsync();
            var dialogs = 0;
            var adminRequests = new List<string>();
            page.Dialog += async (_, d) => { dialogs++; await d.DismissAsync(); };
            page.Request += (_, r) => { if (new Uri(r.Url).AbsolutePath.StartsWith("/admin", StringComparison.Ordinal)) adminRequests.Add(r.Url); };

            await LogInAsync(page, me.Phone, me.Password);
            await page.GotoAsync($"/chat/{other.Id}");
            if (send) await SendAsync(page, attack);
            await Assertions.Expect(Bubbles(page)).ToHaveTextAsync([attack]);
            // The sender's first bubble is the optimistic one: reload only once the server has stored the message,
            // or the reload can leave the page before its frame does (this raced on a busy machine).
            await Assertions.Expect(StoredBubbles(page)).ToHaveCountAsync(1);
            await page.ReloadAsync();
            await Assertions.Expect(Bubbles(page)).ToHaveTextAsync([attack]);
            await page.WaitForTimeoutAsync(500);

            Assert.Equal(0, await page.Locator("#messages img, #messages b").CountAsync());
            Assert.Equal(0, dialogs);
            Assert.Empty(adminRequests);
        }
    }

    [Fact]
    public async Task Two_users_exchange_messages_with_ticks_going_from_sent_to_read_and_no_duplicate_bubbles()
    {
        var ann = await Host.RegisterAsync("Ann Exchange");
        var bob = await Host.RegisterAsync("Bob Exchange");
        await using var annContext = await browser.ContextAsync(Host);
        await using var bobContext = await browser.ContextAsync(Host);
        var annPage = await annContext.NewPageAsync();
        var bobPage = await bobContext.NewPageAsync();
        await LogInAsync(annPage, ann.Phone, ann.Password);
        await LogInAsync(bobPage, bob.Phone, bob.Password);

        // Ann finds Bob by typing part of his name: search as you type, no Enter.
        await annPage.GetByLabel("Search people by name or phone").PressSequentiallyAsync("bob exch");
        await annPage.Locator("#conversation-list").GetByRole(AriaRole.Link, new() { Name = "Bob Exchange" }).ClickAsync();
        await SendAsync(annPage, "Hi Bob,\nhow are you?");
        var annBubble = annPage.Locator("#messages [id^='message_']").Last;
        // The server's copy replaced the optimistic bubble in place: one bubble, carrying the sent tick.
        // Sent, or already delivered when Bob's page is live: never a second bubble.
        await Assertions.Expect(StoredBubbles(annPage).Locator("[data-delivery='sent'], [data-delivery='delivered']")).ToHaveCountAsync(1);
        await Assertions.Expect(Bubbles(annPage)).ToHaveTextAsync(["Hi Bob,\nhow are you?"]);

        // Bob's list shows the conversation with an unread badge; opening it reads the message.
        await bobPage.GotoAsync("/chat");
        var row = bobPage.Locator($"#conversation_{ann.Id}");
        await Assertions.Expect(row).ToContainTextAsync("Hi Bob, how are you?");
        await Assertions.Expect(row.GetByLabel("1 unread")).ToBeVisibleAsync();
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(Bubbles(bobPage)).ToHaveTextAsync(["Hi Bob,\nhow are you?"]);
        await SendAsync(bobPage, "Fine, thanks!");
        await Assertions.Expect(Bubbles(bobPage)).ToHaveTextAsync(["Hi Bob,\nhow are you?", "Fine, thanks!"]);

        // Live delivery arrives with the socket (phase 2); until then a reload shows the reply and the read tick.
        await annPage.ReloadAsync();
        await Assertions.Expect(Bubbles(annPage)).ToHaveTextAsync(["Hi Bob,\nhow are you?", "Fine, thanks!"]);
        await Assertions.Expect(annPage.Locator("#messages [data-delivery='read']")).ToHaveCountAsync(1);
        await Assertions.Expect(annBubble).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task On_a_phone_the_list_opens_a_full_screen_conversation_with_a_way_back()
    {
        var ann = await Host.RegisterAsync("Ann Mobile");
        var bob = await Host.RegisterAsync("Bob Mobile");
        await using var context = await browser.ContextAsync(Host, width: 390, height: 844);
        var page = await context.NewPageAsync();
        await LogInAsync(page, ann.Phone, ann.Password);
        await page.GotoAsync($"/chat/{bob.Id}");
        await SendAsync(page, "From my phone");
        await Assertions.Expect(StoredBubbles(page).Locator("[data-delivery='sent']")).ToHaveCountAsync(1);

        await page.GotoAsync("/chat");
        var list = page.GetByRole(AriaRole.Complementary, new() { Name = "Conversations" });
        var conversation = page.GetByRole(AriaRole.Region, new() { Name = "Conversation" });
        await Assertions.Expect(list).ToBeVisibleAsync();
        await Assertions.Expect(conversation).ToBeHiddenAsync();

        await page.Locator($"#conversation_{bob.Id} a").ClickAsync();
        await page.WaitForURLAsync($"**/chat/{bob.Id}");
        await Assertions.Expect(list).ToBeHiddenAsync();
        await Assertions.Expect(Bubbles(page)).ToHaveTextAsync(["From my phone"]);
        await Assertions.Expect(page.GetByLabel("Message", new() { Exact = true })).ToBeInViewportAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Back to conversations" }).ClickAsync();
        await page.WaitForURLAsync("**/chat");
        await Assertions.Expect(list).ToBeVisibleAsync();
        await Assertions.Expect(conversation).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_non_admin_gets_403_and_an_admin_deletes_a_user_with_their_messages()
    {
        var member = await Host.RegisterAsync("Plain Member");
        var doomed = await Host.RegisterAsync("Doomed Dan");
        await using (var memberContext = await browser.ContextAsync(Host))
        {
            var page = await memberContext.NewPageAsync();
            await LogInAsync(page, member.Phone, member.Password);
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Admin" })).ToHaveCountAsync(0);
            var response = await page.GotoAsync("/admin");
            Assert.Equal(403, response!.Status);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You do not have access to that page" })).ToBeVisibleAsync();
            // Dan has a conversation with a message, which must go with him.
            await page.GotoAsync($"/chat/{doomed.Id}");
            await SendAsync(page, "See you, Dan");
            await Assertions.Expect(StoredBubbles(page).Locator("[data-delivery='sent']")).ToHaveCountAsync(1);
        }
        long danId = long.Parse(doomed.Id);
        Assert.Equal(1, await CountAsync(db => db.Messages.CountAsync(m => m.SenderId == danId || m.ReceiverId == danId)));

        await using var adminContext = await browser.ContextAsync(Host);
        var admin = await adminContext.NewPageAsync();
        await LogInAsync(admin, BrowserApp.AdminPhone, BrowserApp.AdminPassword);
        await admin.GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await admin.GetByLabel("Search users by name or phone").FillAsync(doomed.Phone);
        await admin.GetByLabel("Search users by name or phone").PressAsync("Enter");
        var row = admin.Locator($"#user_{doomed.Id}");
        await row.GetByText("Delete", new() { Exact = true }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Yes, delete Doomed Dan" }).ClickAsync();

        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToHaveTextAsync("User deleted, with their conversations and messages.");
        await Assertions.Expect(admin.Locator($"#user_{doomed.Id}")).ToHaveCountAsync(0);
        Assert.Equal(0, await CountAsync(db => db.Users.CountAsync(u => u.Id == danId)));
        Assert.Equal(0, await CountAsync(db => db.Messages.CountAsync(m => m.SenderId == danId || m.ReceiverId == danId)));
        await admin.GotoAsync("/admin/audit-log");
        await Assertions.Expect(admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "user.deleted" }).First).ToContainTextAsync(doomed.Id);
    }

    [Fact]
    public async Task Scrolling_up_loads_older_messages_above_without_moving_what_is_on_screen()
    {
        var ann = await Host.RegisterAsync("Ann History");
        var bob = await Host.RegisterAsync("Bob History");
        await using (var scope = Host.Services.CreateAsyncScope())
        {
            var sender = scope.ServiceProvider.GetRequiredService<Chat.Web.Features.Messaging.MessageSender>();
            for (var i = 1; i <= 45; i++)
                await sender.SendAsync(new(long.Parse(i % 2 == 0 ? ann.Id : bob.Id), long.Parse(i % 2 == 0 ? bob.Id : ann.Id), null,
                    Chat.Web.Features.Conversations.BrowserText.Encode($"history {i:D2}"), $"seed-{i}"), TestContext.Current.CancellationToken);
        }
        await using var context = await browser.ContextAsync(Host, height: 700);
        var page = await context.NewPageAsync();
        await LogInAsync(page, ann.Phone, ann.Password);
        await page.GotoAsync($"/chat/{bob.Id}");
        // The newest page (30 messages), scrolled to the bottom.
        await Assertions.Expect(Bubbles(page).Last).ToHaveTextAsync("history 45");
        await Assertions.Expect(Bubbles(page).Last).ToBeInViewportAsync();

        var anchor = page.Locator("[data-seq='16']");
        await page.Locator("#messages").EvaluateAsync("l => l.scrollTop = 0");
        await Assertions.Expect(Bubbles(page)).ToHaveCountAsync(45);
        await Assertions.Expect(Bubbles(page).First).ToHaveTextAsync("history 01");
        // The message that was at the top before the older page arrived is still on screen: no jump.
        await Assertions.Expect(anchor).ToBeInViewportAsync();
        // All sent today: the older page's separator for today is not repeated above the newest page's.
        await Assertions.Expect(page.Locator("#messages [role='separator']")).ToHaveCountAsync(1);
        var seqs = await page.Locator("#messages [data-seq]").EvaluateAllAsync<long[]>("els => els.map(e => Number(e.dataset.seq))");
        Assert.Equal(Enumerable.Range(1, 45).Select(i => (long)i), seqs);
    }

    async Task<int> CountAsync(Func<ChatDbContext, Task<int>> query)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ChatDbContext>());
    }
}
