using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Chat.Web.Infrastructure;

/// <summary>A named limit: at most <see cref="Limit"/> hits per <see cref="Window"/> for one subject (an IP, a phone, a user).</summary>
public sealed record ThrottlePolicy(string Name, int Limit, TimeSpan Window);

public readonly record struct ThrottleDecision(bool Allowed, TimeSpan RetryAfter);

/// <summary>
/// Fixed-window counters. With Redis configured they live there, so a limit holds across every node;
/// otherwise (or while Redis is unreachable) they live in this process.
/// </summary>
public sealed class Throttle(IServiceProvider services, ChatSettings settings, TimeProvider clock, ILogger<Throttle> log)
{
    readonly ConcurrentDictionary<string, LocalWindow> local = new();
    readonly ConcurrentDictionary<string, Lease> leases = new();
    IDatabase? redis;
    bool redisResolved;

    // INCRBY and PEXPIRE in one round trip; the window starts at the first hit.
    const string HitScript = """
        local n = redis.call('INCRBY', KEYS[1], ARGV[2])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            ttl = tonumber(ARGV[1])
        end
        return {n, ttl}
        """;

    public async ValueTask<ThrottleDecision> HitAsync(ThrottlePolicy policy, string subject)
    {
        var key = Key(policy, subject);
        if (await CountInRedisAsync(key, policy, hits: 1) is var (count, ttl))
            return Counted(new ThrottleDecision(count <= policy.Limit, ttl), policy);
        return Counted(HitLocal(key, policy), policy);
    }

    static ThrottleDecision Counted(ThrottleDecision d, ThrottlePolicy policy)
    {
        if (!d.Allowed) ChatTelemetry.RateLimited.Add(1, new KeyValuePair<string, object?>("policy", policy.Name));
        return d;
    }

    /// <summary>
    /// <see cref="HitAsync"/> for a limit one subject hits often (messages per user): this node takes hits from
    /// Redis a lease at a time and spends them here, so most hits cost no round trip. The limit stays a limit
    /// across nodes — leased hits count in Redis whether spent or not, so no subject ever gets more — but one
    /// spread over several nodes may be refused up to a lease's worth per node before the limit.
    /// </summary>
    public async ValueTask<ThrottleDecision> HitLeasedAsync(ThrottlePolicy policy, string subject) => Counted(await HitLeasedCoreAsync(policy, subject), policy);

    async ValueTask<ThrottleDecision> HitLeasedCoreAsync(ThrottlePolicy policy, string subject)
    {
        var key = Key(policy, subject);
        if (Redis() is null) return HitLocal(key, policy); // one node: the local counter costs no round trip anyway
        var lease = leases.GetOrAdd(key, _ => new Lease());
        if (lease.TryTake(clock.GetUtcNow())) return new ThrottleDecision(true, TimeSpan.Zero);
        // A lease of a twentieth of the limit (at most 16): a limit of 5 is counted hit by hit, 200 by tens.
        var size = Math.Clamp(policy.Limit / 20, 1, 16);
        if (await CountInRedisAsync(key, policy, size) is not var (count, ttl)) return HitLocal(key, policy);
        var granted = (int)Math.Clamp(policy.Limit - (count - size), 0, size);
        if (granted == 0) return new ThrottleDecision(false, ttl);
        var now = clock.GetUtcNow();
        lease.Add(granted - 1, now, now + ttl);
        if (leases.Count > 100_000) SweepLeases(now);
        return new ThrottleDecision(true, TimeSpan.Zero);
    }

    string Key(ThrottlePolicy policy, string subject) => $"{settings.RedisPrefix}throttle:{policy.Name}:{subject}";

    /// <summary>Counts <paramref name="hits"/> in Redis: the window's count after them and the window's time left; null without Redis.</summary>
    async ValueTask<(long Count, TimeSpan Ttl)?> CountInRedisAsync(string key, ThrottlePolicy policy, int hits)
    {
        if (Redis() is not { } db) return null;
        try
        {
            var result = (RedisResult[])(await db.ScriptEvaluateAsync(HitScript, [key], [(long)policy.Window.TotalMilliseconds, hits]))!;
            return ((long)result[0], TimeSpan.FromMilliseconds(Math.Max(0, (long)result[1])));
        }
        // A timeout is not a RedisException (RedisTimeoutException derives from TimeoutException): under load, during a
        // failover, it was one, and it failed the send with server_error instead of counting here.
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            log.LogWarning("Redis unavailable for rate limits, using this node's counters: {Message}", e.Message);
            return null;
        }
    }

    /// <summary>Hits this node took from Redis and has not spent yet, valid until the Redis window ends.</summary>
    sealed class Lease
    {
        readonly Lock gate = new();
        int remaining;
        DateTimeOffset endsAt;

        public bool TryTake(DateTimeOffset now)
        {
            lock (gate)
            {
                if (remaining == 0 || now >= endsAt) return false;
                remaining--;
                return true;
            }
        }

        public void Add(int hits, DateTimeOffset now, DateTimeOffset windowEndsAt)
        {
            lock (gate)
            {
                if (now >= endsAt) remaining = 0; // what was left of an older window went with it
                remaining += hits;
                endsAt = windowEndsAt;
            }
        }

        public bool ExpiredAt(DateTimeOffset now)
        {
            lock (gate) return now >= endsAt;
        }
    }

    void SweepLeases(DateTimeOffset now)
    {
        foreach (var (k, lease) in leases) if (lease.ExpiredAt(now)) leases.TryRemove(k, out _);
    }

    ThrottleDecision HitLocal(string key, ThrottlePolicy policy)
    {
        var now = clock.GetUtcNow();
        var window = local.AddOrUpdate(key,
            _ => new LocalWindow(now + policy.Window, 1),
            (_, w) => w.EndsAt <= now ? new LocalWindow(now + policy.Window, 1) : w with { Count = w.Count + 1 });
        if (local.Count > 100_000) Sweep(now);
        return new ThrottleDecision(window.Count <= policy.Limit, window.EndsAt - now);
    }

    void Sweep(DateTimeOffset now)
    {
        foreach (var (k, w) in local) if (w.EndsAt <= now) local.TryRemove(k, out _);
    }

    IDatabase? Redis()
    {
        if (!redisResolved)
        {
            redis = services.GetService<IConnectionMultiplexer>()?.GetDatabase();
            redisResolved = true;
        }
        return redis;
    }

    sealed record LocalWindow(DateTimeOffset EndsAt, int Count);
}
