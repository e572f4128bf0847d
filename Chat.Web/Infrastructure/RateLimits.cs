using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Chat.Web.Infrastructure;

/// <summary>Named rate-limit policies. Over the limit: 429 with Retry-After and the API error shape.</summary>
public static class RateLimits
{
    public const string Auth = "auth";

    public static WebApplicationBuilder AddRateLimits(this WebApplicationBuilder builder)
    {
        var authPerMinute = builder.Configuration.GetValue("RATE_LIMIT_AUTH_PER_MINUTE", 30);
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (ctx, ct) =>
            {
                var retry = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var r) ? r : TimeSpan.FromMinutes(1);
                ctx.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString();
                await ctx.HttpContext.Response.WriteAsJsonAsync(new ApiError("Too many requests. Try again later."), ct);
            };
            o.AddPolicy(Auth, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = authPerMinute, Window = TimeSpan.FromMinutes(1) }));
        });
        return builder;
    }
}
