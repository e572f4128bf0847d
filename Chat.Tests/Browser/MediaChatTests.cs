using Chat.Tests.Groups;
using Chat.Tests.Infrastructure;
using Chat.Tests.Media;
using Microsoft.Playwright;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Browser;

/// <summary>
/// Issue 28 in the browser: a photo, a PDF and a voice note recorded with the (fake) microphone, uploaded with a
/// progress bar and sent in a pair and in a group, shown live on the other side with the preview, the lightbox and
/// playback; a non-member opening the file's address gets 404.
/// </summary>
public sealed class MediaChatTests(BrowserApp app, BrowserFixture browser) : IClassFixture<BrowserApp>
{
    ChatHost Host => app.Host;
    static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 10_000 };

    async Task<(IBrowserContext Context, IPage Page)> OpenAsync(TestUser me, string path, string socketQuery)
    {
        var context = await browser.ContextAsync(Host);
        await context.GrantPermissionsAsync(["microphone"]);
        var page = await context.NewPageAsync();
        await PageLog.AttachAsync(page, me.DisplayName);
        await LogInAsync(page, me.Phone, me.Password);
        var connected = page.WaitForWebSocketAsync(new() { Predicate = ws => ws.Url.Contains("/chat/socket" + socketQuery) });
        await page.GotoAsync(path);
        await connected;
        return (context, page);
    }

    [Fact]
    public async Task A_photo_a_pdf_and_a_voice_note_reach_the_peer_live_with_preview_lightbox_and_playback_and_a_stranger_gets_404()
    {
        var ann = await Host.RegisterAsync("Ann Media");
        var bob = await Host.RegisterAsync("Bob Media");
        var eve = await Host.RegisterAsync("Eve Media");
        await Realtime.Conversations.IdAsync(Host, ann, bob);
        var (annContext, annPage) = await OpenAsync(ann, $"/chat/{bob.Id}", $"?peer={bob.Id}");
        await using var _ = annContext;
        var (bobContext, bobPage) = await OpenAsync(bob, $"/chat/{ann.Id}", $"?peer={ann.Id}");
        await using var __ = bobContext;

        // A slow uplink, so that the progress bar is there to be seen.
        var cdp = await annContext.NewCDPSessionAsync(annPage);
        await cdp.SendAsync("Network.emulateNetworkConditions", new() { ["offline"] = false, ["latency"] = 20, ["downloadThroughput"] = -1, ["uploadThroughput"] = 300 * 1024 });
        await annPage.Locator("[data-attach]").SetInputFilesAsync(new FilePayload { Name = "harbour.jpg", MimeType = "image/jpeg", Buffer = TestMedia.Jpeg(1600, 1200, quality: 97) });
        var row = annPage.Locator("[data-upload]").First;
        await Assertions.Expect(row.Locator("[data-upload-status]")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"Uploading… [3-9][0-9]%"), new() { Timeout = 15_000 });
        await Assertions.Expect(annPage.Locator("[data-send]")).ToBeDisabledAsync();
        await Screenshots.TakeAsync(annPage, "media-upload-progress-desktop-light.png");
        await cdp.SendAsync("Network.emulateNetworkConditions", new() { ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = -1 });

        await SendMediaAsync(annPage, "Look at this");
        await ExpectMediaAsync(bobPage, "Look at this");
        await ExpectMediaAsync(annPage, "Look at this");

        // Eve is signed in, but in no conversation with Ann: the file's address is not found for her.
        var url = await bobPage.Locator("a[data-lightbox]").First.GetAttributeAsync("href");
        await using var eveContext = await browser.ContextAsync(Host);
        var evePage = await eveContext.NewPageAsync();
        await LogInAsync(evePage, eve.Phone, eve.Password);
        foreach (var path in new[] { url!, url + "/preview", await bobPage.Locator("a[data-file]").GetAttributeAsync("href") })
            Assert.Equal(404, (await evePage.APIRequest.GetAsync(path!)).Status);
        Assert.Equal(200, (await bobPage.APIRequest.GetAsync(url!)).Status);
    }

    [Fact]
    public async Task In_a_group_every_member_sees_the_photo_pdf_and_voice_note_live()
    {
        var ann = await Host.RegisterAsync("Ann Gm");
        var bea = await Host.RegisterAsync("Bea Gm");
        var cat = await Host.RegisterAsync("Cat Gm");
        var eve = await Host.RegisterAsync("Eve Gm");
        var group = await GroupApi.CreateAsync(Host, ann, "Photos", bea, cat);
        var (annContext, annPage) = await OpenAsync(ann, $"/chat/groups/{group}", $"?c={group}");
        await using var _ = annContext;
        var (beaContext, beaPage) = await OpenAsync(bea, $"/chat/groups/{group}", $"?c={group}");
        await using var __ = beaContext;
        var (catContext, catPage) = await OpenAsync(cat, $"/chat/groups/{group}", $"?c={group}");
        await using var ___ = catContext;

        await annPage.Locator("[data-attach]").SetInputFilesAsync(new FilePayload { Name = "group.jpg", MimeType = "image/jpeg", Buffer = TestMedia.Jpeg(900, 1200) });
        await SendMediaAsync(annPage, "For the album");
        await ExpectMediaAsync(beaPage, "For the album");
        await ExpectMediaAsync(catPage, "For the album");
        await Assertions.Expect(beaPage.Locator("#messages [data-sender]").Last).ToHaveTextAsync("Ann Gm");

        await using var eveContext = await browser.ContextAsync(Host);
        var evePage = await eveContext.NewPageAsync();
        await LogInAsync(evePage, eve.Phone, eve.Password);
        var url = await catPage.Locator("a[data-lightbox]").First.GetAttributeAsync("href");
        Assert.Equal(404, (await evePage.APIRequest.GetAsync(url!)).Status);
    }

    [Fact]
    public async Task Without_javascript_the_form_posts_the_file_itself_and_a_disguised_one_is_refused_with_a_message()
    {
        var nora = await Host.RegisterAsync("Nora Nojs");
        var olaf = await Host.RegisterAsync("Olaf Nojs");
        await using var context = await browser.ContextAsync(Host, javaScript: false);
        var page = await context.NewPageAsync();
        await LogInAsync(page, nora.Phone, nora.Password);
        await page.GotoAsync($"/chat/{olaf.Id}");

        await page.Locator("[data-attach]").SetInputFilesAsync(new FilePayload { Name = "fake.png", MimeType = "image/png", Buffer = TestMedia.Html });
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Assertions.Expect(page.GetByText("The file is not an image")).ToBeVisibleAsync();

        await page.Locator("[data-attach]").SetInputFilesAsync(new FilePayload { Name = "plain.jpg", MimeType = "image/jpeg", Buffer = TestMedia.Jpeg(500, 400) });
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Sent without a script");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        var bubble = StoredBubbles(page).Filter(new() { HasText = "Sent without a script" });
        await Assertions.Expect(bubble).ToBeVisibleAsync();
        await Assertions.Expect(bubble.Locator("img[data-preview]")).ToHaveAttributeAsync("width", "320");
        await page.WaitForFunctionAsync("img => img.complete && img.naturalWidth === 320", await bubble.Locator("img[data-preview]").ElementHandleAsync());
    }

    /// <summary>With a photo chosen already: adds a PDF, records a two-second voice note, waits for the uploads and sends with a caption.</summary>
    static async Task SendMediaAsync(IPage page, string caption)
    {
        await page.Locator("[data-attach]").SetInputFilesAsync(new FilePayload { Name = "itinerary.pdf", MimeType = "application/pdf", Buffer = TestMedia.Pdf });
        var record = page.Locator("[data-record]");
        await Assertions.Expect(record).ToBeVisibleAsync();
        await record.ClickAsync();
        await Assertions.Expect(record).ToHaveAttributeAsync("aria-pressed", "true");
        await page.WaitForTimeoutAsync(2000);
        await record.ClickAsync();
        await Assertions.Expect(page.Locator("[data-upload][data-ready]")).ToHaveCountAsync(3, new() { Timeout = 15_000 });
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync(caption);
        await page.Locator("[data-send]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-upload]")).ToHaveCountAsync(0);
    }

    /// <summary>The bubble with its preview (loaded, at its own size), the PDF's card and a voice note that plays; the lightbox opens and closes.</summary>
    static async Task ExpectMediaAsync(IPage page, string caption)
    {
        var bubble = StoredBubbles(page).Filter(new() { HasText = caption });
        await Assertions.Expect(bubble).ToBeVisibleAsync(Soon);
        var preview = bubble.Locator("img[data-preview]");
        await Assertions.Expect(preview).ToBeVisibleAsync();
        await Assertions.Expect(preview).ToHaveAttributeAsync("width", new System.Text.RegularExpressions.Regex("^[1-9][0-9]*$"));
        await page.WaitForFunctionAsync("img => img.complete && img.naturalWidth > 0", await preview.ElementHandleAsync());
        await Assertions.Expect(bubble.Locator("[data-file-name]")).ToHaveTextAsync("itinerary.pdf");
        await Assertions.Expect(bubble.Locator("[data-file]")).ToContainTextAsync("PDF");
        await Assertions.Expect(bubble.Locator("[data-duration]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^0:0[1-9]$"));

        // Playback: the recorded Opus plays in the page's own player.
        var audio = bubble.Locator("audio");
        await audio.EvaluateAsync("a => { a.muted = true; return a.play(); }");
        await page.WaitForFunctionAsync("a => a.currentTime > 0.2", await audio.ElementHandleAsync(), new() { Timeout = 10_000 });

        await bubble.Locator("a[data-lightbox]").ClickAsync();
        var lightbox = page.Locator("#lightbox");
        await Assertions.Expect(lightbox).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('[data-lightbox-image]'); return i.complete && i.naturalWidth > 320; }");
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(lightbox).ToBeHiddenAsync();
    }
}

/// <summary>Saves a screenshot under test-artifacts/screenshots/.</summary>
static class Screenshots
{
    public static async Task TakeAsync(IPage page, string name)
    {
        var dir = Path.Combine(BrowserFixture.RepoRoot, "test-artifacts", "screenshots");
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new() { Path = Path.Combine(dir, name) });
    }
}
