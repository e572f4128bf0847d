using System.Net.Http.Json;
using Chat.Tests.Api;
using Chat.Tests.Infrastructure;

// Not Chat.Tests.Directory: that namespace would hide System.IO.Directory from every Chat.Tests.* file.
namespace Chat.Tests.DirectoryTests;

/// <summary>
/// The pagination scenario on a fresh host: the bootstrap admin, 45 other users and self.
/// The exclusions (self, bootstrap admin) are in the query, so pages are full and the cursor exact.
/// </summary>
public abstract class DirectoryPaginationTests(TestServers servers, Storage storage)
{
    [Fact]
    public async Task Pages_of_20_20_5_cover_every_other_user_exactly_once()
    {
        await using var host = await ChatHost.StartAsync(servers, storage, BootstrappedApp.Configure);
        var admin = await BootstrappedApp.LoginAsync(host, BootstrappedApp.AdminPhone, BootstrappedApp.AdminPassword);
        // Self in the middle of the id range, so that it falls inside a page rather than at an edge.
        var others = new List<TestUser>();
        for (var i = 0; i < 20; i++) others.Add(await host.RegisterAsync());
        var me = await host.RegisterAsync("Me");
        for (var i = 0; i < 25; i++) others.Add(await host.RegisterAsync());

        using var client = host.Client(me.Token);
        var sizes = new List<int>();
        var ids = await DirectoryApiTests.AllUserIdsAsync(client, 20, sizes);

        Assert.Equal([20, 20, 5], sizes);
        Assert.Equal(others.Select(u => u.Id).Order(), ids.Order());
        Assert.DoesNotContain(me.Id, ids);
        Assert.DoesNotContain(admin.Id, ids);
    }
}

public sealed class DirectoryPaginationOnPostgres(TestServers servers) : DirectoryPaginationTests(servers, Storage.Postgres);

public sealed class DirectoryPaginationOnSqlite(TestServers servers) : DirectoryPaginationTests(servers, Storage.Sqlite);
