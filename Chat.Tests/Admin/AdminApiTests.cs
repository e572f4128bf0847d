using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Api;
using Chat.Tests.Conversations;
using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Admin;

public abstract class AdminApiTests(BootstrappedApp app)
{
    readonly ChatHost host = app.Host;
    readonly TestUser admin = app.Admin;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<T> WithDbAsync<T>(Func<ChatDbContext, Task<T>> query)
    {
        using var scope = host.Services.CreateScope();
        return await query(scope.ServiceProvider.GetRequiredService<ChatDbContext>());
    }

    [Fact]
    public async Task The_bootstrap_admin_signs_in_with_the_configured_password_which_is_stored_hashed()
    {
        Assert.True(admin.IsAdmin);
        Assert.Equal(BootstrappedApp.AdminPhone, admin.Phone);
        var hash = await WithDbAsync(db => db.Users.Where(u => u.Phone == BootstrappedApp.AdminPhone).Select(u => u.PasswordHash).SingleAsync(Ct));
        Assert.NotEqual(BootstrappedApp.AdminPassword, hash);
        Assert.StartsWith("$2", hash);
    }

    [Fact]
    public async Task With_a_bootstrap_admin_nobody_becomes_admin_by_registering()
    {
        var user = await host.RegisterAsync();
        Assert.False(user.IsAdmin);
    }

