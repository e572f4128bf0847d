using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Chat.Web.Infrastructure;

/// <summary>
/// OpenTelemetry, only when asked for: OTLP export of traces and metrics when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is
/// set, a Prometheus scrape endpoint at <c>/metrics</c> when <c>METRICS_PROMETHEUS</c> is true. Traces: ASP.NET Core,
/// HttpClient, Npgsql, Redis and the app's own spans of a send (see <see cref="ChatTelemetry"/>); log lines written inside a
/// span carry its trace and span ids (Serilog's <c>@tr</c>, <c>@sp</c>).
/// </summary>
public static class TelemetrySetup
{
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var prometheus = builder.Configuration.GetValue<bool>("METRICS_PROMETHEUS");
        if (!otlp && !prometheus) return builder;
        var otel = builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("e2e-chat"));
        otel.WithMetrics(m =>
        {
            m.AddMeter(ChatTelemetry.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
            if (prometheus) m.AddPrometheusExporter();
            if (otlp) m.AddOtlpExporter();
        });
        if (otlp)
            otel.WithTracing(t =>
            {
                t.AddSource(ChatTelemetry.Name).AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = r => !r.Options.TryGetValue(ChatTelemetry.Untraced, out _)).AddNpgsql();
                // The Redis multiplexer is found in the services when there is one.
                if (ChatSettings.From(builder.Configuration).RedisConfiguration(builder.Configuration) is not null)
                    t.AddRedisInstrumentation();
                t.AddOtlpExporter();
            });
        return builder;
    }

    /// <summary>The scrape endpoint, when Prometheus is on: expose it to the scraper only (it is not behind sign-in).</summary>
    public static WebApplication MapTelemetry(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>("METRICS_PROMETHEUS")) app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
