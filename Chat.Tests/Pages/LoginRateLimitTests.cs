using System.Net;
using System.Text.RegularExpressions;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Pages;

public sealed partial class LoginRateLimitTests(TestServers servers)
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [Fact]
    public async Task The_login_page_shares_the_auth_rate_limit_so_guessing_passwords_there_is_throttled()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite, s => s["RATE_LIMIT_AUTH_PER_MINUTE"] = "3");
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = host.Address };
        http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        var token = AntiforgeryField().Match(await http.GetStringAsync("/login", ct)).Groups[1].Value;
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            var form = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("Phone", ChatHost.NewPhone()), new("Password", "guess number " + i)]);
            statuses.Add((await http.PostAsync("/login", form, ct)).StatusCode);
        }
        Assert.Equal([HttpStatusCode.UnprocessableEntity, HttpStatusCode.UnprocessableEntity, HttpStatusCode.UnprocessableEntity,
            HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        // Reading the page is never limited: only attempts count.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/login", ct)).StatusCode);
    }
}
