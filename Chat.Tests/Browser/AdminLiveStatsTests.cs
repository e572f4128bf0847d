using Chat.Tests.Infrastructure;
using Microsoft.Playwright;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Browser;

/// <summary>The admin dashboard's numbers refresh themselves (htmx polls the stats partial every 5 s).</summary>
public sealed class AdminLiveStatsTests(BrowserApp app, BrowserFixture browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task The_admin_stats_count_a_new_user_and_who_is_online_without_a_reload()
    {
        var host = app.Host;
        await using var context = await browser.ContextAsync(host);
        var page = await context.NewPageAsync();
        await LogInAsync(page, BrowserApp.AdminPhone, BrowserApp.AdminPassword);
        await page.GotoAsync("/admin");
        await page.EvaluateAsync("() => { window.notReloaded = true; }");
        var users = int.Parse(await page.Locator("#admin-stat-users").InnerTextAsync());
        // Only this test uses this app. The chat page the login landed on had a socket; once its close is processed
        // (a poll may still count it), nobody is online.
        var poll = new LocatorAssertionsToHaveTextOptions { Timeout = 12_000 };
        await Assertions.Expect(page.Locator("#admin-stat-online")).ToHaveTextAsync("0", poll);

        var newcomer = await host.RegisterAsync("Stats Newcomer");
        await using var online = await SocketClient.ConnectAsync(host, newcomer);

        await Assertions.Expect(page.Locator("#admin-stat-users")).ToHaveTextAsync((users + 1).ToString("N0"), poll);
        await Assertions.Expect(page.Locator("#admin-stat-online")).ToHaveTextAsync("1", poll);
        Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"));
    }
}
