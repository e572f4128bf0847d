using Chat.Web.Data;
using Serilog;
using Serilog.Filters;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Chat.Web.Infrastructure;

public static class Logging
{
    static readonly Func<LogEvent, bool> FromEfCore = Matching.FromSource("Microsoft.EntityFrameworkCore");

    /// <summary>
    /// Serilog: readable console lines in Development, compact JSON otherwise. LOG_LEVEL sets the minimum.
    /// The hosting diagnostics ("Request starting …") are silenced because they print full URLs,
    /// and a WebSocket URL carries ?token=; our own request line logs the path without the query.
    /// </summary>
    public static WebApplicationBuilder AddChatLogging(this WebApplicationBuilder builder)
    {
        var level = Enum.TryParse<LogEventLevel>(builder.Configuration["LOG_LEVEL"], ignoreCase: true, out var l) ? l : LogEventLevel.Information;
        var json = !builder.Environment.IsDevelopment();
        // preserveStaticLogger: each host keeps its own logger (tests run several hosts in one process).
        builder.Services.AddSerilog(preserveStaticLogger: true, configureLogger: (services, cfg) =>
        {
            cfg.MinimumLevel.Is(level)
               .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
               .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
               .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
               // EF Core logs a failed save at Error even when a unique index refused the row and the app handles it
               // (a taken phone number, the loser of a race to create a row): those lines are dropped, so that an Error
               // means something went wrong. Every other failed save or query still logs at Error.
               .Filter.ByExcluding(e => e.Exception is { } x && FromEfCore(e) && DatabaseErrors.IsUniqueViolation(x))
               .ReadFrom.Services(services)
               .Enrich.FromLogContext();
            if (json) cfg.WriteTo.Console(new RenderedCompactJsonFormatter());
            else cfg.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
        });
        return builder;
    }

    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(o =>
        {
            // This host's logger: without it the middleware writes to the process-wide static logger.
            o.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            // RequestPath is the path only: query strings (which may carry a token) are never logged.
            o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            o.GetLevel = (ctx, _, ex) => ex is not null || ctx.Response.StatusCode >= 500 ? LogEventLevel.Error : LogEventLevel.Information;
        });
        return app;
    }
}
