using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

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
}

public sealed class AuthApiOnPostgres(PostgresApp app) : AuthApiTests(app), IClassFixture<PostgresApp>;

public sealed class AuthApiOnSqlite(SqliteApp app) : AuthApiTests(app), IClassFixture<SqliteApp>;
