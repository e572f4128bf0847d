using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Chat.Tests.Infrastructure.BrowserFixture))]

namespace Chat.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, driven by Playwright's bundled driver, launched once per test run and only when a
/// browser test asks for it (`playwright install` cannot download browsers here).
/// </summary>
public sealed class BrowserFixture : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    IPlaywright? playwright;
    readonly Lazy<Task<IBrowser>> browser;

    public BrowserFixture() => browser = new(LaunchAsync);

    public Task<IBrowser> BrowserAsync() => browser.Value;

    async Task<IBrowser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath)) throw new InvalidOperationException($"{ChromiumPath} is missing: run ./test.sh, which installs it.");
        playwright = await Playwright.CreateAsync();
        return await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = Args,
        });
    }

    static readonly string[] Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
        // A microphone for voice notes: Chromium's fake device (a beep), granted without a prompt.
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"];

    /// <summary>
    /// A browser of its own with a profile on disk: Chromium treats every ordinary Playwright context as incognito,
    /// where an app is never installable.
    /// </summary>
    public async Task<IBrowserContext> PersistentContextAsync(ChatHost host, string profileDir)
    {
        await BrowserAsync(); // starts Playwright
        var context = await playwright!.Chromium.LaunchPersistentContextAsync(profileDir, new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = Args,
            BaseURL = host.Address.ToString().TrimEnd('/'),
        });
        context.SetDefaultTimeout(20_000);
        return context;
    }

    /// <summary>A fresh browser context (its own cookies and storage) aimed at <paramref name="host"/>.</summary>
    public async Task<IBrowserContext> ContextAsync(ChatHost host, bool javaScript = true, int width = 1280, int height = 800,
        ColorScheme colorScheme = ColorScheme.Light, string? timezoneId = null)
    {
        var context = await (await BrowserAsync()).NewContextAsync(new()
        {
            BaseURL = host.Address.ToString().TrimEnd('/'),
            JavaScriptEnabled = javaScript,
            ViewportSize = new() { Width = width, Height = height },
            ColorScheme = colorScheme,
            Locale = "en-GB",
            TimezoneId = timezoneId,
        });
        // Generous: the CI machine has 2 cores shared by the app, PostgreSQL and Chromium.
        context.SetDefaultTimeout(20_000);
        return context;
    }

    public async ValueTask DisposeAsync()
    {
        if (browser.IsValueCreated) await (await browser.Value).DisposeAsync();
        playwright?.Dispose();
    }

    /// <summary>The repository root (where Chat.sln is), for artifacts and sources.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Chat.sln"))) return dir.FullName;
        throw new InvalidOperationException("Chat.sln not found above " + AppContext.BaseDirectory);
    }
}
