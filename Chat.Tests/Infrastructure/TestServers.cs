using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

[assembly: AssemblyFixture(typeof(Chat.Tests.Infrastructure.TestServers))]

namespace Chat.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL and one Redis for the whole test run, started from the local binaries
/// on free loopback ports, or taken from CHAT_TEST_POSTGRES / CHAT_TEST_REDIS when set.
/// Each app under test gets a database of its own on the shared server.
/// </summary>
public sealed class TestServers : IAsyncLifetime
{
    // The newest installed PostgreSQL server (Debian keeps each major under /usr/lib/postgresql/N/bin).
    internal static readonly string PgBin = Environment.GetEnvironmentVariable("PG_BIN") ?? Directory.GetDirectories("/usr/lib/postgresql")
        .Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "postgres")))
        .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
        ?? throw new InvalidOperationException("No PostgreSQL server under /usr/lib/postgresql: run ./test.sh, which installs it.");
    string? dir;
    string? redisPidFile;

    public string PostgresAdmin { get; private set; } = "";
    public string Redis { get; private set; } = "";
    public int RedisPort { get; private set; }

    public async ValueTask InitializeAsync()
    {
        dir = Path.Combine(Path.GetTempPath(), $"chat-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        PostgresAdmin = Environment.GetEnvironmentVariable("CHAT_TEST_POSTGRES") ?? await StartPostgresAsync(dir);
        Redis = Environment.GetEnvironmentVariable("CHAT_TEST_REDIS") ?? await StartRedisAsync(dir);
    }

    /// <summary>A new empty database on the shared server; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "chat_" + Guid.NewGuid().ToString("N")[..12];
        await using var conn = new NpgsqlConnection(PostgresAdmin);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
        await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name, Pooling = true, MaxPoolSize = 50 }.ConnectionString;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    async Task<string> StartPostgresAsync(string root)
    {
        var pg = Path.Combine(root, "pg");
        Directory.CreateDirectory(pg);
        var port = FreePort();
        // initdb refuses to run as root; the Debian package's postgres user owns the cluster.
        var asPostgres = Environment.UserName == "root";
        if (asPostgres) await RunAsync("chown", $"-R postgres {pg}");
        await RunAsync(PgBin + "/initdb", $"-D {pg}/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8", asPostgres);
        await RunAsync(PgBin + "/pg_ctl",
            $"-D {pg}/data -l {pg}/log -w -o \"-p {port} -k {pg} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off\" start", asPostgres);
        stopPostgres = () => RunAsync(PgBin + "/pg_ctl", $"-D {pg}/data -m immediate stop", asPostgres);
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
    }

    async Task<string> StartRedisAsync(string root)
    {
        RedisPort = FreePort();
        redisPidFile = Path.Combine(root, "redis.pid");
        await RunAsync("redis-server", $"--port {RedisPort} --bind 127.0.0.1 --save \"\" --appendonly no --daemonize yes --dir {root} --pidfile {redisPidFile}");
        for (var i = 0; i < 50 && !File.Exists(redisPidFile); i++) await Task.Delay(50);
        return $"127.0.0.1:{RedisPort},abortConnect=false";
    }

    /// <summary>Stops the test Redis and starts it again on the same port (for outage tests).</summary>
    public async Task RestartRedisAsync(TimeSpan downtime)
    {
        if (redisPidFile is null) throw new InvalidOperationException("Redis was not started by the tests.");
        await RunAsync("redis-cli", $"-p {RedisPort} shutdown nosave");
        await Task.Delay(downtime);
        await RunAsync("redis-server", $"--port {RedisPort} --bind 127.0.0.1 --save \"\" --appendonly no --daemonize yes --dir {dir} --pidfile {redisPidFile}");
        await Task.Delay(200);
    }

    Func<Task>? stopPostgres;

    public async ValueTask DisposeAsync()
    {
        if (stopPostgres is not null) await stopPostgres();
        if (redisPidFile is not null && RedisPort > 0)
        {
            try { await RunAsync("redis-cli", $"-p {RedisPort} shutdown nosave"); } catch (InvalidOperationException) { }
        }
        if (dir is not null) try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    static async Task RunAsync(string file, string args, bool asPostgres = false)
    {
        var psi = asPostgres
            ? new ProcessStartInfo("runuser", $"-u postgres -- {file} {args}")
            : new ProcessStartInfo(file, args);
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args} failed ({p.ExitCode}): {await stdout}{await stderr}");
    }
}
