using Chat.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Chat.Tests.Browser;

/// <summary>The app on PostgreSQL with a bootstrap admin, shared by the browser tests of one class.</summary>
public sealed class BrowserApp(TestServers servers) : IAsyncLifetime
{
    public const string AdminPhone = "+15550000001";
    public const string AdminPassword = "admin password 1";
    public ChatHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Host = await ChatHost.StartAsync(servers, Storage.Postgres, s =>
    {
        s["ADMIN_PHONE"] = AdminPhone;
        s["ADMIN_PASSWORD"] = AdminPassword;
    });

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}

/// <summary>What the browser tests do again and again, written once.</summary>
public static class ChatPages
{
    public static async Task LogInAsync(IPage page, string phone, string password)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("Phone number").FillAsync(phone);
        await page.GetByLabel("Password").FillAsync(password);
        // The POST's own answer first, so that a slow or refused login fails as that, not as a page that never came.
        var answer = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).Last.ClickAsync(),
            r => r.Request.Method == "POST" && new Uri(r.Url).AbsolutePath == "/login");
        if (answer.Status is not (204 or 302 or 303)) Assert.Fail($"POST /login answered {answer.Status}: {await answer.TextAsync()}");
        await page.WaitForURLAsync("**/chat");
    }

    /// <summary>Types into the composer and presses Enter (with JavaScript) or clicks Send (without).</summary>
    public static async Task SendAsync(IPage page, string text, bool pressEnter = true)
    {
        var box = page.GetByLabel("Message", new() { Exact = true });
        await box.FillAsync(text);
        if (pressEnter) await box.PressAsync("Enter");
        else await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
    }

    public static ILocator Bubbles(IPage page) => page.Locator("#messages [id^='message_'] [data-text]");

    /// <summary>Bubbles the server has rendered (the optimistic one has seq 0 until it is replaced).</summary>
    public static ILocator StoredBubbles(IPage page) => page.Locator("#messages [id^='message_']:not([data-seq='0'])");
}
