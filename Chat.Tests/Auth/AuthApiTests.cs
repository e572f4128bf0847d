using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Chat.Tests.Api;
using Chat.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Chat.Tests.Auth;

public abstract class AuthApiTests(AppFixture app)
{
    readonly ChatHost host = app.Host;

    [Fact]
    public void Runs_on_the_chosen_provider()
    {
        using var scope = host.Services.CreateScope();
        var provider = scope.ServiceProvider.GetRequiredService<Chat.Web.Data.ChatDbContext>().Database.ProviderName;
        Assert.Equal(app.Storage == Storage.Postgres ? "Npgsql.EntityFrameworkCore.PostgreSQL" : "Microsoft.EntityFrameworkCore.Sqlite", provider);
    }

    [Fact]
    public async Task Register_returns_a_token_that_verifies()
    {
        var user = await host.RegisterAsync("Ann");
        using var client = host.Client(user.Token);
        var verify = await client.GetFromJsonAsync<JsonElement>("/auth/verify", TestContext.Current.CancellationToken);
        Assert.True(verify.GetProperty("valid").GetBoolean());
        Assert.Equal(user.Id, verify.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("Ann", verify.GetProperty("user").GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Register_normalises_the_phone_number()
    {
        var digits = ChatHost.NewPhone()[1..];
        var spaced = $"+{digits[..1]} ({digits[1..4]}) {digits[4..7]}-{digits[7..]}";
        using var client = host.Client();
        var response = await client.PostAsJsonAsync("/auth/register", ChatHost.RegisterBody(spaced), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<AuthBody>(TestContext.Current.CancellationToken);
        Assert.Equal("+" + digits, body!.User.Phone);
    }

    [Fact]
    public async Task Register_with_a_taken_phone_is_409()
    {
        var user = await host.RegisterAsync();
        using var client = host.Client();
        var response = await client.PostAsJsonAsync("/auth/register", ChatHost.RegisterBody(user.Phone), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("already registered", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Login_with_unknown_phone_and_wrong_password_answer_alike()
    {
        var user = await host.RegisterAsync();
        using var client = host.Client();
        var wrong = await client.PostAsJsonAsync("/auth/login", new { phone = user.Phone, password = "not the password" }, TestContext.Current.CancellationToken);
        var unknown = await client.PostAsJsonAsync("/auth/login", new { phone = ChatHost.NewPhone(), password = "not the password" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(await wrong.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), await unknown.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Login_with_the_right_password_returns_a_token()
    {
        var user = await host.RegisterAsync();
        using var client = host.Client();
        var response = await client.PostAsJsonAsync("/auth/login", new { phone = user.Phone, password = user.Password }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<AuthBody>(TestContext.Current.CancellationToken);
        Assert.Equal(user.Id, body!.User.Id);
        using var authed = host.Client(body.Token);
        Assert.Equal(HttpStatusCode.OK, (await authed.GetAsync("/auth/verify", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Verify_without_or_with_a_bad_token_is_401()
    {
        using var anonymous = host.Client();
        using var forged = host.Client("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/auth/verify", TestContext.Current.CancellationToken)).StatusCode);
        var response = await forged.GetAsync("/auth/verify", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("\"error\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Verify_401_answers_carry_the_error_shape()
    {
        using var anonymous = host.Client();
        await anonymous.GetErrorAsync("/auth/verify", HttpStatusCode.Unauthorized);
        using var forged = host.Client("not.a.jwt");
        await forged.GetErrorAsync("/auth/verify", HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_401()
    {
        var user = await host.RegisterAsync();
        var other = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(new string('k', 48)));
        var token = new JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = "e2e-chat",
            Audience = "e2e-chat-clients",
            Claims = new Dictionary<string, object> { ["sub"] = user.Id, ["tv"] = 0 },
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new(other, "HS256"),
        });
        using var client = host.Client(token);
        await client.GetErrorAsync("/auth/verify", HttpStatusCode.Unauthorized);
    }

    static string SignedToken(string userId, int tokenVersion, DateTime expires, string issuer = "e2e-chat")
    {
        var key = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(ChatHost.JwtSecret));
        return new JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = "e2e-chat-clients",
            Claims = new Dictionary<string, object> { ["sub"] = userId, ["tv"] = tokenVersion },
            IssuedAt = expires.AddDays(-7),
            NotBefore = expires.AddDays(-7),
            Expires = expires,
            SigningCredentials = new(key, "HS256"),
        });
    }

    [Fact]
    public async Task Expired_unsigned_foreign_and_revoked_tokens_are_401()
    {
        var user = await host.RegisterAsync();
        // Control: the app's own key, a current version and a future expiry verify.
        using (var valid = host.Client(SignedToken(user.Id, 0, DateTime.UtcNow.AddHours(1))))
            await valid.GetOkAsync("/auth/verify");

        var unsigned = new JsonWebTokenHandler().CreateToken(
            $"{{\"sub\":\"{user.Id}\",\"tv\":0,\"iss\":\"e2e-chat\",\"aud\":\"e2e-chat-clients\",\"exp\":{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}");
        foreach (var token in new[]
        {
            SignedToken(user.Id, 0, DateTime.UtcNow.AddMinutes(-5)),              // expired
            SignedToken(user.Id, 0, DateTime.UtcNow.AddHours(1), issuer: "someone"), // another issuer
            unsigned,                                                               // alg "none"
        })
        {
            using var client = host.Client(token);
            await client.GetErrorAsync("/auth/verify", HttpStatusCode.Unauthorized);
        }

        // Bumping the token version revokes every token issued before.
        using (var scope = host.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<Chat.Web.Data.ChatDbContext>().Users.Where(u => u.Id == long.Parse(user.Id))
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.TokenVersion, 1), TestContext.Current.CancellationToken);
        using var revoked = host.Client(user.Token);
        await revoked.GetErrorAsync("/auth/verify", HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_token_is_an_HS256_JWT_for_seven_days_with_subject_and_token_version()
    {
        var user = await host.RegisterAsync();
        var jwt = new JsonWebToken(user.Token);
        Assert.Equal("HS256", jwt.Alg);
        Assert.Equal("e2e-chat", jwt.Issuer);
        Assert.Equal(["e2e-chat-clients"], jwt.Audiences);
        Assert.Equal(user.Id, jwt.Subject);
        Assert.Equal("0", jwt.GetClaim("tv").Value);
        Assert.InRange(jwt.ValidTo - jwt.IssuedAt, TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Passwords_are_stored_as_bcrypt_hashes()
    {
        var user = await host.RegisterAsync(password: "a password to hash");
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Chat.Web.Data.ChatDbContext>();
        var hash = db.Users.Single(u => u.Id == long.Parse(user.Id)).PasswordHash;
        Assert.StartsWith("$2", hash);
        Assert.DoesNotContain("a password to hash", hash);
        Assert.True(BCrypt.Net.BCrypt.Verify("a password to hash", hash));
    }

    [Fact]
    public async Task Register_trims_the_display_name_and_returns_the_identity_key_through_the_directory()
    {
        var phone = ChatHost.NewPhone();
        var body = JsonSerializer.SerializeToNode(ChatHost.RegisterBody(phone, "  Spaced Ann  "))!.AsObject();
        using var client = host.Client();
        var created = await ApiAssert.OkAsync(await client.PostJsonAsync("/auth/register", body));
        Assert.Equal("Spaced Ann", created.GetProperty("user").GetProperty("displayName").GetString());
        Assert.False(created.GetProperty("user").TryGetProperty("passwordHash", out _));
        using var authed = host.Client(created.GetProperty("token").GetString());
        var keys = await authed.GetOkAsync("/users/" + Uri.EscapeDataString(phone));
        Assert.Equal(JsonValueKind.Null, keys.GetProperty("preKeys").ValueKind); // handed out by GET /users/{id}/keys only
        Assert.Equal(body["identityKey"]!.GetValue<string>(), keys.GetProperty("identityKey").GetString());
    }

    /// <summary>A case name and the field that must be reported; <see cref="Invalid"/> builds the body.</summary>
    public static TheoryData<string, string> InvalidRegistrations => new()
    {
        { "phone too short", "phone" },
        { "phone with letters", "phone" },
        { "phone starting with 0", "phone" },
        { "phone with 16 digits", "phone" },
        { "phone missing", "phone" },
        { "display name blank", "displayName" },
        { "display name missing", "displayName" },
        { "display name of 65 characters", "displayName" },
        { "display name with a control character", "displayName" },
        { "display name with a right-to-left override", "displayName" },
        { "password of 7 characters", "password" },
        { "password of 129 characters", "password" },
        { "password missing", "password" },
        { "identity key not base64", "identityKey" },
        { "identity key with spaces", "identityKey" },
        { "identity key missing", "identityKey" },
        { "identity key of 33 bytes", "identityKey" },
        { "pre-keys over 16 KB", "preKeys" },
        { "pre-keys not a bundle", "preKeys" },
        { "pre-keys an array", "preKeys" },
    };

    static JsonObject Invalid(string name)
    {
        var body = JsonSerializer.SerializeToNode(ChatHost.RegisterBody(ChatHost.NewPhone()))!.AsObject();
        switch (name)
        {
            case "phone too short": body["phone"] = "+123456"; break;
            case "phone with letters": body["phone"] = "+1555CALLNOW"; break;
            case "phone starting with 0": body["phone"] = "+0155512345"; break;
            case "phone with 16 digits": body["phone"] = "+1234567890123456"; break;
            case "phone missing": body.Remove("phone"); break;
            case "display name blank": body["displayName"] = "   "; break;
            case "display name missing": body.Remove("displayName"); break;
            case "display name of 65 characters": body["displayName"] = new string('n', 65); break;
            case "display name with a control character": body["displayName"] = "Ann"; break;
            case "display name with a right-to-left override": body["displayName"] = "Ann‮gnp.exe"; break;
            case "password of 7 characters": body["password"] = "1234567"; break;
            case "password of 129 characters": body["password"] = new string('p', 129); break;
            case "password missing": body.Remove("password"); break;
            case "identity key not base64": body["identityKey"] = "not base64!"; break;
            case "identity key with spaces": body["identityKey"] = "AAAA AAAA"; break;
            case "identity key missing": body.Remove("identityKey"); break;
            case "identity key of 33 bytes": body["identityKey"] = Convert.ToBase64String(new byte[33]); break;
            case "pre-keys over 16 KB": body["preKeys"] = new JsonObject { ["k"] = new string('x', 17 * 1024) }; break;
            case "pre-keys not a bundle": body["preKeys"] = new JsonObject { ["signed"] = "abc", ["oneTime"] = new JsonArray("k1", "k2") }; break;
            case "pre-keys an array": body["preKeys"] = new JsonArray("k1"); break;
            default: throw new ArgumentOutOfRangeException(nameof(name), name, null);
        }
        return body;
    }

    [Theory]
    [MemberData(nameof(InvalidRegistrations))]
    public async Task Register_with_an_invalid_field_is_400_naming_the_field(string @case, string field)
    {
        using var client = host.Client();
        var body = await ApiAssert.ErrorAsync(await client.PostJsonAsync("/auth/register", Invalid(@case)), HttpStatusCode.BadRequest);
        var messages = body.GetProperty("errors").GetProperty(field);
        Assert.NotEmpty(messages.EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task Login_with_missing_fields_is_400()
    {
        using var client = host.Client();
        var body = await ApiAssert.ErrorAsync(await client.PostJsonAsync("/auth/login", new { phone = ChatHost.NewPhone() }), HttpStatusCode.BadRequest);
        Assert.True(body.GetProperty("errors").TryGetProperty("password", out _));
    }

    [Fact]
    public async Task Login_accepts_the_phone_number_in_another_format()
    {
        var user = await host.RegisterAsync();
        var digits = user.Phone[1..];
        using var client = host.Client();
        var response = await client.PostJsonAsync("/auth/login", new { phone = $"+{digits[..1]} {digits[1..4]}-{digits[4..]}", password = user.Password });
        Assert.Equal(user.Id, (await ApiAssert.OkAsync(response)).GetProperty("user").GetProperty("id").GetString());
    }
}

public sealed class AuthApiOnPostgres(PostgresApp app) : AuthApiTests(app), IClassFixture<PostgresApp>;

public sealed class AuthApiOnSqlite(SqliteApp app) : AuthApiTests(app), IClassFixture<SqliteApp>;
