using Chat.Bench.Load;
using Chat.Bench.Targets;

namespace Chat.Bench.Measurements;

public sealed record IdleResult(string Target, string Storage, int Connections, long RssBeforeBytes, long RssAfterBytes, double BytesPerConnection);

/// <summary>
/// What an idle authenticated socket costs the server: (RSS_K − RSS_0) / K, read from /proc/&lt;pid&gt;/status.
/// The server is warmed first (a few sockets opened and closed) so JIT and first-use allocations are not charged
/// to the connections, and both readings wait for memory to settle after the last handshake.
/// </summary>
public static class IdleConnections
{
    static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);
    /// <summary>Rounds of 20 warm-up sockets; BENCH_IDLE_WARMUP_ROUNDS=1 gives the warm-up of the figures before 2026-11-28 14:30.</summary>
    static readonly int WarmupRounds = int.TryParse(Environment.GetEnvironmentVariable("BENCH_IDLE_WARMUP_ROUNDS"), out var r) ? r : 10;

    public static async Task<IdleResult> MeasureAsync(IChatTarget target, IReadOnlyList<BenchUser> users, int count, TimeSpan hold = default)
    {
        // Several sockets per user when count > users: like tabs and devices of the same person.
        Uri UriFor(int i) => target.SocketUri(users[i % users.Count]);
        // Warm-up in rounds of 20 sockets opened and closed: never more than 20 open at once (a bigger batch would leave
        // the heap grown for the measured sockets to fill), but enough handshakes in all for the JIT to finish
        // recompiling the handshake path's hot methods (tiered compilation recompiles a method after 30 calls, in the
        // background). With one round of 20 that recompiling happened while the K sockets opened, and its code and
        // compiler memory (3-8 MB, varying from run to run) were charged to the connections.
        for (var round = 0; round < WarmupRounds; round++)
            foreach (var s in await BenchSocket.ConnectManyAsync([.. Enumerable.Range(0, 20).Select(UriFor)], smallBuffers: true))
                await s.DisposeAsync();
        await Task.Delay(Settle);
        var before = target.Server.ResidentBytes();
        await HoldAsync(target, 0, hold);

        var sockets = await BenchSocket.ConnectManyAsync([.. Enumerable.Range(0, count).Select(UriFor)], smallBuffers: true);
        try
        {
            await Task.Delay(Settle);
            var after = target.Server.ResidentBytes();
            await HoldAsync(target, count, hold);
            return new IdleResult(target.Name, target.Storage, count, before, after, Math.Round((after - before) / (double)count));
        }
        finally
        {
            await Task.WhenAll(sockets.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    /// <summary>With --idle-hold: time to take a heap profile of the server with 0 and then K sockets open.</summary>
    static async Task HoldAsync(IChatTarget target, int sockets, TimeSpan hold)
    {
        if (hold <= TimeSpan.Zero) return;
        Console.Error.WriteLine($"{target.Name} ({target.Storage}): pid {target.Server.Pid}, {sockets} idle sockets open, holding {hold.TotalSeconds:0} s");
        await Task.Delay(hold);
    }
}
