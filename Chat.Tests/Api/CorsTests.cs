using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Api;

/// <summary>CORS on the API paths allows exactly the CORS_ORIGINS origins. Storage plays no part, so SQLite only.</summary>
public sealed class CorsTests(TestServers servers)
{
    const string Allowed = "https://chat-client.example";
    const string Other = "https://evil.example";

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static HttpRequestMessage Preflight(string path, string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    static string? AllowOrigin(HttpResponseMessage r) =>
        r.Headers.TryGetValues("Access-Control-Allow-Origin", out var v) ? string.Join(",", v) : null;

    [Fact]
    public void Development_allows_the_original_web_client_by_default_and_production_nothing()
    {
        Assert.Equal(["http://localhost:3000"], new Chat.Web.Infrastructure.ChatSettings().AllowedOrigins(development: true));
        Assert.Empty(new Chat.Web.Infrastructure.ChatSettings().AllowedOrigins(development: false));
        Assert.Equal(["https://a.example", "https://b.example"],
            new Chat.Web.Infrastructure.ChatSettings { CorsOrigins = " https://a.example,https://b.example ," }.AllowedOrigins(development: true));
    }

    [Fact]
    public async Task Allowed_origins_pass_the_preflight_and_others_do_not()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite,
            s => s["CORS_ORIGINS"] = $"http://localhost:3000, {Allowed}");
        using var client = host.Client();

        foreach (var (path, method, headers) in new[] { ("/users", "GET", "authorization"), ("/auth/register", "POST", "content-type"), ("/admin/users/5", "DELETE", "authorization") })
        {
            using var allowed = await client.SendAsync(Preflight(path, Allowed, method, headers), Ct);
            Assert.True(allowed.IsSuccessStatusCode, $"{path}: {(int)allowed.StatusCode}");
            Assert.Equal(Allowed, AllowOrigin(allowed));
            Assert.Contains(method, string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Methods")));
            Assert.Contains(headers, string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);

            using var refused = await client.SendAsync(Preflight(path, Other, method, headers), Ct);
            Assert.Null(AllowOrigin(refused));
        }

        // The actual request, from a page on the allowed origin.
        var user = await host.RegisterAsync();
        using var get = new HttpRequestMessage(HttpMethod.Get, "/users");
        get.Headers.Add("Origin", Allowed);
        get.Headers.Authorization = new("Bearer", user.Token);
        using var response = await client.SendAsync(get, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Allowed, AllowOrigin(response));
    }
}
