using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Infrastructure;

public enum Storage { Postgres, Sqlite }

/// <summary>
/// The real app on a real Kestrel loopback port, on a fresh database of the chosen provider.
/// Settings are the app's own environment-variable names.
/// </summary>
public sealed class ChatHost : IAsyncDisposable
{
    public const string JwtSecret = "test-secret-0123456789-0123456789-abcdef";
    readonly WebApplicationFactory<Program> factory;
    string? sqliteFile;
    string? mediaDir;

    ChatHost(WebApplicationFactory<Program> factory, Uri address)
    {
        this.factory = factory;
        Address = address;
    }

    public Uri Address { get; }
    public IServiceProvider Services => factory.Services;

    /// <summary>
    /// Starts an app. Pass the same database to two hosts to run two nodes of one deployment.
    /// <paramref name="services"/> adds test-only services (e.g. a Serilog sink that captures the log).
    /// </summary>
    public static async Task<ChatHost> StartAsync(TestServers servers, Storage storage, Action<IDictionary<string, string?>>? configure = null,
        string? database = null, bool redis = false, Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["JWT_SECRET"] = JwtSecret,
            ["BCRYPT_WORK_FACTOR"] = "4",
            ["RATE_LIMIT_AUTH_PER_MINUTE"] = "100000",
            ["LOG_LEVEL"] = "Warning",
            // Uploads of this host only, never under the app's own App_Data.
            ["MEDIA_DIR"] = Path.Combine(Path.GetTempPath(), $"chat-test-media-{Guid.NewGuid():N}"),
        };
        string? sqliteFile = null;
        if (storage == Storage.Postgres) settings["DATABASE_URL"] = database ?? await servers.CreateDatabaseAsync();
        else
        {
            sqliteFile = database ?? Path.Combine(Path.GetTempPath(), $"chat-test-{Guid.NewGuid():N}.db");
            settings["SQLITE_CONNECTION"] = $"Data Source={sqliteFile}";
        }
        if (redis)
        {
            settings["REDIS_URL"] = servers.Redis;
            // Hosts of one deployment (same database) share a prefix; other tests' hosts never see their keys and events.
            settings["REDIS_PREFIX"] = $"t{(uint)string.GetHashCode(settings.GetValueOrDefault("DATABASE_URL") ?? settings["SQLITE_CONNECTION"]):x}:";
        }
        configure?.Invoke(settings);

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            // "ENVIRONMENT" in the settings picks the host environment (Production for the security checks).
            b.UseEnvironment(settings.GetValueOrDefault("ENVIRONMENT") ?? "Testing");
            b.UseSetting("urls", "http://127.0.0.1:0");
            foreach (var (k, v) in settings) if (v is not null) b.UseSetting(k, v);
            if (services is not null) b.ConfigureServices(services);
        });
        factory.UseKestrel();
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1"))).First();
        await Task.CompletedTask;
        return new ChatHost(factory, address) { sqliteFile = storage == Storage.Sqlite && database is null ? sqliteFile : null, mediaDir = settings["MEDIA_DIR"] };
    }

    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    static int phoneCounter = Random.Shared.Next(1_000_000, 8_000_000);

    public static string NewPhone() => "+1555" + Interlocked.Increment(ref phoneCounter).ToString("D7");

    public static object RegisterBody(string phone, string name = "Test User", string password = "correct horse 1") => new
    {
        phone,
        displayName = name,
        password,
        identityKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    };

    /// <summary>Registers a new user through the API.</summary>
    public async Task<TestUser> RegisterAsync(string? name = null, string? phone = null, string password = "correct horse 1")
    {
        phone ??= NewPhone();
        using var client = Client();
        var response = await client.PostAsJsonAsync("/auth/register", RegisterBody(phone, name ?? "User " + phone[^4..], password));
        response.EnsureSuccessStatusCode();
        var auth = (await response.Content.ReadFromJsonAsync<AuthBody>())!;
        return new TestUser(auth.User.Id, phone, auth.User.DisplayName, password, auth.Token, auth.User.IsAdmin);
    }

    public async ValueTask DisposeAsync()
    {
        await factory.DisposeAsync();
        if (mediaDir is not null && Directory.Exists(mediaDir)) Directory.Delete(mediaDir, recursive: true);
        if (sqliteFile is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { sqliteFile, sqliteFile + "-wal", sqliteFile + "-shm" }) File.Delete(f);
        }
    }
}

public sealed record TestUser(string Id, string Phone, string DisplayName, string Password, string Token, bool IsAdmin);

public sealed record AuthBody(string Token, AccountBody User);

public sealed record AccountBody(string Id, string Phone, string DisplayName, string IdentityKey, bool IsAdmin);
