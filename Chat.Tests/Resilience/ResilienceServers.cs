using System.Diagnostics;
using Chat.Tests.Infrastructure;
using Npgsql;

namespace Chat.Tests.Resilience;

/// <summary>
/// A PostgreSQL and a Redis of the failure test's own, started from the local binaries on free loopback ports like the
/// shared ones of <see cref="TestServers"/>, so the test may restart them without disturbing other tests. PostgreSQL
/// keeps its data across a restart (it is a real restart of the same cluster); Redis keeps nothing (no RDB, no AOF), as a
/// cache-only Redis would after a crash.
/// </summary>
public sealed class ResilienceServers : IAsyncDisposable
{
    static string PgBin => TestServers.PgBin;

    // initdb refuses to run as root; the Debian package's postgres user owns the cluster.
    static readonly bool AsPostgres = Environment.UserName == "root";

    ResilienceServers(string dir) => Dir = dir;

    /// <summary>The scratch directory: the cluster, Redis' pid file and the app nodes' logs.</summary>
    public string Dir { get; }
    /// <summary>Leaves the scratch directory (the nodes' logs, PostgreSQL's) behind: set when the test fails, or by CHAT_RESILIENCE_KEEP=1.</summary>
    public bool Keep { get; set; } = Environment.GetEnvironmentVariable("CHAT_RESILIENCE_KEEP") == "1";
    public int PostgresPort { get; private set; }
    public int RedisPort { get; private set; }
    string PgData => Path.Combine(Dir, "pg", "data");
    string RedisPidFile => Path.Combine(Dir, "redis.pid");

    /// <summary>The app's database (created at start) as a Npgsql connection string.</summary>
    public string Database => $"Host=127.0.0.1;Port={PostgresPort};Username=postgres;Database=chat;Pooling=true;Maximum Pool Size=40;Timeout=5";

    /// <summary>A StackExchange.Redis configuration string that lets the app start and run while Redis is down.</summary>
    public string Redis => $"127.0.0.1:{RedisPort},abortConnect=false,connectTimeout=2000";

    public static async Task<ResilienceServers> StartAsync()
    {
        var servers = new ResilienceServers(Path.Combine(Path.GetTempPath(), $"chat-resilience-{Environment.ProcessId}-{Guid.NewGuid():N}"[..48]));
        Directory.CreateDirectory(servers.Dir);
        try
        {
            await Task.WhenAll(servers.StartPostgresAsync(), servers.StartRedisAsync());
            await using var conn = new NpgsqlConnection($"Host=127.0.0.1;Port={servers.PostgresPort};Username=postgres;Database=postgres;Pooling=false");
            await conn.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE chat", conn);
            await create.ExecuteNonQueryAsync();
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
        return servers;
    }

    async Task StartPostgresAsync()
    {
        var pg = Path.Combine(Dir, "pg");
        Directory.CreateDirectory(pg);
        PostgresPort = TestServers.FreePort();
        if (AsPostgres) await RunAsync("chown", $"-R postgres {pg}");
        await RunAsync(PgBin + "/initdb", $"-D {PgData} -U postgres --auth=trust -E UTF8 --locale=C.UTF-8", AsPostgres);
        await PgCtlStartAsync();
    }

    Task PgCtlStartAsync() => RunAsync(PgBin + "/pg_ctl",
        $"-D {PgData} -l {Dir}/pg/log -w -t 30 -o \"-p {PostgresPort} -k {Dir}/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off\" start", AsPostgres);

    async Task StartRedisAsync()
    {
        RedisPort = TestServers.FreePort();
        await RedisServerAsync();
    }

    async Task RedisServerAsync()
    {
        File.Delete(RedisPidFile);
        await RunAsync("redis-server", $"--port {RedisPort} --bind 127.0.0.1 --save \"\" --appendonly no --daemonize yes --dir {Dir} --pidfile {RedisPidFile}");
        for (var i = 0; i < 100; i++)
        {
            if (await RedisAnswersAsync()) return;
            await Task.Delay(50);
        }
        throw new InvalidOperationException("redis-server did not answer PING");
    }

    async Task<bool> RedisAnswersAsync()
    {
        try
        {
            return (await OutputOfAsync("redis-cli", $"-p {RedisPort} ping")).Trim() == "PONG";
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Stops PostgreSQL with fast shutdown (open sessions are terminated, as in a failover), waits, starts it again on the same port.</summary>
    public async Task RestartPostgresAsync(TimeSpan downtime)
    {
        await RunAsync(PgBin + "/pg_ctl", $"-D {PgData} -m fast -w -t 30 stop", AsPostgres);
        await Task.Delay(downtime);
        await PgCtlStartAsync();
    }

    /// <summary>Shuts Redis down without saving (everything in it is gone), waits, starts a new one on the same port.</summary>
    public async Task RestartRedisAsync(TimeSpan downtime)
    {
        await RunAsync("redis-cli", $"-p {RedisPort} shutdown nosave");
        for (var i = 0; i < 100 && await RedisAnswersAsync(); i++) await Task.Delay(20);
        await Task.Delay(downtime);
        await RedisServerAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (PostgresPort > 0)
            try { await RunAsync(PgBin + "/pg_ctl", $"-D {PgData} -m immediate -w stop", AsPostgres); } catch (InvalidOperationException) { }
        if (RedisPort > 0)
            try { await RunAsync("redis-cli", $"-p {RedisPort} shutdown nosave"); } catch (InvalidOperationException) { }
        if (!Keep) try { Directory.Delete(Dir, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    static async Task RunAsync(string file, string args, bool asPostgres = false) => await OutputOfAsync(file, args, asPostgres);

    static async Task<string> OutputOfAsync(string file, string args, bool asPostgres = false)
    {
        var psi = asPostgres ? new ProcessStartInfo("runuser", $"-u postgres -- {file} {args}") : new ProcessStartInfo(file, args);
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args} failed ({p.ExitCode}): {await stdout}{await stderr}");
        return await stdout;
    }
}
