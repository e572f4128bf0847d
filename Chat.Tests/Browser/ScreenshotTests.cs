using Chat.Tests.Infrastructure;
using Microsoft.Playwright;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Browser;

/// <summary>Landing, chat and admin screens — desktop and mobile, light and dark — under test-artifacts/screenshots/.</summary>
public sealed class ScreenshotTests(BrowserApp app, BrowserFixture browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Landing_chat_and_admin_screens_are_captured_on_desktop_and_mobile_in_light_and_dark()
    {
        var host = app.Host;
        var ann = await host.RegisterAsync("Ann Lee");
        var bob = await host.RegisterAsync("Bob Marsh");
        await host.RegisterAsync("Chloé Dubois");
        await host.RegisterAsync("Dev Patel");
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

        var dir = Path.Combine(BrowserFixture.RepoRoot, "test-artifacts", "screenshots");
        Directory.CreateDirectory(dir);
        var shots = new List<string>();
        var consoleErrors = new List<string>();
        foreach (var (device, width, height) in new[] { ("desktop", 1280, 800), ("mobile", 390, 844) })
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await using var context = await browser.ContextAsync(host, width: width, height: height, colorScheme: scheme);
            var page = await context.NewPageAsync();
            // A CSP violation or a script error on any screen shows up here.
            page.Console += (_, m) => { if (m.Type == "error") consoleErrors.Add($"{page.Url}: {m.Text}"); };
            page.PageError += (_, e) => consoleErrors.Add($"{page.Url}: {e}");
            var theme = scheme.ToString().ToLowerInvariant();

            await page.GotoAsync("/");
            shots.Add(await ShotAsync(page, dir, $"landing-{device}-{theme}.png"));

            await LogInAsync(page, ann.Phone, ann.Password);
            await page.GotoAsync($"/chat/{bob.Id}");
            await Assertions.Expect(StoredBubbles(page).Filter(new() { HasText = "photos" })).ToBeVisibleAsync();
            shots.Add(await ShotAsync(page, dir, $"chat-{device}-{theme}.png"));

            await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
            await LogInAsync(page, BrowserApp.AdminPhone, BrowserApp.AdminPassword);
            await page.GotoAsync("/admin");
            shots.Add(await ShotAsync(page, dir, $"admin-{device}-{theme}.png"));
        }

        Assert.Equal(12, shots.Count);
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
