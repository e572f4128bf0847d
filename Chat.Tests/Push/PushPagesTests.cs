using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Push;

/// <summary>The browser's way in (session cookie + antiforgery header), as push.js and the service worker use it.</summary>
public sealed class PushPagesTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_browser_subscribes_with_its_session_and_token_and_then_gets_pushed()
    {
        await using var push = await TestPushService.StartAsync();
        await using var host = await PushHost.StartAsync(servers, push);
        var ann = await host.RegisterAsync("Ann");
        var bob = await host.RegisterAsync("Bob");
        using var browser = PageClient.Create(host);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostLoginAsync(bob.Phone, bob.Password)).StatusCode);

        var key = await browser.GetFromJsonAsync<JsonElement>("/settings/notifications?handler=key", Ct);
        Assert.Equal(PushHost.Keys.PublicKey, key.Str("publicKey"));
        using var phone = new TestSubscriber(push.NewEndpoint());
        var withoutToken = await browser.PostAsJsonAsync("/settings/notifications?handler=subscribe", phone.Json, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode); // antiforgery
        var request = new HttpRequestMessage(HttpMethod.Post, "/settings/notifications?handler=subscribe") { Content = JsonContent.Create(phone.Json) };
        request.Headers.Add("RequestVerificationToken", key.Str("token"));
        Assert.Equal(HttpStatusCode.Created, (await browser.SendAsync(request, Ct)).StatusCode);

        var bad = new HttpRequestMessage(HttpMethod.Post, "/settings/notifications?handler=subscribe")
        {
            Content = JsonContent.Create(new { endpoint = "http://push.example/x", keys = new { p256dh = phone.P256dh, auth = phone.Auth } }),
        };
        bad.Headers.Add("RequestVerificationToken", key.Str("token"));
        var refused = await browser.SendAsync(bad, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("https", await refused.Content.ReadAsStringAsync(Ct));

        await using var socket = await SocketClient.ConnectAsync(host, ann);
        await socket.SendAndAckAsync(bob.Id, "m1", "hi Bob");
        var payload = JsonDocument.Parse(phone.Decrypt((await push.WaitForAsync(phone.Endpoint)).Single().Body)).RootElement;
        Assert.Equal("hi Bob", payload.Str("body"));
        Assert.DoesNotContain(phone.Endpoint, await browser.GetStringAsync("/settings/notifications", Ct)); // the endpoint is a secret
    }
}
