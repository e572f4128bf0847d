using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Browser;

/// <summary>Search with a highlighted hit that opens in context, a block that refuses a send, and an admin acting on a report.</summary>
public sealed class SearchAndSafetyTests(BrowserApp app, BrowserFixture browser) : IClassFixture<BrowserApp>
{
    ChatHost Host => app.Host;
    static readonly string Shots = Path.Combine(BrowserFixture.RepoRoot, "test-artifacts", "screenshots");

    [Fact]
    public async Task A_search_hit_is_highlighted_as_text_and_opens_its_message_in_context_with_older_and_newer_messages_around_it()
    {
        var (ann, bea) = (await Host.RegisterAsync("Ann Search"), await Host.RegisterAsync("Bea Search"));
        var word = "quokka" + Guid.NewGuid().ToString("N")[..6];
        string target;
        await using (var annSocket = await SocketClient.ConnectAsync(Host, ann))
        {
            for (var i = 0; i < 60; i++) await annSocket.SendAndAckAsync(bea.Id, $"before-{i}", $"Filler message number {i}");
            target = (await annSocket.SendAndAckAsync(bea.Id, "target", $"Saw a <b>{word}</b> on the trail, look!")).Message().Str("id")!;
            for (var i = 0; i < 40; i++) await annSocket.SendAndAckAsync(bea.Id, $"after-{i}", $"Later message number {i}");
        }
        Directory.CreateDirectory(Shots);
        foreach (var (device, width, height, scheme) in new[] { ("desktop", 1280, 800, ColorScheme.Light), ("mobile", 390, 844, ColorScheme.Dark) })
        {
            await using var context = await browser.ContextAsync(Host, width: width, height: height, colorScheme: scheme);
            var page = await context.NewPageAsync();
            await LogInAsync(page, bea.Phone, bea.Password);
            await page.GetByRole(AriaRole.Link, new() { Name = "Search messages" }).ClickAsync();
            await page.GetByLabel("Words to find in your messages").FillAsync($"\"{word}\" trail*");
            await page.GetByLabel("Words to find in your messages").PressAsync("Enter");

            var hit = page.Locator($"#search-results [data-hit='{target}']");
            await Assertions.Expect(hit).ToHaveCountAsync(1);
            await Assertions.Expect(hit.Locator("mark")).ToHaveTextAsync([word, "trail"]);
            // The message's markup is text: shown literally, never as an element.
            await Assertions.Expect(hit.Locator("[data-snippet]")).ToContainTextAsync($"<b>{word}</b>");
            Assert.Equal(0, await hit.Locator("b").CountAsync());
            await Assertions.Expect(hit).ToContainTextAsync("Ann Search");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, $"search-{device}-{scheme.ToString().ToLowerInvariant()}.png") });

            await hit.ClickAsync();
            await page.WaitForURLAsync($"**/chat/{ann.Id}?at={target}");
            var focused = page.Locator("#messages [data-focus]");
            await Assertions.Expect(focused.Locator("[data-text]")).ToHaveTextAsync($"Saw a <b>{word}</b> on the trail, look!");
            await Assertions.Expect(focused).ToBeInViewportAsync();
            await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, $"search-in-context-{device}-{scheme.ToString().ToLowerInvariant()}.png") });

            // Older pages load above on scrolling up, as always; the newer messages come below through the page's catch-up.
            await Assertions.Expect(page.Locator("#messages [id^='message_']").Filter(new() { HasText = "Later message number 39" })).ToHaveCountAsync(1);
            await Assertions.Expect(focused).ToBeInViewportAsync();
            await page.Locator("#messages [data-older]").ScrollIntoViewIfNeededAsync();
            await Assertions.Expect(page.Locator("#messages [id^='message_']").Filter(new() { HasText = "Filler message number 20" })).ToHaveCountAsync(1);
        }
    }

    [Fact]
    public async Task A_blocked_person_cannot_send_and_sees_why_and_unblocking_lets_them()
    {
        var (ann, bea) = (await Host.RegisterAsync("Ann Blocked"), await Host.RegisterAsync("Bea Blocker"));
        await using (var annSocket = await SocketClient.ConnectAsync(Host, ann)) await annSocket.SendAndAckAsync(bea.Id, "hi", "Hi Bea");
        await using var beaContext = await browser.ContextAsync(Host);
        var beaPage = await beaContext.NewPageAsync();
        await LogInAsync(beaPage, bea.Phone, bea.Password);
        await beaPage.GotoAsync($"/chat/{ann.Id}");
        await beaPage.GetByRole(AriaRole.Button, new() { Name = "Block", Exact = true }).ClickAsync();
        await Assertions.Expect(beaPage.GetByRole(AriaRole.Button, new() { Name = "Unblock" })).ToBeVisibleAsync();
        await beaPage.ScreenshotAsync(new() { Path = Path.Combine(Shots, "block-desktop-light.png") });

        await using var annContext = await browser.ContextAsync(Host);
        var annPage = await annContext.NewPageAsync();
        await LogInAsync(annPage, ann.Phone, ann.Password);
        await annPage.GotoAsync($"/chat/{bea.Id}");
        await SendAsync(annPage, "Are you there?");
        await Assertions.Expect(annPage.Locator("#send-error")).ToContainTextAsync("You cannot send messages to this person.");
        await Assertions.Expect(StoredBubbles(annPage).Filter(new() { HasText = "Are you there?" })).ToHaveCountAsync(0);

        await beaPage.GetByRole(AriaRole.Button, new() { Name = "Unblock" }).ClickAsync();
        await Assertions.Expect(beaPage.GetByRole(AriaRole.Button, new() { Name = "Block", Exact = true })).ToBeVisibleAsync();
        await annPage.ReloadAsync();
        await SendAsync(annPage, "Back again");
        await Assertions.Expect(beaPage.Locator("#messages [data-text]").Filter(new() { HasText = "Back again" })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_reported_message_shows_on_the_admin_page_and_the_admin_deletes_it_for_everyone()
    {
        var (ann, bea) = (await Host.RegisterAsync("Ann Spammer"), await Host.RegisterAsync("Bea Reporter"));
        var text = "Cheap watches " + Guid.NewGuid().ToString("N")[..6];
        string id;
        await using (var annSocket = await SocketClient.ConnectAsync(Host, ann)) id = (await annSocket.SendAndAckAsync(bea.Id, "spam", text)).Message().Str("id")!;

        await using (var context = await browser.ContextAsync(Host))
        {
            var page = await context.NewPageAsync();
            await LogInAsync(page, bea.Phone, bea.Password);
            await page.GotoAsync($"/chat/{ann.Id}");
            await page.Locator("#messages [id^='message_']").Filter(new() { HasText = text }).GetByRole(AriaRole.Link, new() { Name = "Report message" }).ClickAsync();
            await page.GetByLabel("Reason (optional)").FillAsync("Spam <script>alert(1)</script>");
            await page.GetByRole(AriaRole.Button, new() { Name = "Report" }).ClickAsync();
            await Assertions.Expect(page.Locator("#report-done")).ToContainTextAsync("Thank you");
        }

        await using (var context = await browser.ContextAsync(Host, colorScheme: ColorScheme.Dark))
        {
            var page = await context.NewPageAsync();
            var dialogs = 0;
            page.Dialog += (_, d) => { dialogs++; _ = d.DismissAsync(); };
            await LogInAsync(page, BrowserApp.AdminPhone, BrowserApp.AdminPassword);
            await page.GotoAsync("/admin");
            await page.GetByRole(AriaRole.Link, new() { Name = "Reports" }).ClickAsync();
            var report = page.Locator("#reports li").Filter(new() { HasText = text });
            await Assertions.Expect(report.Locator("[data-reported]")).ToHaveTextAsync(text);
            await Assertions.Expect(report).ToContainTextAsync("Spam <script>alert(1)</script>");
            await Assertions.Expect(report).ToContainTextAsync("Bea Reporter");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "admin-reports-desktop-dark.png") });
            await report.GetByRole(AriaRole.Button, new() { Name = "Delete message" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Message deleted for everyone.");
            await Assertions.Expect(page.Locator("#reports li").Filter(new() { HasText = text })).ToHaveCountAsync(0);
            Assert.Equal(0, dialogs);
        }
        await using var scope = Host.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ChatDbContext>().Messages.AsNoTracking().SingleAsync(m => m.Id == long.Parse(id), TestContext.Current.CancellationToken);
        Assert.NotNull(stored.DeletedAt);
    }
}
