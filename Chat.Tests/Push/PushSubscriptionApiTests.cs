using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Chat.Tests.Push;

/// <summary>Subscribing, listing, removing; and what a subscription may not be (request forgery, bad keys).</summary>
public sealed class PushSubscriptionApiTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    static readonly string GoodKey = new TestSubscriber("https://push.example/x").P256dh;
    static readonly string GoodAuth = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));

    public static TheoryData<string, string, string, string> BadSubscriptions() => new()
    {
        { "http://push.example/abc", GoodKey, GoodAuth, "endpoint must be an https URL." },
        { "not a url", GoodKey, GoodAuth, "endpoint must be an https URL." },
        { "https://push.example/" + new string('a', 1000), GoodKey, GoodAuth, "endpoint must be at most 1000 characters." },
        { "https://push.example/abc", WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(97)), GoodAuth, "keys.p256dh must be base64url of a 65-byte P-256 public key." },
        { "https://push.example/abc", "not*base64", GoodAuth, "keys.p256dh must be base64url of a 65-byte P-256 public key." },
        { "https://push.example/abc", GoodKey, WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(64)), "keys.auth must be base64url of a 16-byte secret." },
    };

    [Theory]
    [MemberData(nameof(BadSubscriptions))]
    public async Task A_bad_subscription_is_refused_with_a_clear_400(string endpoint, string p256dh, string auth, string message)
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite);
        var ann = await host.RegisterAsync();
        using var client = host.Client(ann.Token);
        var response = await client.PostAsJsonAsync("/notifications/subscriptions", new { endpoint, keys = new { p256dh, auth } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("https://127.0.0.1:8443/push/1")]
    [InlineData("https://localhost/push/1")]
    [InlineData("https://10.1.2.3/push/1")]
    [InlineData("https://192.168.0.10/push/1")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]/push/1")]
    [InlineData("https://[fd00::1]/push/1")]
    public async Task In_production_an_endpoint_on_a_loopback_or_private_address_is_refused(string endpoint)
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite, s =>
        {
            s["ENVIRONMENT"] = "Production";
            s["VAPID_PUBLIC_KEY"] = PushHost.Keys.PublicKey;
            s["VAPID_PRIVATE_KEY"] = PushHost.Keys.PrivateKey;
        });
        var ann = await host.RegisterAsync();
        using var client = host.Client(ann.Token);
        var response = await client.PostAsJsonAsync("/notifications/subscriptions", new { endpoint, keys = new { p256dh = GoodKey, auth = GoodAuth } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a loopback or private address", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Production_refuses_to_start_with_push_enabled_and_no_vapid_keys()
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => ChatHost.StartAsync(servers, Storage.Sqlite, s =>
        {
            s["ENVIRONMENT"] = "Production";
            s["PUSH_ENABLED"] = "true";
        }));
        Assert.Contains("VAPID_PUBLIC_KEY", e.ToString());
    }

    [Fact]
    public async Task I_get_the_public_key_subscribe_list_and_remove_my_devices_and_nobody_else_sees_them()
    {
        await using var push = await TestPushService.StartAsync();
        await using var host = await PushHost.StartAsync(servers, push);
        var ann = await host.RegisterAsync();
        var eve = await host.RegisterAsync();
        using var client = host.Client(ann.Token);
        var key = await client.GetFromJsonAsync<JsonElement>("/notifications/vapid-public-key", Ct);
        Assert.Equal(PushHost.Keys.PublicKey, key.Str("publicKey"));

        using var phone = new TestSubscriber(push.NewEndpoint());
        var request = new HttpRequestMessage(HttpMethod.Post, "/notifications/subscriptions") { Content = JsonContent.Create(phone.Json) };
        request.Headers.UserAgent.ParseAdd("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36");
        var created = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Chrome on Android", view.Str("device"));
        Assert.Equal("127.0.0.1", view.Str("service"));
        Assert.DoesNotContain(phone.Endpoint, view.ToString()); // the endpoint is a secret capability: never shown back

        // Subscribing the same browser again replaces it: still one.
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/notifications/subscriptions", phone.Json, Ct)).StatusCode);
        var list = await client.GetFromJsonAsync<JsonElement>("/notifications/subscriptions", Ct);
        var id = Assert.Single(list.GetProperty("items").EnumerateArray().ToList()).Str("id");

        using var eveClient = host.Client(eve.Token);
        Assert.Empty((await eveClient.GetFromJsonAsync<JsonElement>("/notifications/subscriptions", Ct)).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await eveClient.DeleteAsync($"/notifications/subscriptions/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/notifications/subscriptions/{id}", Ct)).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>("/notifications/subscriptions", Ct)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_notification_level_is_set_only_in_my_conversations_and_only_to_a_known_level()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite);
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        var eve = await host.RegisterAsync();
        var conversation = await Realtime.Conversations.IdAsync(host, ann, bob);
        using var client = host.Client(ann.Token);
        var bad = await client.PutAsJsonAsync($"/notifications/conversations/{conversation}", new { level = "loud" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("level must be", await bad.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/notifications/conversations/{conversation}", new { level = "muted" }, Ct)).StatusCode);
        Assert.Equal("muted", (await client.GetFromJsonAsync<JsonElement>($"/notifications/conversations/{conversation}", Ct)).Str("level"));
        using var eveClient = host.Client(eve.Token);
        Assert.Equal(HttpStatusCode.NotFound, (await eveClient.PutAsJsonAsync($"/notifications/conversations/{conversation}", new { level = "all" }, Ct)).StatusCode);
    }
}
