using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Pages;

public sealed class LoginRateLimitTests(TestServers servers)
{
    [Fact]
    public async Task The_login_page_shares_the_auth_rate_limit_so_guessing_passwords_there_is_throttled()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite, s => s["RATE_LIMIT_AUTH_PER_MINUTE"] = "3");
        using var http = PageClient.Create(host);
        var token = await http.AntiforgeryTokenAsync("/login");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++) statuses.Add((await http.PostLoginAsync(ChatHost.NewPhone(), "guess number " + i, token)).StatusCode);
        Assert.Equal([HttpStatusCode.UnprocessableEntity, HttpStatusCode.UnprocessableEntity, HttpStatusCode.UnprocessableEntity,
            HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        // Reading the page is never limited: only attempts count.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/login", ct)).StatusCode);
    }
}
