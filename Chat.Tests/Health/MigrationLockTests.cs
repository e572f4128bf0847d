using System.Diagnostics;
using Chat.Tests.Api;
using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Health;

/// <summary>Migrations at start-up under PostgreSQL's advisory lock, and the deploy pipeline's <c>--migrate-only</c>.</summary>
public sealed class MigrationLockTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_replicas_starting_together_on_an_empty_database_all_come_up_ready()
    {
        var database = await servers.CreateDatabaseAsync();
        var starting = Enumerable.Range(0, 3).Select(_ => Task.Run(() => ChatHost.StartAsync(servers, Storage.Postgres, database: database), Ct)).ToList();
        var hosts = await Task.WhenAll(starting);
        try
        {
            foreach (var host in hosts)
            {
                using var client = host.Client();
                var ready = await client.GetOkAsync("/health/ready");
                Assert.Equal("up", ready.GetProperty("checks").GetProperty("migrations").GetString());
            }
            await using var scope = hosts[0].Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
            Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync(Ct));
        }
        finally
        {
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Migrate_only_applies_the_migrations_and_exits()
    {
        var database = await servers.CreateDatabaseAsync();
        var app = Path.Combine(AppContext.BaseDirectory, "Chat.Web.dll");
        var start = new ProcessStartInfo("dotnet", [app, "--migrate-only"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory,
            Environment = { ["DATABASE_URL"] = database, ["JWT_SECRET"] = ChatHost.JwtSecret, ["ASPNETCORE_ENVIRONMENT"] = "Production" },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await output}{await errors}");
        Assert.Contains("Database ready", await output);

        await using var db = new PostgresChatDbContext(new DbContextOptionsBuilder<PostgresChatDbContext>().UseNpgsql(database).Options);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(Ct));
    }
}
