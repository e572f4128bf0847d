using System.Globalization;
using StackExchange.Redis;

namespace Chat.Bench.Targets;

/// <summary>
/// Cumulative CPU time of a target's server side: its own process, and for the app on PostgreSQL + Redis those two as
/// well (null where they cannot be read: SQLite runs inside the app, a PostgreSQL on another machine has no /proc here).
/// A run's cost is the difference of the readings before and after it.
/// </summary>
public sealed record CpuReading(TimeSpan Server, TimeSpan? Postgres = null, TimeSpan? Redis = null)
{
    public static CpuReading operator -(CpuReading after, CpuReading before) =>
        new(after.Server - before.Server, after.Postgres - before.Postgres, after.Redis - before.Redis);
}

/// <summary>Per message, in microseconds: what each part of the server side spent on it, the CPU counterpart of a latency.</summary>
public sealed record CpuPerMessage(double Server, double? Postgres, double? Redis)
{
    public double Total => Server + (Postgres ?? 0) + (Redis ?? 0);

    public static CpuPerMessage Of(CpuReading spent, long messages)
    {
        double? Micros(TimeSpan? t) => t is { } v && messages > 0 ? Math.Round(v.TotalMicroseconds / messages, 1) : null;
        return new(Micros(spent.Server) ?? 0, Micros(spent.Postgres), Micros(spent.Redis));
    }
}

/// <summary>Reads CPU time from /proc (clock ticks of 1/100 s), the kernel's own accounting.</summary>
public static class ProcStat
{
    const double TicksPerSecond = 100;

    /// <summary>The fields of /proc/&lt;pid&gt;/stat after the command name (which is in parentheses and may hold spaces): [0] is the state, [1] the parent pid.</summary>
    static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null; // gone meanwhile
        }
    }

    /// <summary>User + system time of the process itself.</summary>
    public static TimeSpan Cpu(int pid) => Fields(pid) is { } f ? Seconds(f[11], f[12]) : TimeSpan.Zero;

    public static int? ParentOf(int pid) => Fields(pid) is { } f ? int.Parse(f[1], CultureInfo.InvariantCulture) : null;

    public static string? NameOf(int pid) => File.Exists($"/proc/{pid}/comm") ? File.ReadAllText($"/proc/{pid}/comm").Trim() : null;

    /// <summary>
    /// A process and its children: its own time, the time of children that ended (cutime, cstime: the kernel adds them
    /// when the parent reaps them) and the time of those still running. PostgreSQL's postmaster is such a parent: every
    /// backend, the WAL writer, the checkpointer and each autovacuum worker is its child.
    /// </summary>
    public static TimeSpan CpuWithChildren(int pid)
    {
        if (Fields(pid) is not { } own) return TimeSpan.Zero;
        var total = Seconds(own[11], own[12]) + Seconds(own[13], own[14]);
        var parent = pid.ToString(CultureInfo.InvariantCulture);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var child) && child != pid && Fields(child) is { } f && f[1] == parent)
                total += Seconds(f[11], f[12]);
        return total;
    }

    static TimeSpan Seconds(string a, string b) =>
        TimeSpan.FromSeconds((long.Parse(a, CultureInfo.InvariantCulture) + long.Parse(b, CultureInfo.InvariantCulture)) / TicksPerSecond);
}

/// <summary>Redis's own account of its CPU time (INFO cpu): it works wherever Redis runs.</summary>
public static class RedisCpu
{
    /// <summary>User + system time of the Redis server and its forks, or null when it does not answer.</summary>
    /// <param name="configuration">The StackExchange.Redis configuration string the app gets.</param>
    public static async Task<TimeSpan?> ReadAsync(string configuration)
    {
        try
        {
            var options = ConfigurationOptions.Parse(configuration);
            options.AllowAdmin = true; // INFO is an admin command to StackExchange.Redis
            options.AbortOnConnectFail = true;
            await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
            var info = await redis.GetServer(redis.GetEndPoints()[0]).InfoAsync("cpu");
            return TimeSpan.FromSeconds(info.SelectMany(section => section)
                .Where(e => e.Key.StartsWith("used_cpu_", StringComparison.Ordinal) && !e.Key.Contains("main_thread"))
                .Sum(e => double.Parse(e.Value, CultureInfo.InvariantCulture)));
        }
        catch (Exception e) when (e is RedisException or FormatException)
        {
            return null;
        }
    }
}
