using Microsoft.Extensions.Configuration;

namespace Chat.Web.Infrastructure;

/// <summary>
/// Every setting the app reads, bound once from configuration. The keys are the environment
/// variable names of the README (DATABASE_URL, …); appsettings.json may set the same keys.
/// </summary>
public sealed class ChatSettings
{
    [ConfigurationKeyName("DATABASE_URL")] public string? DatabaseUrl { get; set; }
    /// <summary>SQLite connection string used when no PostgreSQL is configured.</summary>
    [ConfigurationKeyName("SQLITE_CONNECTION")] public string? SqliteConnection { get; set; }
    [ConfigurationKeyName("REDIS_URL")] public string? RedisUrl { get; set; }
    /// <summary>Prefix of this deployment's Redis channel and keys, so deployments (or test runs) sharing a Redis never meet.</summary>
    [ConfigurationKeyName("REDIS_PREFIX")] public string RedisPrefix { get; set; } = "chat:";
    /// <summary>
    /// How many sharded channels the fan-out bus spreads over, by conversation: 1 on a single Redis; on a Redis Cluster a
    /// few per master, so that every master carries a share of the fan-out.
    /// </summary>
    [ConfigurationKeyName("REDIS_FANOUT_SHARDS")] public int RedisFanoutShards { get; set; } = 1;
    [ConfigurationKeyName("JWT_SECRET")] public string? JwtSecret { get; set; }
    [ConfigurationKeyName("ADMIN_PHONE")] public string? AdminPhone { get; set; }
    [ConfigurationKeyName("ADMIN_PASSWORD")] public string? AdminPassword { get; set; }
    /// <summary>Comma-separated origins allowed by CORS and by the browser WebSocket's Origin check.</summary>
    [ConfigurationKeyName("CORS_ORIGINS")] public string? CorsOrigins { get; set; }
    /// <summary>When no bootstrap admin is configured, the first registered user becomes admin. Off in Production unless set to true.</summary>
    [ConfigurationKeyName("AUTO_ADMIN_FIRST_USER")] public bool? AutoAdminFirstUser { get; set; }
    /// <summary>bcrypt cost. 11 by default (about 0.15 s per hash on a 2-core VM).</summary>
    [ConfigurationKeyName("BCRYPT_WORK_FACTOR")] public int BcryptWorkFactor { get; set; } = 11;

    /// <summary>Seconds between readiness turning false at shutdown and the sockets being told to go (a load balancer's time to notice).</summary>
    [ConfigurationKeyName("SHUTDOWN_DRAIN_SECONDS")] public double ShutdownDrainSeconds { get; set; }
    /// <summary>Seconds after the drain within which the node has stopped: in-flight batches stored, sockets closed.</summary>
    [ConfigurationKeyName("SHUTDOWN_TIMEOUT_SECONDS")] public double ShutdownTimeoutSeconds { get; set; } = 20;

    public static ChatSettings From(IConfiguration config) => config.Get<ChatSettings>() ?? new();

    public string? PostgresConnectionString(IConfiguration config) =>
        ToNpgsql(DatabaseUrl) ?? config.GetConnectionString("Postgres");

    public string? RedisConfiguration(IConfiguration config) =>
        ToRedis(RedisUrl) ?? config.GetConnectionString("Redis");

    public string[] AllowedOrigins(bool development)
    {
        var list = (CorsOrigins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return list.Length > 0 || !development ? list : ["http://localhost:3000"];
    }

    /// <summary>Accepts postgresql://user:pass@host:port/db?sslmode=require as well as a Npgsql connection string.</summary>
    public static string? ToNpgsql(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (!url.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) &&
            !url.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)) return url;
        var uri = new Uri(url);
        var b = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0) b.Username = Uri.UnescapeDataString(userInfo[0]);
        if (userInfo.Length > 1) b.Password = Uri.UnescapeDataString(userInfo[1]);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (kv[0].Equals("sslmode", StringComparison.OrdinalIgnoreCase) && kv.Length == 2)
                b.SslMode = Enum.Parse<Npgsql.SslMode>(kv[1], ignoreCase: true);
        }
        return b.ConnectionString;
    }

    /// <summary>Accepts redis://[:pass@]host:port as well as a StackExchange.Redis configuration string.</summary>
    public static string? ToRedis(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (!url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase)) return url;
        var uri = new Uri(url);
        var config = $"{uri.Host}:{(uri.Port > 0 ? uri.Port : 6379)}";
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo.Length == 2 && userInfo[1].Length > 0) config += $",password={Uri.UnescapeDataString(userInfo[1])}";
        return config + ",abortConnect=false";
    }
}
