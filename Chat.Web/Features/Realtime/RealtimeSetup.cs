using Chat.Web.Features.Messaging;
using Chat.Web.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Chat.Web.Features.Realtime;

public static class RealtimeSetup
{
    /// <summary>The fan-out bus and presence: in-process by default, Redis when REDIS_URL is set.</summary>
    public static WebApplicationBuilder AddRealtime(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(RealtimeSettings.From(builder.Configuration));
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<PresenceTracker>();
        services.AddSingleton<OnlineCount>();
        services.AddSingleton<TypingSignals>();
        services.AddSingleton<SocketSessions>();
        services.AddSingleton<JsonProtocol>();
        services.AddSingleton<SocketGateway>();

        var redis = ChatSettings.From(builder.Configuration).RedisConfiguration(builder.Configuration);
        if (redis is null)
        {
            services.AddSingleton<IFanout, InProcessFanout>();
            services.AddSingleton<IPresenceStore, LocalPresence>();
            return builder;
        }
        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = ConfigurationOptions.Parse(redis);
            options.AbortOnConnectFail = false;
            // During an outage commands fail at once instead of queueing: a send must not wait for Redis.
            options.BacklogPolicy = BacklogPolicy.FailFast;
            options.AsyncTimeout = options.SyncTimeout = 2000;
            options.ClientName = "chat-" + sp.GetRequiredService<ConnectionRegistry>().NodeId;
            return ConnectionMultiplexer.Connect(options);
        });
        services.AddSingleton<RedisFanout>();
        services.AddSingleton<IFanout>(sp => sp.GetRequiredService<RedisFanout>());
        services.AddHostedService(sp => sp.GetRequiredService<RedisFanout>());
        services.AddSingleton<RedisPresence>();
        services.AddSingleton<IPresenceStore>(sp => sp.GetRequiredService<RedisPresence>());
        services.AddHostedService(sp => sp.GetRequiredService<RedisPresence>());
        services.AddHealthChecks().AddCheck<RedisCheck>("redis");
        return builder;
    }

    /// <summary>
    /// The API's JSON WebSocket (upgrades of /ws and /), as middleware right after request logging: it checks its own
    /// token and needs nothing of the later middleware, which an open socket would keep alive until it closes
    /// (docs/performance-log.md, "Idle connections"). Also closes every socket with 1012 at shutdown.
    /// </summary>
    public static WebApplication UseApiSocket(this WebApplication app)
    {
        app.UseWebSockets();
        var gateway = app.Services.GetRequiredService<SocketGateway>();
        var sessions = app.Services.GetRequiredService<SocketSessions>();
        var shutdown = app.Services.GetRequiredService<GracefulShutdown>();
        app.Lifetime.ApplicationStopping.Register(() => shutdown.Begin(sessions.CloseAllForShutdown));
        app.Use((http, next) => http.WebSockets.IsWebSocketRequest && SocketGateway.IsGatewayPath(http.Request.Path) ? gateway.HandleAsync(http) : next(http));
        return app;
    }

    /// <summary>A plain (not upgrade) request to /ws is refused with a JSON error.</summary>
    public static WebApplication MapRealtime(this WebApplication app)
    {
        app.Use((http, next) => http.Request.Path == "/ws" ? SocketGateway.RefuseNonUpgradeAsync(http) : next(http));
        return app;
    }

    sealed class RedisCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            try
            {
                await redis.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy(exception: e);
            }
        }
    }
}
