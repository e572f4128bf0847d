using System.Net;
using System.Text.Json;
using Chat.Tests.Api;
using Chat.Tests.Infrastructure;

// Not Chat.Tests.Directory: that namespace would hide System.IO.Directory from every Chat.Tests.* file.
namespace Chat.Tests.DirectoryTests;

public abstract class DirectoryApiTests(AppFixture app)
{
    readonly ChatHost host = app.Host;

    /// <summary>Walks every page of /users and returns the ids in order.</summary>
    internal static async Task<List<string>> AllUserIdsAsync(HttpClient client, int limit, List<int>? pageSizes = null)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await client.GetOkAsync($"/users?limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            var items = page.GetProperty("items").EnumerateArray().ToList();
            pageSizes?.Add(items.Count);
            ids.AddRange(items.Select(i => i.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
        } while (cursor is not null);
        return ids;
    }

    [Fact]
    public async Task Users_lists_everyone_else_with_their_public_keys_and_never_self()
    {
        var me = await host.RegisterAsync("Me");
        var other = await host.RegisterAsync("Other");
        using var client = host.Client(me.Token);
        var ids = await AllUserIdsAsync(client, 50);
        Assert.Contains(other.Id, ids);
        Assert.DoesNotContain(me.Id, ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.OrderBy(long.Parse), ids);

        var first = (await client.GetOkAsync("/users?limit=50")).GetProperty("items").EnumerateArray()
            .Concat((await client.GetOkAsync("/users?q=" + Uri.EscapeDataString(other.Phone))).GetProperty("items").EnumerateArray())
            .First(i => i.GetProperty("id").GetString() == other.Id);
        Assert.Equal("Other", first.GetProperty("displayName").GetString());
        Assert.Equal(other.Phone, first.GetProperty("phone").GetString());
        Assert.NotEmpty(first.GetProperty("identityKey").GetString()!);
        Assert.False(first.TryGetProperty("passwordHash", out _));
    }

    [Fact]
    public async Task Users_defaults_to_pages_of_20()
    {
        var me = await host.RegisterAsync();
        for (var i = 0; i < 21; i++) await host.RegisterAsync();
        using var client = host.Client(me.Token);
        var page = await client.GetOkAsync("/users");
        Assert.Equal(20, page.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.String, page.GetProperty("nextCursor").ValueKind);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=51")]
    [InlineData("limit=-1")]
    [InlineData("limit=abc")]
    [InlineData("limit=1e3")]
    [InlineData("cursor=garbage!")]
    [InlineData("cursor=cDA")] // "p0": decodes, but position 0 is never a cursor
    [InlineData("cursor=cC0x")] // "p-1"
    [InlineData("cursor=eDEy")] // "x12"
    [InlineData("cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("q=%00")]
    public async Task Users_with_a_bad_limit_or_cursor_is_400(string query)
    {
        var me = await host.RegisterAsync();
        using var client = host.Client(me.Token);
        await client.GetErrorAsync("/users?" + query, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Users_needs_a_token()
    {
        using var client = host.Client();
        await client.GetErrorAsync("/users", HttpStatusCode.Unauthorized);
        await client.GetErrorAsync("/users/+15551234567", HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task User_by_phone_returns_keys_and_accepts_any_formatting()
    {
        var me = await host.RegisterAsync();
        var other = await host.RegisterAsync("Keys");
        using var client = host.Client(me.Token);
        var exact = await client.GetOkAsync("/users/" + Uri.EscapeDataString(other.Phone));
        Assert.Equal(other.Id, exact.GetProperty("id").GetString());
        Assert.Equal("Keys", exact.GetProperty("displayName").GetString());
        Assert.NotEmpty(exact.GetProperty("identityKey").GetString()!);
        Assert.Equal(JsonValueKind.Null, exact.GetProperty("preKeys").ValueKind);
        var d = other.Phone[1..];
        var formatted = await client.GetOkAsync("/users/" + Uri.EscapeDataString($"+{d[..1]} ({d[1..4]}) {d[4..7]}-{d[7..]}"));
        Assert.Equal(other.Id, formatted.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("+19999999999")]
    [InlineData("not-a-phone")]
    [InlineData("'%20OR%20'1'='1")]
    public async Task User_by_unknown_or_invalid_phone_is_404(string phone)
    {
        var me = await host.RegisterAsync();
        using var client = host.Client(me.Token);
        await client.GetErrorAsync("/users/" + phone, HttpStatusCode.NotFound);
    }
}

public sealed class DirectoryApiOnPostgres(PostgresApp app) : DirectoryApiTests(app), IClassFixture<PostgresApp>;

public sealed class DirectoryApiOnSqlite(SqliteApp app) : DirectoryApiTests(app), IClassFixture<SqliteApp>;
