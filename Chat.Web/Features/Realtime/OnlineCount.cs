using Chat.Web.Infrastructure;
using StackExchange.Redis;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// How many people are online now, across nodes: the "online now" of the landing page and the admin dashboard.
/// One node: the users of the connections that count for presence. With Redis: the presence sets
/// (<c>{REDIS_PREFIX}presence:{userId}</c>, kept by <see cref="RedisPresence"/>) that hold a connection not yet expired.
/// </summary>
public sealed class OnlineCount(IPresenceStore store, ConnectionRegistry registry, ChatSettings settings, TimeProvider clock,
    IServiceProvider services, ILogger<OnlineCount> log)
{
    /// <summary>
    /// The landing page is public and the Redis count scans keys, so the answer is kept this long: a burst of
    /// visitors costs one scan, and the number is as fresh as a person can notice.
    /// </summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    readonly SemaphoreSlim counting = new(1, 1);
    (int Count, DateTimeOffset At)? cached;

    public async Task<int> CountAsync(CancellationToken ct)
    {
        if (store is LocalPresence local) return local.Connections.Select(c => c.UserId).Distinct().Count();
        if (Fresh() is { } count) return count;
        await counting.WaitAsync(ct);
        try
        {
            if (Fresh() is { } again) return again;
            var counted = await CountInRedisAsync();
            cached = (counted, clock.GetUtcNow());
            return counted;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Like presence itself while Redis is down: this node's own view (its open connections' users).
            log.LogWarning("Online count falls back to this node while Redis is unavailable ({Reason})", e.GetType().Name);
            return registry.All.Select(c => c.UserId).Distinct().Count();
        }
        finally
        {
            counting.Release();
        }
    }

    int? Fresh() => cached is { } c && clock.GetUtcNow() - c.At < CacheFor ? c.Count : null;

    async Task<int> CountInRedisAsync()
    {
        var redis = services.GetRequiredService<IConnectionMultiplexer>();
        var db = redis.GetDatabase();
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        // The keys' live-entry counts go out together (pipelined): one round trip's wait, not one per user.
        var counts = new List<Task<long>>();
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            await foreach (var key in server.KeysAsync(pattern: $"{settings.RedisPrefix}presence:*", pageSize: 500))
                counts.Add(db.SortedSetLengthAsync(key, now, double.PositiveInfinity));
        return (await Task.WhenAll(counts)).Count(live => live > 0);
    }
}
