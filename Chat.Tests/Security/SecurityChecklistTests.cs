using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Chat.Tests.Security;

/// <summary>The original starter's security checklist, one test (or more) per box. Runs on PostgreSQL + Redis.</summary>
public sealed class SecurityChecklistTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null, "JWT_SECRET is not set")]
    [InlineData("too-short-secret", "at least 32 bytes")]
    public async Task Production_refuses_to_start_without_a_strong_jwt_secret(string? secret, string message)
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => ChatHost.StartAsync(servers, Storage.Sqlite, s =>
        {
            s["ENVIRONMENT"] = "Production";
            s["JWT_SECRET"] = secret;
        }));
        Assert.Contains(message, e.ToString());
    }

    public static TheoryData<string, string> ForgedTokens() => new()
    {
        { "alg none", Unsigned() },
        { "HS512", Sign(SecurityAlgorithms.HmacSha512, ChatHost.JwtSecret + ChatHost.JwtSecret, "e2e-chat", "e2e-chat-clients", DateTime.UtcNow.AddHours(1)) },
        { "wrong issuer", Sign(SecurityAlgorithms.HmacSha256, ChatHost.JwtSecret, "someone-else", "e2e-chat-clients", DateTime.UtcNow.AddHours(1)) },
        { "wrong audience", Sign(SecurityAlgorithms.HmacSha256, ChatHost.JwtSecret, "e2e-chat", "other-app", DateTime.UtcNow.AddHours(1)) },
        { "expired", Sign(SecurityAlgorithms.HmacSha256, ChatHost.JwtSecret, "e2e-chat", "e2e-chat-clients", DateTime.UtcNow.AddMinutes(-5)) },
        { "wrong key", Sign(SecurityAlgorithms.HmacSha256, "another-secret-that-is-long-enough-0123456789", "e2e-chat", "e2e-chat-clients", DateTime.UtcNow.AddHours(1)) },
    };

    [Theory]
    [MemberData(nameof(ForgedTokens))]
    public async Task Tokens_pin_algorithm_issuer_audience_and_expiry(string why, string token)
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite);
        var user = await host.RegisterAsync();
        // The forged tokens name user 1 with token version 0, which is this user: only the forgery can fail them.
        Assert.Equal("1", user.Id);
        using var client = host.Client(token);
        var response = await client.GetAsync("/auth/verify", Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, why);
        using var genuine = host.Client(Sign(SecurityAlgorithms.HmacSha256, ChatHost.JwtSecret, "e2e-chat", "e2e-chat-clients", DateTime.UtcNow.AddHours(1)));
        Assert.Equal(HttpStatusCode.OK, (await genuine.GetAsync("/auth/verify", Ct)).StatusCode);
    }

    [Fact]
    public async Task Pages_and_api_answers_carry_the_security_headers()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite);
        using var client = host.Client();
        foreach (var path in new[] { "/", "/health", "/users" })
        {
            var response = await client.GetAsync(path, Ct);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            var scriptSrc = csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("script-src", StringComparison.Ordinal));
            Assert.DoesNotContain("unsafe-eval", csp);
            Assert.DoesNotContain("unsafe-inline", scriptSrc);
            Assert.Matches("'nonce-[A-Za-z0-9+/=]{20,}'", scriptSrc);
            Assert.Contains("frame-ancestors 'none'", csp);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Contains("camera=()", response.Headers.GetValues("Permissions-Policy").Single());
            Assert.False(response.Headers.Contains("Strict-Transport-Security"), "no HSTS outside Production");
        }
    }

    [Fact]
    public async Task Forwarded_headers_count_only_from_trusted_proxies_and_production_sends_hsts_over_https()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite, s =>
        {
            s["ENVIRONMENT"] = "Production";
            s["TRUSTED_PROXIES"] = "127.0.0.1";
        });
        await using var untrusting = await ChatHost.StartAsync(servers, Storage.Sqlite, s => s["ENVIRONMENT"] = "Production");

        // HSTS is never sent for localhost, so the request names a real-looking host, as behind a proxy.
        static HttpRequestMessage ViaProxy()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/health") { Headers = { { "X-Forwarded-Proto", "https" }, { "X-Forwarded-For", "203.0.113.9" } } };
            request.Headers.Host = "chat.example";
            return request;
        }
        using var trusted = host.Client();
        var viaTrusted = await trusted.SendAsync(ViaProxy(), Ct);
        Assert.True(viaTrusted.Headers.Contains("Strict-Transport-Security"), "HTTPS (as told by a trusted proxy) in Production gets HSTS");

        using var other = untrusting.Client();
        var viaUntrusted = await other.SendAsync(ViaProxy(), Ct);
        Assert.False(viaUntrusted.Headers.Contains("Strict-Transport-Security"), "an untrusted X-Forwarded-Proto is ignored");
    }

    [Fact]
    public async Task Login_and_register_are_limited_per_ip_with_retry_after()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite, s => s["RATE_LIMIT_AUTH_PER_MINUTE"] = "3");
        using var client = host.Client();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
            statuses.Add((await client.PostAsJsonAsync("/auth/login", new { phone = ChatHost.NewPhone(), password = "whatever-123" }, Ct)).StatusCode);
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
        var limited = await client.PostAsJsonAsync("/auth/register", ChatHost.RegisterBody(ChatHost.NewPhone()), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) is > 0 and <= 60);
        Assert.Contains("\"error\"", await limited.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Login_is_limited_per_phone_across_nodes_with_redis()
    {
        var database = await servers.CreateDatabaseAsync();
        Action<IDictionary<string, string?>> limits = s => s["RATE_LIMIT_LOGIN_PER_PHONE"] = "3";
        await using var a = await ChatHost.StartAsync(servers, Storage.Postgres, limits, database, redis: true);
        await using var b = await ChatHost.StartAsync(servers, Storage.Postgres, limits, database, redis: true);
        var user = await a.RegisterAsync();
        using var ca = a.Client();
        using var cb = b.Client();
        var body = new { phone = user.Phone, password = "a wrong password" };
        Assert.Equal(HttpStatusCode.Unauthorized, (await ca.PostAsJsonAsync("/auth/login", body, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await cb.PostAsJsonAsync("/auth/login", body, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ca.PostAsJsonAsync("/auth/login", body, Ct)).StatusCode);
        // The fourth attempt on either node is over the shared limit, even with the right password.
        var fourth = await cb.PostAsJsonAsync("/auth/login", new { phone = user.Phone, password = user.Password }, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.True(fourth.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task Api_calls_are_limited_per_user()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite, s => s["RATE_LIMIT_API_PER_MINUTE"] = "5");
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        using var annClient = host.Client(ann.Token);
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await annClient.GetAsync("/users", Ct)).StatusCode);
        var sixth = await annClient.GetAsync("/users", Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        Assert.True(sixth.Headers.Contains("Retry-After"));
        using var bobClient = host.Client(bob.Token);
        Assert.Equal(HttpStatusCode.OK, (await bobClient.GetAsync("/users", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("Testing", null, false, true)]
    [InlineData("Testing", null, true, false)]
    [InlineData("Production", null, false, false)]
    [InlineData("Production", "true", false, true)]
    public async Task First_user_auto_admin_follows_environment_and_bootstrap_admin(string environment, string? autoAdmin, bool bootstrapAdmin, bool firstIsAdmin)
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite, s =>
        {
            s["ENVIRONMENT"] = environment;
            s["AUTO_ADMIN_FIRST_USER"] = autoAdmin;
            if (bootstrapAdmin)
            {
                s["ADMIN_PHONE"] = "+15550001111";
                s["ADMIN_PASSWORD"] = "bootstrap-password";
            }
        });
        var first = await host.RegisterAsync();
        Assert.Equal(firstIsAdmin, first.IsAdmin);
        Assert.False((await host.RegisterAsync()).IsAdmin);
    }

    [Fact]
    public async Task Logout_everywhere_and_password_change_revoke_older_tokens()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Postgres);
        var user = await host.RegisterAsync();
        var second = await LoginAsync(host, user.Phone, user.Password);
        using (var c = host.Client(user.Token))
            Assert.Equal(HttpStatusCode.OK, (await c.PostAsync("/auth/logout-all", null, Ct)).StatusCode);
        foreach (var old in new[] { user.Token, second })
        {
            using var c = host.Client(old);
            Assert.Equal(HttpStatusCode.Unauthorized, (await c.GetAsync("/auth/verify", Ct)).StatusCode);
        }

        var fresh = await LoginAsync(host, user.Phone, user.Password);
        using var client = host.Client(fresh);
        var wrong = await client.PostAsJsonAsync("/auth/password", new { currentPassword = "not it at all", newPassword = "a new password 2" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var changed = await client.PostAsJsonAsync("/auth/password", new { currentPassword = user.Password, newPassword = "a new password 2" }, Ct);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var newToken = (await changed.Content.ReadFromJsonAsync<AuthBody>(Ct))!.Token;
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/auth/verify", Ct)).StatusCode);
        using var renewed = host.Client(newToken);
        Assert.Equal(HttpStatusCode.OK, (await renewed.GetAsync("/auth/verify", Ct)).StatusCode);
        using var anon = host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostAsJsonAsync("/auth/login", new { phone = user.Phone, password = user.Password }, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_deleted_users_token_stops_working()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Postgres);
        var admin = await host.RegisterAsync();
        var user = await host.RegisterAsync();
        Assert.True(admin.IsAdmin);
        using var adminClient = host.Client(admin.Token);
        Assert.Equal(HttpStatusCode.OK, (await adminClient.DeleteAsync($"/admin/users/{user.Id}", Ct)).StatusCode);
        using var c = host.Client(user.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.GetAsync("/auth/verify", Ct)).StatusCode);
    }

    [Fact]
    public async Task Sign_ins_revocations_and_admin_actions_are_audited_without_secrets()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Postgres);
        var admin = await host.RegisterAsync();
        var user = await host.RegisterAsync();
        await LoginAsync(host, user.Phone, user.Password);
        using (var anon = host.Client())
            await anon.PostAsJsonAsync("/auth/login", new { phone = user.Phone, password = "secret-guess-123" }, Ct);
        using (var c = host.Client(user.Token)) await c.PostAsync("/auth/logout-all", null, Ct);
        using var adminClient = host.Client(admin.Token);
        await adminClient.DeleteAsync($"/admin/users/{user.Id}", Ct);

        var audit = await adminClient.GetStringAsync("/admin/audit?limit=50", Ct);
        var actions = JsonDocument.Parse(audit).RootElement.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("targetId").GetString() == user.Id).Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["user.deleted", "auth.sessions_revoked", "auth.login_failed", "auth.login"], actions);
        Assert.DoesNotContain(user.Password, audit);
        Assert.DoesNotContain("secret-guess-123", audit);
        Assert.DoesNotContain(user.Token, audit);
    }

    [Fact]
    public async Task Login_answers_unknown_phone_and_wrong_password_alike_in_time()
    {
        // A real bcrypt cost, so that skipping the hash for an unknown phone would show (~1 ms against ~50 ms).
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite, s => s["BCRYPT_WORK_FACTOR"] = "10");
        var user = await host.RegisterAsync();
        using var client = host.Client();
        async Task<(double Ms, string Body)> Attempt(string phone)
        {
            var sw = Stopwatch.StartNew();
            var response = await client.PostAsJsonAsync("/auth/login", new { phone, password = "wrong password!" }, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            return (sw.Elapsed.TotalMilliseconds, $"{(int)response.StatusCode} {body}");
        }
        await Attempt(ChatHost.NewPhone()); // warm-up (the decoy hash is made on first use)
        var wrong = new List<double>();
        var unknown = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var w = await Attempt(user.Phone);
            var u = await Attempt(ChatHost.NewPhone());
            Assert.Equal(w.Body, u.Body);
            wrong.Add(w.Ms);
            unknown.Add(u.Ms);
        }
        // A skipped hash would make the ratio about 0.02. The band is wide because the suite runs in parallel on
        // two cores: 0.5–2 failed once in CI at 2.09 with the hash in place on both paths.
        var ratio = Median(unknown) / Median(wrong);
        Assert.InRange(ratio, 0.25, 4.0);
    }

    static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

    static async Task<string> LoginAsync(ChatHost host, string phone, string password)
    {
        using var client = host.Client();
        var response = await client.PostAsJsonAsync("/auth/login", new { phone, password }, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<AuthBody>(Ct))!.Token;
    }

    static string Sign(string alg, string secret, string issuer, string audience, DateTime expires) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expires.AddHours(-2),
            NotBefore = expires.AddHours(-2),
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = "1", ["tv"] = 0 },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), alg),
        });

    static string Unsigned() =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "e2e-chat",
            Audience = "e2e-chat-clients",
            Expires = DateTime.UtcNow.AddHours(1),
            Claims = new Dictionary<string, object> { ["sub"] = "1", ["tv"] = 0 },
        });
}
