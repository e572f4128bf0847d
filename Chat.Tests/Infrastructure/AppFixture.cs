namespace Chat.Tests.Infrastructure;

/// <summary>One app per test class, on the provider of the subclass. Tests make their own users, so they do not collide.</summary>
public abstract class AppFixture(TestServers servers, Storage storage) : IAsyncLifetime
{
    public ChatHost Host { get; private set; } = null!;
    public TestServers Servers => servers;
    public Storage Storage => storage;

    public async ValueTask InitializeAsync() => Host = await ChatHost.StartAsync(servers, storage);
    public ValueTask DisposeAsync() => Host.DisposeAsync();
}

public sealed class PostgresApp(TestServers servers) : AppFixture(servers, Storage.Postgres);

public sealed class SqliteApp(TestServers servers) : AppFixture(servers, Storage.Sqlite);
