using FluentValidation;
using Microsoft.AspNetCore.Http.Json;

namespace Chat.Web.Infrastructure;

public static class HttpSetup
{
    public const string ApiCors = "api";
    /// <summary>The largest request body anywhere: a 64 KB ciphertext as base64 plus its envelope.</summary>
    public const int MaxRequestBodyBytes = 128 * 1024;

    /// <summary>Settings, clock, the default address (the original API's http://localhost:4000), body limits and CORS.</summary>
    public static WebApplicationBuilder AddHttp(this WebApplicationBuilder builder)
    {
        var settings = ChatSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GracefulShutdown>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.ShutdownDrainSeconds + settings.ShutdownTimeoutSeconds));
        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls("http://localhost:4000");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        // Bad bodies throw BadHttpRequestException, which ApiErrors turns into a 4xx with the error shape.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddValidatorsFromAssemblyContaining<ChatSettings>(ServiceLifetime.Singleton);
        builder.Services.Configure<JsonOptions>(o => o.SerializerOptions.MaxDepth = 32);
        var origins = settings.AllowedOrigins(builder.Environment.IsDevelopment());
        builder.Services.AddCors(o => o.AddPolicy(ApiCors, p => p.WithOrigins(origins)
            .WithHeaders("Authorization", "Content-Type").WithMethods("GET", "POST", "PATCH", "DELETE")));
        return builder;
    }
}
