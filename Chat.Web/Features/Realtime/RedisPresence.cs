using Chat.Web.Infrastructure;
using StackExchange.Redis;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// Presence across nodes: a sorted set per user (<c>{REDIS_PREFIX}presence:{userId}</c>) of connection ids scored by
/// expiry, refreshed every <see cref="Heartbeat"/> so a crashed node's connections lapse after <see cref="Lifetime"/>.
/// The scripts add (or remove) and count atomically, so exactly one connection sees 1 (or 0).
/// While Redis is down it falls back to this node's own count.
/// </summary>
public sealed class RedisPresence(IConnectionMultiplexer redis, ChatSettings settings, TimeProvider clock, ILogger<RedisPresence> log)
    : BackgroundService, IPresenceStore
{
    readonly LocalPresence local = new();

    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(45);

    const string AddScript = """
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return redis.call('ZCARD', KEYS[1])
        """;
    const string RemoveScript = """
        redis.call('ZREM', KEYS[1], ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        return redis.call('ZCARD', KEYS[1])
        """;

    RedisKey Key(long userId) => $"{settings.RedisPrefix}presence:{userId}";
    long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<bool> ConnectedAsync(IChatEventSink c)
    {
        var firstHere = await local.ConnectedAsync(c);
        try
        {
            var count = (long)await redis.GetDatabase().ScriptEvaluateAsync(AddScript, [Key(c.UserId)],
                [Now, Now + (long)Lifetime.TotalMilliseconds, c.Id, (long)Lifetime.TotalMilliseconds]);
            return count == 1;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            log.LogWarning("Presence falls back to this node while Redis is unavailable ({Reason})", e.GetType().Name);
            return firstHere;
        }
    }

    public async Task<bool> DisconnectedAsync(IChatEventSink c)
    {
        var lastHere = await local.DisconnectedAsync(c);
        try
        {
            return (long)await redis.GetDatabase().ScriptEvaluateAsync(RemoveScript, [Key(c.UserId)], [Now, c.Id]) == 0;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            log.LogWarning("Presence falls back to this node while Redis is unavailable ({Reason})", e.GetType().Name);
            return lastHere;
        }
    }

    public async Task<bool> IsOnlineAsync(long userId)
    {
        try
        {
            return await redis.GetDatabase().SortedSetLengthAsync(Key(userId), Now, double.PositiveInfinity) > 0;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return await local.IsOnlineAsync(userId);
        }
    }

    /// <summary>Pushes this node's connections' expiry forward (and re-adds them after a Redis restart lost them).</summary>
    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Heartbeat, clock);
        while (await timer.WaitForNextTickAsync(stopping))
        {
            if (!redis.IsConnected) continue;
            try
            {
                var db = redis.GetDatabase();
                var expiry = Now + (long)Lifetime.TotalMilliseconds;
                await Task.WhenAll(local.Connections.Select(c =>
                    db.ScriptEvaluateAsync(AddScript, [Key(c.UserId)], [Now, expiry, c.Id, (long)Lifetime.TotalMilliseconds])));
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                log.LogWarning("Presence heartbeat failed ({Reason})", e.GetType().Name);
            }
        }
    }
}
