using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Data;

/// <summary>Applies the provider's migrations before the app takes requests (hosted services start before Kestrel).</summary>
sealed class DatabaseMigrator(IServiceProvider services, ILogger<DatabaseMigrator> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        if (db.Database.IsSqlite())
        {
            // WAL lets readers run while a writer commits; busy_timeout covers the other process case.
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
        await db.Database.MigrateAsync(ct);
        log.LogInformation("Database ready ({Provider})", db.Database.ProviderName);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
