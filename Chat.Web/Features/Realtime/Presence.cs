using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Chat.Web.Features.Realtime;

/// <summary>Counts a user's connections across nodes; answers whether a change crossed online/offline.</summary>
public interface IPresenceStore
{
    /// <summary>True when this connection made the user online (their first anywhere).</summary>
    Task<bool> ConnectedAsync(IChatEventSink connection);
    /// <summary>True when this was the user's last connection anywhere.</summary>
    Task<bool> DisconnectedAsync(IChatEventSink connection);
    Task<bool> IsOnlineAsync(long userId);
}

/// <summary>
/// One node: the connections that count for presence, here. (Not every registered sink counts: an SSE
/// subscription only listens.) Also the fallback of <see cref="RedisPresence"/> while Redis is down.
/// </summary>
public sealed class LocalPresence : IPresenceStore
{
    readonly Dictionary<string, IChatEventSink> present = [];
    readonly Dictionary<long, int> perUser = [];

    public IChatEventSink[] Connections { get { lock (present) return present.Values.ToArray(); } }

    public Task<bool> ConnectedAsync(IChatEventSink c)
    {
        lock (present)
        {
            if (!present.TryAdd(c.Id, c)) return Task.FromResult(false);
            perUser[c.UserId] = perUser.GetValueOrDefault(c.UserId) + 1;
            return Task.FromResult(perUser[c.UserId] == 1);
        }
    }

    public Task<bool> DisconnectedAsync(IChatEventSink c)
    {
        lock (present)
        {
            if (!present.Remove(c.Id)) return Task.FromResult(false);
            var left = perUser[c.UserId] - 1;
            if (left == 0) perUser.Remove(c.UserId); else perUser[c.UserId] = left;
            return Task.FromResult(left == 0);
        }
    }

    public Task<bool> IsOnlineAsync(long userId)
    {
        lock (present) return Task.FromResult(perUser.ContainsKey(userId));
    }
}

/// <summary>
/// Many nodes: a sorted set per user (<c>{REDIS_PREFIX}presence:{userId}</c>) of connection ids scored by an
/// expiry time. Each node refreshes its connections' expiry every <see cref="Heartbeat"/>, so the
/// connections of a node that crashed lapse after <see cref="Lifetime"/> instead of keeping users
/// online forever. The scripts make "add and count" atomic, so exactly one connection sees 1 (or 0).
/// While Redis is down it falls back to this node's own count.
/// </summary>
public sealed class RedisPresence(IConnectionMultiplexer redis, RealtimeSettings settings, TimeProvider clock, ILogger<RedisPresence> log)
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

/// <summary>
/// Turns connection changes into presence: when a user's first connection opens or last one closes
/// (on any node), the peers they have a conversation with get a <see cref="PresenceEvent"/>;
/// going offline stores <c>LastSeenAt</c>.
/// </summary>
public sealed class PresenceTracker(IPresenceStore store, IFanout fanout, IServiceScopeFactory scopes, TimeProvider clock)
{
    public async Task ConnectedAsync(IChatEventSink connection, CancellationToken ct)
    {
        if (!await store.ConnectedAsync(connection)) return;
        await PublishAsync(connection.UserId, new PresenceEvent(connection.UserId.ToString(), true, null), ct);
    }

    public async Task DisconnectedAsync(IChatEventSink connection, CancellationToken ct)
    {
        if (!await store.DisconnectedAsync(connection)) return;
        var now = clock.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % 10)); // microseconds: what PostgreSQL keeps
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
            using (await scope.ServiceProvider.GetRequiredService<WriteGate>().EnterAsync(ct))
                await db.Users.Where(u => u.Id == connection.UserId).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastSeenAt, now), ct);
        }
        await PublishAsync(connection.UserId, new PresenceEvent(connection.UserId.ToString(), false, now), ct);
    }

    async Task PublishAsync(long userId, PresenceEvent e, CancellationToken ct)
    {
        var peers = await PeersOfAsync(userId, ct);
        if (peers.Length > 0) await fanout.PublishAsync(Delivery.To(e, peers), ct);
    }

    /// <summary>Whether the user has a connection on any node now (for pages that show a dot).</summary>
    public Task<bool> IsOnlineAsync(long userId) => store.IsOnlineAsync(userId);

    /// <summary>Everyone <paramref name="userId"/> has a conversation with.</summary>
    public async Task<long[]> PeersOfAsync(long userId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        return await db.Conversations.AsNoTracking().Where(c => c.AId == userId || c.BId == userId)
            .Select(c => c.AId == userId ? c.BId : c.AId).ToArrayAsync(ct);
    }
}
