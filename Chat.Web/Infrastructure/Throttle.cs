using System.Collections.Concurrent;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
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
            return new ThrottleDecision(count <= policy.Limit, ttl);
        return HitLocal(key, policy);
    }

    /// <summary>
    /// <see cref="HitAsync"/> for a limit one subject hits often (messages per user): this node takes hits from
    /// Redis a lease at a time and spends them here, so most hits cost no round trip. The limit stays a limit
    /// across nodes — leased hits count in Redis whether spent or not, so no subject ever gets more — but one
    /// spread over several nodes may be refused up to a lease's worth per node before the limit.
    /// </summary>
    public async ValueTask<ThrottleDecision> HitLeasedAsync(ThrottlePolicy policy, string subject)
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
        catch (RedisException e)
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

/// <summary>The app's limits, each overridable by configuration (RATE_LIMIT_*).</summary>
public sealed class ThrottlePolicies(IConfiguration config)
{
    /// <summary>Register and login attempts per client IP.</summary>
    public ThrottlePolicy AuthPerIp { get; } = new("auth-ip", config.GetValue("RATE_LIMIT_AUTH_PER_MINUTE", 30), TimeSpan.FromMinutes(1));
    /// <summary>Login attempts per phone number, whatever the IP: slows password guessing against one account.</summary>
    public ThrottlePolicy LoginPerPhone { get; } = new("login-phone", config.GetValue("RATE_LIMIT_LOGIN_PER_PHONE", 10), TimeSpan.FromMinutes(5));
    /// <summary>Authenticated JSON API calls per user.</summary>
    public ThrottlePolicy ApiPerUser { get; } = new("api-user", config.GetValue("RATE_LIMIT_API_PER_MINUTE", 600), TimeSpan.FromMinutes(1));
    /// <summary>Messages sent per user over sockets and forms, across all their connections.</summary>
    public ThrottlePolicy MessagesPerUser { get; } = new("messages-user", config.GetValue("RATE_LIMIT_MESSAGES_PER_10S", 200), TimeSpan.FromSeconds(10));
}

public static class ThrottleSetup
{
    public static WebApplicationBuilder AddThrottle(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Throttle>();
        builder.Services.AddSingleton<ThrottlePolicies>();
        return builder;
    }

    /// <summary>Limits the endpoint per client IP (anonymous endpoints) or per user (authenticated ones): 429 with Retry-After.</summary>
    public static TBuilder Throttled<TBuilder>(this TBuilder route, Func<ThrottlePolicies, ThrottlePolicy> policy, bool perUser = false)
        where TBuilder : IEndpointConventionBuilder => route.AddEndpointFilter(async (ctx, next) =>
    {
        var http = ctx.HttpContext;
        var subject = perUser
            ? http.User.FindFirst("sub")?.Value ?? "anonymous"
            : http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var decision = await http.RequestServices.GetRequiredService<Throttle>()
            .HitAsync(policy(http.RequestServices.GetRequiredService<ThrottlePolicies>()), subject);
        return decision.Allowed ? await next(ctx) : TooMany(http, decision);
    });

    public static IResult TooMany(HttpContext http, ThrottleDecision decision)
    {
        SetRetryAfter(http.Response, decision);
        return ApiErrors.Result(StatusCodes.Status429TooManyRequests, "Too many requests. Try again later.");
    }

    public static void SetRetryAfter(HttpResponse response, ThrottleDecision decision) =>
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds)).ToString();
}

/// <summary>
/// The API's per-IP auth limit on a page's POST (sign-in and sign-up pages), so password guessing
/// cannot go round the API's limit through the page. Over it: 429 with Retry-After.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ThrottledPostAttribute : Attribute, IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        if (HttpMethods.IsPost(http.Request.Method))
        {
            var decision = await http.RequestServices.GetRequiredService<Throttle>()
                .HitAsync(http.RequestServices.GetRequiredService<ThrottlePolicies>().AuthPerIp, http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            if (!decision.Allowed)
            {
                ThrottleSetup.SetRetryAfter(http.Response, decision);
                context.Result = new ContentResult { StatusCode = StatusCodes.Status429TooManyRequests, Content = "Too many attempts. Try again in a minute.", ContentType = "text/plain; charset=utf-8" };
                return;
            }
        }
        await next();
    }
}
