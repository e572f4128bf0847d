using System.Text;
using System.Text.Json;
using Chat.Tests.Browser;
using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Serilog.Core;
using static Chat.Tests.Browser.ChatPages;

namespace Chat.Tests.Secret;

/// <summary>
/// Issue 30: two Chromium browsers hold a secret conversation through the real app (PostgreSQL, the htmx socket), and
/// nothing the server stores, logs or answers holds its text.
/// </summary>
public sealed class SecretBrowserTests(TestServers servers, BrowserFixture browser) : IAsyncLifetime
{
    readonly CapturedLog log = new();
    ChatHost host = null!;
    /// <summary>Everything the server sent the pages: HTML answers and socket frames.</summary>
    readonly StringBuilder served = new();

    public async ValueTask InitializeAsync() => host = await ChatHost.StartAsync(servers, Storage.Postgres, s => s["LOG_LEVEL"] = "Verbose",
        services: s => s.AddSingleton<ILogEventSink>(log));

    readonly List<IBrowserContext> contexts = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var context in contexts) await context.DisposeAsync();
        await host.DisposeAsync();
    }

    /// <summary>Two people, each in a browser of their own, and the secret conversation Ann starts with Bob, open on both.</summary>
    async Task<(TestUser Ann, TestUser Bob, IPage AnnPage, IPage BobPage)> StartAsync(string annName, string bobName)
    {
        var ann = await host.RegisterAsync(annName);
        var bob = await host.RegisterAsync(bobName);
        var annPage = await OpenAsync(ann);
        var bobPage = await OpenAsync(bob);
        await annPage.GotoAsync($"/chat/secret/{bob.Id}");
        await annPage.GetByRole(AriaRole.Button, new() { Name = "Start secret conversation" }).ClickAsync();
        await Assertions.Expect(annPage.Locator("#secret-chat[data-ready='true']")).ToHaveCountAsync(1);
        await GoAsync(bobPage, ann); // Bob's browser makes its device and uploads its keys
        await GoAsync(annPage, bob); // now Ann's finds it
        return (ann, bob, annPage, bobPage);
    }

    static ILocator Texts(IPage page) => page.Locator("#messages [data-ciphertext]");
    static ILocator Box(IPage page) => page.GetByLabel("Secret message", new() { Exact = true });

    async Task<IPage> OpenAsync(TestUser me)
    {
        var context = await browser.ContextAsync(host);
        contexts.Add(context);
        var page = await context.NewPageAsync();
        await PageLog.AttachAsync(page, me.DisplayName);
        page.Response += async (_, r) =>
        {
            if (r.Request.ResourceType is "document" or "fetch" or "xhr")
                try { var body = await r.TextAsync(); lock (served) served.Append(body); } catch (PlaywrightException) { }
        };
        page.WebSocket += (_, ws) => ws.FrameReceived += (_, f) => { lock (served) served.Append(f.Text); };
        await LogInAsync(page, me.Phone, me.Password);
        return page;
    }

    async Task GoAsync(IPage page, TestUser peer)
    {
        await page.GotoAsync($"/chat/secret/{peer.Id}");
        await Assertions.Expect(page.Locator("#secret-chat[data-ready='true']")).ToHaveCountAsync(1);
    }

    async Task SendAsync(IPage page, string text)
    {
        await Assertions.Expect(Box(page)).ToBeEnabledAsync();
        await Box(page).FillAsync(text);
        await Box(page).PressAsync("Enter");
    }

    [Fact]
    public async Task Two_browsers_talk_in_secret_live_and_after_reload_and_the_server_never_holds_the_text()
    {
        var (ann, bob, annPage, bobPage) = await StartAsync("Ann Secret", "Bob Secret");

        string[] said = ["Meet at the old mill at nine " + Guid.NewGuid().ToString("N")[..6], "I will bring the map, ünïcødé ✓", "<b hx-get=\"/admin\">not markup</b>"];
        await SendAsync(annPage, said[0]);
        await Assertions.Expect(Texts(bobPage)).ToHaveTextAsync([said[0]]);
        await SendAsync(bobPage, said[1]);
        await Assertions.Expect(Texts(annPage)).ToHaveTextAsync([said[0], said[1]]);
        await SendAsync(annPage, said[2]);
        await Assertions.Expect(Texts(bobPage)).ToHaveTextAsync(said);
        Assert.Equal(0, await bobPage.Locator("#messages b").CountAsync()); // rendered as text

        // After a reload both still read everything (kept in this browser's IndexedDB; a second decryption would be a replay).
        await GoAsync(annPage, bob);
        await GoAsync(bobPage, ann);
        await Assertions.Expect(Texts(annPage)).ToHaveTextAsync(said);
        await Assertions.Expect(Texts(bobPage)).ToHaveTextAsync(said);

        // Replenishing: a browser whose one-time pre-keys run low uploads a new batch (the directory held 20, one used).
        var before = await OneTimeKeysAsync(bob);
        await bobPage.EvaluateAsync("""
            async ([me, token]) => {
              const app = await (await import('/js/secret.js')).openApp(me, '/chat/secret/device', token);
              const device = await app.device();
              await app.replenish({ ...device, opks: {} }); // as if it held none
            }
            """, new[] { bob.Id, await bobPage.Locator("meta[name='request-verification-token']").GetAttributeAsync("content") });
        Assert.Equal(before + 20, await OneTimeKeysAsync(bob));

        // The lock on the list row, and a preview that says nothing.
        await Assertions.Expect(annPage.Locator($"#conversation_secret_{bob.Id}")).ToContainTextAsync("Encrypted message");
        await Assertions.Expect(annPage.Locator($"#conversation_secret_{bob.Id} [data-lock]")).ToHaveCountAsync(1);

        // Safety numbers: 60 digits, the same on both screens.
        var annNumber = await annPage.Locator("#safety-number").TextContentAsync();
        Assert.Matches(@"^(\d{5} ){11}\d{5}$", annNumber);
        Assert.Equal(annNumber, await bobPage.Locator("#safety-number").TextContentAsync());
        await annPage.Locator("#secret-chat summary").ClickAsync();
        await annPage.GetByRole(AriaRole.Button, new() { Name = "Mark as verified" }).ClickAsync();
        await Assertions.Expect(annPage.Locator("#secret-verified")).ToBeVisibleAsync();

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
            var stored = await db.Messages.AsNoTracking().Where(m => m.SenderId == long.Parse(ann.Id) || m.SenderId == long.Parse(bob.Id)).ToListAsync(TestContext.Current.CancellationToken);
            Assert.Equal(3, stored.Count);
            foreach (var m in stored)
            {
                using var envelope = JsonDocument.Parse(m.Ciphertext); // an envelope, not text
                Assert.Equal(1, envelope.RootElement.GetProperty("v").GetInt32());
            }
            var all = string.Join("\n", stored.Select(m => Encoding.UTF8.GetString(m.Ciphertext) + Convert.ToBase64String(m.Ciphertext)));
            foreach (var text in said) Assert.DoesNotContain(text, all);
        }
        string responses;
        lock (served) responses = served.ToString();
        Assert.Contains("data-ciphertext", responses); // the pages did get the envelopes
        foreach (var text in said)
        {
            Assert.DoesNotContain(text, responses);
            Assert.DoesNotContain(System.Net.WebUtility.HtmlEncode(text), responses);
            Assert.DoesNotContain(text, log.Text);
        }
    }

    [Fact]
    public async Task Tampered_and_replayed_messages_show_could_not_decrypt_and_a_changed_key_blocks_sending_until_accepted()
    {
        var (ann, bob, annPage, bobPage) = await StartAsync("Ann Tamper", "Bob Tamper");
        await SendAsync(annPage, "first");
        await Assertions.Expect(Texts(bobPage)).ToHaveTextAsync(["first"]);
        await SendAsync(bobPage, "second");
        await Assertions.Expect(Texts(annPage)).ToHaveTextAsync(["first", "second"]);

        // On its way to the server one of Bob's messages gets a byte of its ciphertext flipped.
        var tamperNext = true;
        await bobPage.RouteAsync($"**/chat/secret/{ann.Id}", async route =>
        {
            if (route.Request.Method != "POST" || !tamperNext) { await route.ContinueAsync(); return; }
            tamperNext = false;
            var form = System.Web.HttpUtility.ParseQueryString(route.Request.PostData!);
            var sealedEnvelope = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Convert.FromBase64String(form["ciphertext"]!))!;
            var body = Convert.FromBase64String(sealedEnvelope["ct"].GetString()!);
            body[^1] ^= 1;
            form["ciphertext"] = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(With(sealedEnvelope, "ct", Convert.ToBase64String(body))));
            await route.ContinueAsync(new() { PostData = Encoding.UTF8.GetBytes(form.ToString()!) });
        });
        await SendAsync(bobPage, "changed on the way");
        var tampered = annPage.Locator("#messages [data-decrypt-error='tampered']");
        await Assertions.Expect(tampered).ToHaveCountAsync(1);
        await Assertions.Expect(tampered).ToHaveTextAsync("Could not decrypt this message: it was changed on the way.");

        // Bob's stored "second", sent again by Bob's account through the JSON socket: once as it was (a replay), once
        // with its header's counter changed (which the AEAD authenticates).
        byte[] second;
        long conversationId;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
            var m = await db.Messages.AsNoTracking().Where(x => x.SenderId == long.Parse(bob.Id)).OrderBy(x => x.Seq).FirstAsync(TestContext.Current.CancellationToken);
            (second, conversationId) = (m.Ciphertext, m.ConversationId);
        }
        var envelope = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(second)!;
        var header = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(envelope["h"].GetRawText())!;
        var reheaded = With(envelope, "h", new { dh = header["dh"].GetString(), pn = header["pn"].GetInt32(), n = header["n"].GetInt32() + 1 });
        await using (var socket = await SocketClient.ConnectAsync(host, bob))
        {
            foreach (var (id, bytes) in new[] { ("header", JsonSerializer.SerializeToUtf8Bytes(reheaded)), ("replay", second) })
            {
                await socket.SendAsync(new { type = "send-message", conversationId = conversationId.ToString(), ciphertext = Convert.ToBase64String(bytes), clientMessageId = id });
                await socket.TakeAsync(f => f.Type() == "ack" && f.Str("clientMessageId") == id);
            }
        }
        await Assertions.Expect(annPage.Locator("#message_header [data-ciphertext]")).ToHaveAttributeAsync("data-decrypt-error", "tampered");
        await Assertions.Expect(annPage.Locator("#message_replay [data-ciphertext]")).ToHaveAttributeAsync("data-decrypt-error", "replayed");
        await Assertions.Expect(annPage.Locator("#message_replay [data-ciphertext]")).ToHaveTextAsync("Could not decrypt this message: it was received before (a replay).");
        // The conversation goes on after them (the tampered message's key is skipped, not lost).
        await SendAsync(bobPage, "third");
        await Assertions.Expect(annPage.Locator("#messages [data-decrypted]")).ToHaveTextAsync(["first", "second", "third"]);
        // A post that is no envelope is refused, and nothing is stored.
        var refused = await bobPage.EvaluateAsync<int>("""
            async (path) => (await fetch(path, { method: 'POST', headers: { 'RequestVerificationToken': document.querySelector('meta[name="request-verification-token"]').content,
              'Content-Type': 'application/x-www-form-urlencoded', 'HX-Request': 'true' }, body: 'clientMessageId=plain1&text=hello&ciphertext=aGVsbG8=' })).status
            """, $"/chat/secret/{ann.Id}");
        Assert.Equal(422, refused);

        // A browser without JavaScript is told why it cannot take part, and has no box that would post plain text.
        await using (var noJs = await browser.ContextAsync(host, javaScript: false))
        {
            var page = await noJs.NewPageAsync();
            await LogInAsync(page, ann.Phone, ann.Password);
            await page.GotoAsync($"/chat/secret/{bob.Id}");
            await Assertions.Expect(page.GetByText("A secret conversation needs JavaScript")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#composer")).ToBeHiddenAsync();
        }

        // Bob's browser gets a new identity (a reset): Ann is warned and cannot send until she accepts the new key.
        await bobPage.EvaluateAsync("""
            async ([me, token]) => (await (await import('/js/secret.js')).openApp(me, '/chat/secret/device', token)).resetDevice()
            """, new[] { bob.Id, await bobPage.Locator("meta[name='request-verification-token']").GetAttributeAsync("content") });
        await GoAsync(annPage, bob);
        await Assertions.Expect(annPage.Locator("#secret-warning")).ToBeVisibleAsync();
        await Assertions.Expect(annPage.Locator("#secret-warning")).ToContainTextAsync("security key changed");
        await Assertions.Expect(Box(annPage)).ToBeDisabledAsync();
        await Assertions.Expect(annPage.Locator("#secret-verified")).ToBeHiddenAsync();
        await annPage.GetByRole(AriaRole.Button, new() { Name = "Accept the new key" }).ClickAsync();
        await Assertions.Expect(annPage.Locator("#secret-warning")).ToBeHiddenAsync();
        await SendAsync(annPage, "after the reset");
        await GoAsync(bobPage, ann);
        await Assertions.Expect(bobPage.Locator("#messages [data-decrypted]").Last).ToHaveTextAsync("after the reset");
        Assert.Equal(await annPage.Locator("#safety-number").TextContentAsync(), await bobPage.Locator("#safety-number").TextContentAsync());

        // A new browser of Bob's is a new device: the conversation is bound to the ones that set it up, old messages included.
        var newBrowser = await OpenAsync(bob);
        await GoAsync(newBrowser, ann);
        await Assertions.Expect(newBrowser.Locator("#messages [data-decrypted]")).ToHaveCountAsync(0);
        await Assertions.Expect(newBrowser.Locator("#messages [data-decrypt-error='other-device']").First).ToHaveTextAsync(
            "Could not decrypt this message: it was encrypted for another device.");
        await Assertions.Expect(newBrowser.Locator("#secret-binding")).ToContainTextAsync("Bound to this browser");
    }

    async Task<int> OneTimeKeysAsync(TestUser user)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var devices = await scope.ServiceProvider.GetRequiredService<Chat.Web.Features.Keys.KeyDirectory>().ListAsync(long.Parse(user.Id), TestContext.Current.CancellationToken);
        return Assert.Single(devices).OneTimePreKeys;
    }

    static Dictionary<string, object> With(Dictionary<string, JsonElement> envelope, string key, object value) =>
        new(envelope.Select(kv => KeyValuePair.Create(kv.Key, kv.Key == key ? value : (object)kv.Value)));
}
