using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Chat.Bench.Load;

namespace Chat.Bench.Targets;

/// <summary>
/// The real server (Chat.Web) in its own process on a fresh database. Users register through the
/// REST API like any client; sockets authenticate with the token the API issued.
/// </summary>
public sealed class AppTarget : IChatTarget
{
    readonly List<BenchUser> users = [];
    int phones;

    AppTarget(ServerProcess server, BenchDatabase database)
    {
        Server = server;
        Database = database;
        Api = new HttpClient { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string Name => "app";
    public string Storage => Database.Storage;
    public ServerProcess Server { get; }
    public BenchDatabase Database { get; }
    public HttpClient Api { get; }

    public async Task<CpuReading> CpuAsync()
    {
        var (postgres, redis) = await Database.CpuAsync();
        return new CpuReading(Server.CpuTime(), postgres, redis);
    }

    /// <summary>
    /// Starts Chat.Web from its build output. bcrypt at cost 4 and high rate limits: the bench registers
    /// hundreds of users in seconds and measures messaging, not password hashing or abuse protection.
    /// </summary>
    public static async Task<AppTarget> StartAsync(string appDll, string cpus, BenchDatabase database, string logPath,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>(database.AppEnvironment)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["JWT_SECRET"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            ["BCRYPT_WORK_FACTOR"] = "4",
            ["RATE_LIMIT_AUTH_PER_MINUTE"] = "1000000",
            ["AUTO_ADMIN_FIRST_USER"] = "false",
            // The gateway's per-connection frame limit (20/s by default) guards against abusive clients; each bench
            // connection carries R/N messages a second, which step mode pushes past it on purpose.
            ["WS_FRAMES_PER_SECOND"] = "1000000",
            ["WS_FRAME_BURST"] = "1000000",
            // Per-user message and API limits likewise: the bench measures the server, not its throttles.
            ["RATE_LIMIT_MESSAGES_PER_10S"] = "100000000",
            ["RATE_LIMIT_API_PER_MINUTE"] = "100000000",
            // Per-request logs would measure the console, not the server.
            ["LOG_LEVEL"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) environment[key] = value;
        var dll = Path.GetFullPath(appDll);
        var server = await ServerProcess.StartAsync($"app ({database.Storage})", cpus, "dotnet", $"'{dll}'", environment,
            Path.GetDirectoryName(dll)!, logPath, TimeSpan.FromSeconds(60));
        return new AppTarget(server, database);
    }

    public Uri SocketUri(BenchUser user) =>
        new($"ws://{Server.BaseUri.Authority}/ws?token={Uri.EscapeDataString(user.Token)}");

    public async Task<IReadOnlyList<BenchUser>> UsersAsync(int count)
    {
        var missing = count - users.Count;
        if (missing > 0)
        {
            var created = new BenchUser[missing];
            await Parallel.ForAsync(0, missing, new ParallelOptions { MaxDegreeOfParallelism = 8 },
                async (i, _) => created[i] = await RegisterAsync());
            users.AddRange(created);
        }
        return users.Take(count).ToList();
    }

    public async Task<BenchUser> RegisterAsync()
    {
        var n = Interlocked.Increment(ref phones);
        var response = await Api.PostAsJsonAsync("/auth/register", new
        {
            phone = $"+1555{n:D7}",
            displayName = $"Bench {n}",
            password = "bench-password",
            identityKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"register failed: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return new BenchUser(json.RootElement.GetProperty("user").GetProperty("id").GetString()!, json.RootElement.GetProperty("token").GetString()!);
    }

    /// <summary>GET with the user's bearer token.</summary>
    public async Task<HttpResponseMessage> GetAsync(BenchUser user, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", user.Token);
        return await Api.SendAsync(request);
    }

    public async Task<long?> CountStoredMessagesAsync() => await Database.CountMessagesAsync();

    public Task SettleAsync() => Database.SettleAsync();

    public Task<string> CreateGroupAsync(BenchUser creator, IEnumerable<BenchUser> members, string name) =>
        GroupCreation.PostAsync(Api, creator, members, name);

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Server.DisposeAsync();
        await Database.DisposeAsync();
    }
}
