namespace Chat.Web.Infrastructure;

public static class ThrottleSetup
{
    public static WebApplicationBuilder AddThrottle(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Throttle>();
        builder.Services.AddSingleton<ThrottlePolicies>();
        return builder;
    }

    /// <summary>Limits the endpoint per client IP (anonymous endpoints) or per user (authenticated ones): 429 with Retry-After.</summary>
    public static TBuilder Throttled<TBuilder>(this TBuilder route, Func<ThrottlePolicies, ThrottlePolicy> policy, bool perUser = false)
        where TBuilder : IEndpointConventionBuilder => route.AddEndpointFilter(async (ctx, next) =>
    {
        var http = ctx.HttpContext;
        var subject = perUser
            ? http.User.FindFirst("sub")?.Value ?? "anonymous"
            : http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var decision = await http.RequestServices.GetRequiredService<Throttle>()
            .HitAsync(policy(http.RequestServices.GetRequiredService<ThrottlePolicies>()), subject);
        return decision.Allowed ? await next(ctx) : TooMany(http, decision);
    });

    public static IResult TooMany(HttpContext http, ThrottleDecision decision)
    {
        SetRetryAfter(http.Response, decision);
        return ApiErrors.Result(StatusCodes.Status429TooManyRequests, "Too many requests. Try again later.");
    }

    public static void SetRetryAfter(HttpResponse response, ThrottleDecision decision) =>
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds)).ToString();
}