    [Fact]
    public async Task Non_admins_get_403_and_anonymous_callers_401()
    {
        var user = await host.RegisterAsync();
        var victim = await host.RegisterAsync();
        using var client = host.Client(user.Token);
        await client.GetErrorAsync("/admin/users", HttpStatusCode.Forbidden);
        await client.GetErrorAsync("/admin/audit", HttpStatusCode.Forbidden);
        await ApiAssert.ErrorAsync(await client.DeleteAsync($"/admin/users/{victim.Id}", Ct), HttpStatusCode.Forbidden);
        await ApiAssert.ErrorAsync(await client.DeleteAsync($"/admin/users/{admin.Id}", Ct), HttpStatusCode.Forbidden);
        Assert.True(await WithDbAsync(db => db.Users.AnyAsync(u => u.Id == long.Parse(victim.Id), Ct)));

        using var anonymous = host.Client();
        await anonymous.GetErrorAsync("/admin/users", HttpStatusCode.Unauthorized);
        await ApiAssert.ErrorAsync(await anonymous.DeleteAsync($"/admin/users/{victim.Id}", Ct), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_admin_list_pages_through_everyone_including_admins()
    {
        var user = await host.RegisterAsync("Listed");
        using var client = host.Client(admin.Token);
        var seen = new Dictionary<string, JsonElement>();
        string? cursor = null;
        do
        {
            var page = await client.GetOkAsync("/admin/users?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            Assert.InRange(page.GetProperty("items").GetArrayLength(), 0, 2);
            foreach (var item in page.GetProperty("items").EnumerateArray()) seen.Add(item.GetProperty("id").GetString()!, item.Clone());
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
        } while (cursor is not null);

        Assert.Equal(await WithDbAsync(db => db.Users.CountAsync(Ct)), seen.Count);
        Assert.True(seen[admin.Id].GetProperty("isAdmin").GetBoolean());
        Assert.False(seen[user.Id].GetProperty("isAdmin").GetBoolean());
        Assert.Equal("Listed", seen[user.Id].GetProperty("displayName").GetString());

        var search = await client.GetOkAsync("/admin/users?q=" + Uri.EscapeDataString(user.Phone));
        Assert.Equal([user.Id], search.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData("/admin/users?limit=0")]
    [InlineData("/admin/users?limit=101")]
    [InlineData("/admin/users?cursor=nope!")]
    [InlineData("/admin/users?q=%E2%80%AEevil")]
    [InlineData("/admin/audit?limit=201")]
    [InlineData("/admin/audit?cursor=cDA")]
    public async Task Admin_lists_with_a_bad_parameter_are_400(string path)
    {
        using var client = host.Client(admin.Token);
        await client.GetErrorAsync(path, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("999999999")]
    [InlineData("9223372036854775807")]
    [InlineData("123456789012345678901234567890")]
    [InlineData("abc")]
    [InlineData("0")]
    public async Task Deleting_an_unknown_user_is_404(string id)
    {
        using var client = host.Client(admin.Token);
        await ApiAssert.ErrorAsync(await client.DeleteAsync($"/admin/users/{id}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_a_user_removes_their_conversations_and_messages_and_is_audited()
    {
        var doomed = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        var c = await host.RegisterAsync();
        await ConversationsApiTests.SeedMessagesAsync(host, doomed, b, 5);
        await ConversationsApiTests.SeedMessagesAsync(host, c, doomed, 3);
        await ConversationsApiTests.SeedMessagesAsync(host, b, c, 2);
        var doomedId = long.Parse(doomed.Id);
        Assert.Equal(8, await WithDbAsync(db => db.Messages.CountAsync(m => m.SenderId == doomedId || m.ReceiverId == doomedId, Ct)));

        using var client = host.Client(admin.Token);
        var deleted = await ApiAssert.OkAsync(await client.DeleteAsync($"/admin/users/{doomed.Id}", Ct));
        Assert.True(deleted.GetProperty("ok").GetBoolean());

        Assert.False(await WithDbAsync(db => db.Users.AnyAsync(u => u.Id == doomedId, Ct)));
        Assert.Equal(0, await WithDbAsync(db => db.Conversations.CountAsync(x => x.AId == doomedId || x.BId == doomedId, Ct)));
        Assert.Equal(0, await WithDbAsync(db => db.Messages.CountAsync(m => m.SenderId == doomedId || m.ReceiverId == doomedId, Ct)));
        // No message is left without its conversation: no foreign key cascades this, the deletion does.
        Assert.Equal(0, await WithDbAsync(db => db.Messages.CountAsync(m => !db.Conversations.Any(x => x.Id == m.ConversationId), Ct)));
        // Everyone else's conversations stay.
        using (var bClient = host.Client(b.Token))
            Assert.Equal(2, (await bClient.GetOkAsync($"/conversations/{c.Id}/messages")).GetProperty("items").GetArrayLength());

        var audit = await client.GetOkAsync("/admin/audit?limit=200");
        var entry = audit.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("targetId").GetString() == doomed.Id);
        Assert.Equal("user.deleted", entry.GetProperty("action").GetString());
        Assert.Equal(admin.Id, entry.GetProperty("actorId").GetString());
        Assert.Contains("messages=8", entry.GetProperty("details").GetString());

        // The deleted user's token and password stop working; a second delete finds nobody.
        using var doomedClient = host.Client(doomed.Token);
        await doomedClient.GetErrorAsync("/auth/verify", HttpStatusCode.Unauthorized);
        using var anonymous = host.Client();
        await ApiAssert.ErrorAsync(await anonymous.PostJsonAsync("/auth/login", new { phone = doomed.Phone, password = doomed.Password }), HttpStatusCode.Unauthorized);
        await ApiAssert.ErrorAsync(await client.DeleteAsync($"/admin/users/{doomed.Id}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_a_groups_only_admin_leaves_the_group_with_its_longest_standing_member_as_admin()
    {
        var (doomed, first, later) = (await host.RegisterAsync(), await host.RegisterAsync("First"), await host.RegisterAsync("Later"));
        var group = await Groups.GroupApi.CreateAsync(host, doomed, "Orphan", first);
        Assert.Equal(HttpStatusCode.OK, (await Groups.GroupApi.AddAsync(host, doomed, group, later.Id)).StatusCode);

        using var client = host.Client(admin.Token);
        await ApiAssert.OkAsync(await client.DeleteAsync($"/admin/users/{doomed.Id}", Ct));

        var view = await Groups.GroupApi.GetAsync(host, first, $"/groups/{group}");
        Assert.Equal([("First", "admin"), ("Later", "member")],
            view.GetProperty("members").EnumerateArray().Select(m => (m.GetProperty("displayName").GetString(), m.GetProperty("role").GetString())));
        Assert.Equal([1L, 2L], await Groups.GroupApi.SeqsAsync(host, first, group)); // its history stays
    }

    [Fact]
    public async Task The_last_admin_cannot_be_removed_but_one_of_two_can()
    {
        using var client = host.Client(admin.Token);
        await ApiAssert.ErrorAsync(await client.DeleteAsync($"/admin/users/{admin.Id}", Ct), HttpStatusCode.Conflict);
        await client.GetOkAsync("/auth/verify");

        var second = await host.RegisterAsync();
        await WithDbAsync(db => db.Users.Where(u => u.Id == long.Parse(second.Id)).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsAdmin, true), Ct));
        using (var secondClient = host.Client(second.Token))
            await secondClient.GetOkAsync("/admin/users"); // the admin role is read from the database, not the token
        await ApiAssert.OkAsync(await client.DeleteAsync($"/admin/users/{second.Id}", Ct));
        await ApiAssert.ErrorAsync(await client.DeleteAsync($"/admin/users/{admin.Id}", Ct), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Ten_parallel_first_registrations_make_exactly_one_admin()
    {
        // A fresh deployment without ADMIN_PHONE: the first user to register becomes admin.
        await using var fresh = await ChatHost.StartAsync(app.Servers, app.Storage);
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var client = fresh.Client();
            return (await ApiAssert.OkAsync(await client.PostJsonAsync("/auth/register", ChatHost.RegisterBody(ChatHost.NewPhone())))).Clone();
        }));
        Assert.Single(responses, r => r.GetProperty("user").GetProperty("isAdmin").GetBoolean());
        using var scope = fresh.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        Assert.Equal(10, await db.Users.CountAsync(Ct));
        Assert.Equal(1, await db.Users.CountAsync(u => u.IsAdmin, Ct));
    }

    [Fact]
    public async Task ADMIN_PHONE_promotes_an_existing_user_at_start_up()
    {
        var database = app.Storage == Storage.Postgres
            ? await app.Servers.CreateDatabaseAsync()
            : Path.Combine(Path.GetTempPath(), $"chat-promote-{Guid.NewGuid():N}.db");
        TestUser existing;
        await using (var before = await ChatHost.StartAsync(app.Servers, app.Storage, s => s["AUTO_ADMIN_FIRST_USER"] = "false", database: database))
            existing = await before.RegisterAsync("Existing", password: "her own password");
        Assert.False(existing.IsAdmin);

        // The next deployment names her number as ADMIN_PHONE: same database, new start.
        await using (var after = await ChatHost.StartAsync(app.Servers, app.Storage, s =>
        {
            s["ADMIN_PHONE"] = existing.Phone;
            s["ADMIN_PASSWORD"] = "bootstrap admin password";
        }, database: database))
        {
            var signedIn = await BootstrappedApp.LoginAsync(after, existing.Phone, "her own password");
            Assert.True(signedIn.IsAdmin);
            Assert.Equal(existing.Id, signedIn.Id);
            using var client = after.Client(signedIn.Token);
            await client.GetOkAsync("/admin/users");
        }
        if (app.Storage == Storage.Sqlite)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { database, database + "-wal", database + "-shm" }) File.Delete(f);
        }
    }

    [Fact]
    public async Task Two_admins_removing_each_other_at_once_leave_one()
    {
        await using var fresh = await ChatHost.StartAsync(app.Servers, app.Storage);
        var first = await fresh.RegisterAsync();
        var second = await fresh.RegisterAsync();
        Assert.True(first.IsAdmin);
        using (var scope = fresh.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<ChatDbContext>().Users.Where(u => u.Id == long.Parse(second.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsAdmin, true), Ct);

        using var a = fresh.Client(first.Token);
        using var b = fresh.Client(second.Token);
        var results = await Task.WhenAll(a.DeleteAsync($"/admin/users/{second.Id}", Ct), b.DeleteAsync($"/admin/users/{first.Id}", Ct));
        // One wins; the other is refused (409) or, when the winner committed before it was authenticated, no longer signed in (401).
        Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single(results, r => r.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.Unauthorized);
        using var check = fresh.Services.CreateScope();
        Assert.Equal(1, await check.ServiceProvider.GetRequiredService<ChatDbContext>().Users.CountAsync(u => u.IsAdmin, Ct));
    }
}

public sealed class AdminApiOnPostgres(BootstrappedPostgresApp app) : AdminApiTests(app), IClassFixture<BootstrappedPostgresApp>;

public sealed class AdminApiOnSqlite(BootstrappedSqliteApp app) : AdminApiTests(app), IClassFixture<BootstrappedSqliteApp>;
