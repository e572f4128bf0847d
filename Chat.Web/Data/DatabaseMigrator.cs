using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Chat.Web.Data;

/// <summary>
/// Applies the provider's migrations before the app takes requests (hosted services start before Kestrel), or alone
/// with <c>--migrate-only</c> for a deploy pipeline. On PostgreSQL under a session advisory lock, so replicas starting
/// together take turns: the first applies what is pending, the others find nothing left to do. Under the same lock the
/// first replica makes the shared key ring's first key (<see cref="SharedKeyRing"/>), so two replicas starting on an empty
/// database do not each make one and refuse the other's cookies until their next refresh.
/// </summary>
sealed class DatabaseMigrator(IServiceProvider services, ILogger<DatabaseMigrator> log) : IHostedService
{
    /// <summary>Negative, so it never meets a conversation's advisory lock (their ids are positive).</summary>
    const long MigrationLock = -0x4368_6174; // "Chat"

    public Task StartAsync(CancellationToken ct) => MigrateAsync(services, log, ct);

    public static async Task MigrateAsync(IServiceProvider services, ILogger log, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        if (db.Database.IsSqlite())
        {
            // WAL lets readers run while a writer commits; busy_timeout covers the other process case.
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            await db.Database.MigrateAsync(ct);
        }
        else
        {
            // Its own unpooled connection: closing it ends the session, and with it the lock (a pooled one would keep it).
            var unpooled = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()) { Pooling = false }.ConnectionString;
            await using var lockConnection = new NpgsqlConnection(unpooled);
            await lockConnection.OpenAsync(ct);
            await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLock})", lockConnection))
                await take.ExecuteNonQueryAsync(ct);
            await db.Database.MigrateAsync(ct);
            FirstKey(services);
        }
        log.LogInformation("Database ready ({Provider})", db.Database.ProviderName);
    }

    static void FirstKey(IServiceProvider services)
    {
        var keys = services.GetRequiredService<IKeyManager>();
        if (keys.GetAllKeys().Count > 0) return;
        var now = DateTimeOffset.UtcNow;
        keys.CreateNewKey(now, now.AddDays(90));
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
