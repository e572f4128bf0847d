using Chat.Web.Data;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chat.Web.Features.Health;

public sealed record ReadyResponse(bool Ok, Dictionary<string, string> Checks);

public static class HealthApi
{
    /// <summary>The checks a load balancer routes by: without them a node cannot serve. Redis is not one (a node serves while it is away).</summary>
    public const string Serving = "serving";

    /// <summary>Readiness checks; other features add theirs (Realtime adds Redis when configured).</summary>
    public static WebApplicationBuilder AddHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<DatabaseCheck>("database", tags: [Serving]).AddCheck<MigrationsCheck>("migrations", tags: [Serving])
            .AddCheck<AcceptingCheck>("accepting", tags: [Serving]);
        return builder;
    }

    public static void MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => TypedResults.Ok(new OkResponse())).WithTags("Health");
        MapReport(app, "/health/ready", _ => true);
        MapReport(app, "/health/serving", check => check.Tags.Contains(Serving));
    }

    static void MapReport(IEndpointRouteBuilder app, string path, Func<HealthCheckRegistration, bool> which) =>
        app.MapGet(path, async (HealthCheckService checks, CancellationToken ct) =>
        {
            var report = await checks.CheckHealthAsync(which, ct);
            var ok = report.Status == HealthStatus.Healthy;
            var body = new ReadyResponse(ok, report.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Healthy ? "up" : "down"));
            return TypedResults.Json(body, statusCode: ok ? 200 : 503);
        }).WithTags("Health").Produces<ReadyResponse>(200).Produces<ReadyResponse>(503);

    /// <summary>A node that is shutting down is not ready, from the first moment of its graceful stop.</summary>
    sealed class AcceptingCheck(GracefulShutdown shutdown) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct) =>
            Task.FromResult(shutdown.IsStopping ? HealthCheckResult.Unhealthy("shutting down") : HealthCheckResult.Healthy());
    }

    /// <summary>A node whose database lacks a migration it knows (another replica is still applying it) is not ready.</summary>
    sealed class MigrationsCheck(ChatDbContext db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            try
            {
                return (await db.Database.GetPendingMigrationsAsync(ct)).Any() ? HealthCheckResult.Unhealthy("pending migrations") : HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy(exception: e);
            }
        }
    }

    sealed class DatabaseCheck(ChatDbContext db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            try
            {
                // CanConnect alone only sees that a SQLite file exists; reading a table proves the schema is usable.
                return await db.Database.CanConnectAsync(timeout.Token) && await db.AppState.AnyAsync(timeout.Token)
                    ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy();
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy(exception: e);
            }
        }
    }
}
