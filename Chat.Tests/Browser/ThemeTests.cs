using Chat.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Chat.Tests.Browser;

public sealed class ThemeTests(BrowserApp app, BrowserFixture browser) : IClassFixture<BrowserApp>
{
    /// <summary>
    /// Runs before any page script. Records whether &lt;html&gt; had the `dark` class when the stylesheet
    /// element was parsed — nothing can be painted before that — and again at DOMContentLoaded.
    /// </summary>
    const string RecordThemeAtFirstPaint = """
        window.__themeAtStylesheet = null;
        new MutationObserver((_, observer) => {
          if (document.querySelector('link[rel=stylesheet]')) {
            window.__themeAtStylesheet = document.documentElement.classList.contains('dark');
            observer.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });
        document.addEventListener('DOMContentLoaded', () => {
          window.__themeAtDomContentLoaded = document.documentElement.classList.contains('dark');
        });
        """;

    [Fact]
    public async Task Dark_mode_survives_a_reload_without_a_light_frame_and_a_second_tab_follows_the_toggle()
    {
        await using var context = await browser.ContextAsync(app.Host, colorScheme: ColorScheme.Light);
        await context.AddInitScriptAsync(RecordThemeAtFirstPaint);
        var first = await context.NewPageAsync();
        var second = await context.NewPageAsync();
        await first.GotoAsync("/");
        await second.GotoAsync("/login");
        var html1 = first.Locator("html");
        var html2 = second.Locator("html");
        await Assertions.Expect(html1).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdark\b"));

        await first.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" }).ClickAsync();
        await Assertions.Expect(html1).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdark\b"));
        // The other tab follows through the storage event, without a reload.
        await Assertions.Expect(html2).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdark\b"));

        await first.ReloadAsync();
        Assert.True(await first.EvaluateAsync<bool>("window.__themeAtStylesheet"), "light frame: no dark class when the stylesheet was parsed");
        Assert.True(await first.EvaluateAsync<bool>("window.__themeAtDomContentLoaded"));
        var background = await first.EvaluateAsync<string>("getComputedStyle(document.documentElement).backgroundColor");
        Assert.NotEqual("rgb(248, 250, 252)", background); // slate-50, the light background

        await first.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" }).ClickAsync();
        await Assertions.Expect(html2).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdark\b"));
    }

    [Fact]
    public async Task Without_a_choice_the_page_follows_the_system_theme()
    {
        await using var context = await browser.ContextAsync(app.Host, colorScheme: ColorScheme.Dark);
        await context.AddInitScriptAsync(RecordThemeAtFirstPaint);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        Assert.True(await page.EvaluateAsync<bool>("window.__themeAtStylesheet"));
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        await Assertions.Expect(page.Locator("html")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdark\b"));
    }
}
