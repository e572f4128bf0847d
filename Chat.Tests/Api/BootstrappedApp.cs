using System.Net.Http.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Api;

/// <summary>
/// One app per test class configured with ADMIN_PHONE / ADMIN_PASSWORD, as in production: the bootstrap
/// admin exists from the start and nobody else becomes admin by registering first.
/// </summary>
public abstract class BootstrappedApp(TestServers servers, Storage storage) : IAsyncLifetime
{
    // NewPhone() numbers are +1555 and 7 digits from 1000000 up, so these never collide with them.
    public const string AdminPhone = "+15550000001";
    public const string AdminPassword = "bootstrap admin password";

    public ChatHost Host { get; private set; } = null!;
    public TestServers Servers => servers;
    public Storage Storage => storage;
    /// <summary>The bootstrap admin, signed in through the API.</summary>
    public TestUser Admin { get; private set; } = null!;

    public static void Configure(IDictionary<string, string?> settings)
    {
        settings["ADMIN_PHONE"] = AdminPhone;
        settings["ADMIN_PASSWORD"] = AdminPassword;
    }

    public async ValueTask InitializeAsync()
    {
        Host = await ChatHost.StartAsync(servers, storage, Configure);
        Admin = await LoginAsync(Host, AdminPhone, AdminPassword);
    }

    public static async Task<TestUser> LoginAsync(ChatHost host, string phone, string password)
    {
        using var client = host.Client();
        var response = await client.PostAsJsonAsync("/auth/login", new { phone, password });
        response.EnsureSuccessStatusCode();
        var auth = (await response.Content.ReadFromJsonAsync<AuthBody>())!;
        return new TestUser(auth.User.Id, phone, auth.User.DisplayName, password, auth.Token, auth.User.IsAdmin);
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}

public sealed class BootstrappedPostgresApp(TestServers servers) : BootstrappedApp(servers, Storage.Postgres);

public sealed class BootstrappedSqliteApp(TestServers servers) : BootstrappedApp(servers, Storage.Sqlite);
