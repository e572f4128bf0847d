using Chat.Bench.Load;

namespace Chat.Bench.Targets;

/// <summary>A server the harness can load: where its sockets are, how users come to exist, what it stored.</summary>
public interface IChatTarget : IAsyncDisposable
{
    /// <summary>"app" or "relay".</summary>
    string Name { get; }
    /// <summary>Where messages go: "PostgreSQL + Redis", "SQLite", "memory".</summary>
    string Storage { get; }
    ServerProcess Server { get; }
    /// <summary>CPU time used so far by the server side: the server process, and the databases behind it where they can be read.</summary>
    Task<CpuReading> CpuAsync();
    Uri SocketUri(BenchUser user);
    /// <summary>At least <paramref name="count"/> users, the same ones on every call (created on first need).</summary>
    Task<IReadOnlyList<BenchUser>> UsersAsync(int count);
    /// <summary>Rows in the messages table, or null for a target without a database.</summary>
    Task<long?> CountStoredMessagesAsync();
    /// <summary>A group of the creator (its admin) and the members, made with POST /groups; its conversation id.</summary>
    Task<string> CreateGroupAsync(BenchUser creator, IEnumerable<BenchUser> members, string name);
    /// <summary>Lets the database finish the background work of the writes so far, so that it does not land in the next runs.</summary>
    Task SettleAsync();
}

/// <summary>The relay: users are just ids, the "token" is the id.</summary>
public sealed class RelayTarget(ServerProcess server) : IChatTarget
{
    public string Name => "relay";
    public string Storage => "memory";
    public ServerProcess Server => server;
    public Task<CpuReading> CpuAsync() => Task.FromResult(new CpuReading(server.CpuTime()));

    public Uri SocketUri(BenchUser user) =>
        new($"ws://{server.BaseUri.Authority}/ws?token={Uri.EscapeDataString(user.Token)}");

    public Task<IReadOnlyList<BenchUser>> UsersAsync(int count) =>
        Task.FromResult<IReadOnlyList<BenchUser>>([.. Enumerable.Range(1, count).Select(i => new BenchUser($"{i}", $"{i}"))]);

    public Task<long?> CountStoredMessagesAsync() => Task.FromResult<long?>(null);

    public Task SettleAsync() => Task.CompletedTask;

    readonly HttpClient api = new() { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(60) };

    public Task<string> CreateGroupAsync(BenchUser creator, IEnumerable<BenchUser> members, string name) =>
        GroupCreation.PostAsync(api, creator, members, name);

    public ValueTask DisposeAsync()
    {
        api.Dispose();
        return server.DisposeAsync();
    }
}
