using Chat.Web.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Chat.Web.Data;

public static class StorageSetup
{
    /// <summary>PostgreSQL when DATABASE_URL (or ConnectionStrings:Postgres) is set, else a SQLite file under App_Data/.</summary>
    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        var settings = ChatSettings.From(builder.Configuration);
        var postgres = settings.PostgresConnectionString(builder.Configuration);
        if (postgres is not null)
        {
            builder.Services.AddDbContextPool<ChatDbContext, PostgresChatDbContext>(o => o.UseNpgsql(postgres).ConfigureWarnings(FailedCommandSqlAtDebug));
            builder.Services.AddSingleton(new WriteGate(serialize: false));
        }
        else
        {
            var sqlite = settings.SqliteConnection ?? DefaultSqlite(builder.Environment.ContentRootPath);
            builder.Services.AddDbContextPool<ChatDbContext, SqliteChatDbContext>(o => o.UseSqlite(sqlite).ConfigureWarnings(FailedCommandSqlAtDebug));
            // SQLite has one writer at a time; queueing writers here avoids SQLITE_BUSY under load.
            builder.Services.AddSingleton(new WriteGate(serialize: true));
        }
        builder.Services.AddHostedService<DatabaseMigrator>();
        builder.Services.AddSharedKeyRing();
        return builder;
    }

    /// <summary>Runs the migrations and returns: <c>--migrate-only</c>, for a deploy pipeline that migrates before it starts replicas.</summary>
    public static Task MigrateOnlyAsync(this WebApplication app) =>
        DatabaseMigrator.MigrateAsync(app.Services, app.Services.GetRequiredService<ILogger<DatabaseMigrator>>(), app.Lifetime.ApplicationStopping);

    /// <summary>
    /// EF Core logs the SQL of every failed command at Error, without the exception, so a log filter cannot tell a
    /// handled conflict (a unique index deciding a race; a fresh database's missing migrations history table, which
    /// EF checks and then creates) from a bug. That line goes to Debug; the failure itself is still logged at Error by
    /// EF's failed-save or failed-query line (unless it is a unique violation: <see cref="Infrastructure.Logging"/>),
    /// or it reaches the caller, which logs it or turns it into a 500 that the exception handler logs.
    /// </summary>
    static void FailedCommandSqlAtDebug(WarningsConfigurationBuilder w) => w.Log((RelationalEventId.CommandError, LogLevel.Debug));

    static string DefaultSqlite(string contentRoot)
    {
        var dir = Path.Combine(contentRoot, "App_Data");
        System.IO.Directory.CreateDirectory(dir);
        return new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, "chat.db") }.ToString();
    }
}
