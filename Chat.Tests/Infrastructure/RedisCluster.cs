using System.Diagnostics;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// A real three-master Redis Cluster on loopback (no replicas): three <c>redis-server --cluster-enabled yes</c> and
/// <c>redis-cli --cluster create</c>. A master can be restarted on its port; it comes back owning its slots (its
/// nodes file keeps them) and empty. The rest of the cluster serves its own slots meanwhile.
/// </summary>
public sealed class RedisCluster : IAsyncLifetime
{
    readonly string dir = Path.Combine(Path.GetTempPath(), $"chat-cluster-{Guid.NewGuid():N}");

    public int[] Ports { get; } = [TestServers.FreePort(), TestServers.FreePort(), TestServers.FreePort()];

    /// <summary>A StackExchange.Redis configuration string naming every master.</summary>
    public string Configuration => string.Join(",", Ports.Select(p => $"127.0.0.1:{p}")) + ",abortConnect=false";

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(dir);
        foreach (var port in Ports) await StartAsync(port);
        await RunAsync("redis-cli", ["--cluster", "create", .. Ports.Select(p => $"127.0.0.1:{p}"), "--cluster-replicas", "0", "--cluster-yes"]);
        await UntilOkAsync();
    }

    /// <summary>Stops the master on <paramref name="port"/> (nothing saved) and starts it again after <paramref name="downtime"/>.</summary>
    public async Task RestartAsync(int port, TimeSpan downtime)
    {
        await RunAsync("redis-cli", ["-p", port.ToString(), "shutdown", "nosave"], allowFailure: true);
        await Task.Delay(downtime);
        await StartAsync(port);
        await UntilOkAsync();
    }

    Task StartAsync(int port) => RunAsync("redis-server", [
        "--port", port.ToString(), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
        "--cluster-config-file", $"nodes-{port}.conf", "--cluster-node-timeout", "2000",
        // Without replicas a down master would stop the whole cluster; this keeps the others serving their slots.
        "--cluster-require-full-coverage", "no",
        "--save", "", "--appendonly", "no", "--daemonize", "yes", "--dir", dir, "--pidfile", Path.Combine(dir, $"redis-{port}.pid"),
    ]);

    /// <summary>The sharded channels with a subscriber on the master at <paramref name="port"/> (PUBSUB SHARDCHANNELS).</summary>
    public async Task<string[]> ShardChannelsAsync(int port, string pattern) =>
        (await OutputAsync("redis-cli", ["-p", port.ToString(), "pubsub", "shardchannels", pattern]))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    async Task UntilOkAsync()
    {
        for (var i = 0; i < 200; i++)
        {
            var states = await Task.WhenAll(Ports.Select(p => OutputAsync("redis-cli", ["-p", p.ToString(), "cluster", "info"])));
            if (states.All(s => s.Contains("cluster_state:ok"))) return;
            await Task.Delay(100);
        }
        throw new TimeoutException("the Redis Cluster never reported cluster_state:ok");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var port in Ports) await RunAsync("redis-cli", ["-p", port.ToString(), "shutdown", "nosave"], allowFailure: true);
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    static Task RunAsync(string file, string[] args, bool allowFailure = false) => OutputAsync(file, args, allowFailure);

    static async Task<string> OutputAsync(string file, string[] args, bool allowFailure = true)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0 && !allowFailure) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {await stdout}{await stderr}");
        return await stdout;
    }
}
