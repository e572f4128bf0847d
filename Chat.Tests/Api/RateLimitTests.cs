using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Api;

/// <summary>Over RATE_LIMIT_AUTH_PER_MINUTE, sign-in attempts get 429 with Retry-After and the error shape.</summary>
public sealed class RateLimitTests(TestServers servers)
{
    [Fact]
    public async Task Too_many_login_attempts_are_429_with_retry_after()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite, s => s["RATE_LIMIT_AUTH_PER_MINUTE"] = "3");
        using var client = host.Client();
        var login = new { phone = ChatHost.NewPhone(), password = "not the password" };
        for (var i = 0; i < 3; i++)
            await ApiAssert.ErrorAsync(await client.PostJsonAsync("/auth/login", login), HttpStatusCode.Unauthorized);
        var limited = await client.PostJsonAsync("/auth/login", login);
        await ApiAssert.ErrorAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) > 0);
        // Reading is not rate limited by the sign-in policy.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);
    }
}
