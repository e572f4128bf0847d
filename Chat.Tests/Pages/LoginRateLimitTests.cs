using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Pages;

public sealed class LoginRateLimitTests(TestServers servers)
{
    [Fact]
    public async Task The_login_page_shares_the_auth_rate_limit_so_guessing_passwords_there_is_throttled()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite, s => s["RATE_LIMIT_AUTH_PER_MINUTE"] = "3");
        using var http = host.Client();
        http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
            statuses.Add((await http.GetAsync("/login", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }
}
