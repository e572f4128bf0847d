using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Chat.Web.Infrastructure;

/// <summary>
/// The API's per-IP auth limit on a page's POST (sign-in and sign-up pages), so password guessing
/// cannot go round the API's limit through the page. Over it: 429 with Retry-After.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ThrottledPostAttribute : Attribute, IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        if (HttpMethods.IsPost(http.Request.Method))
        {
            var decision = await http.RequestServices.GetRequiredService<Throttle>()
                .HitAsync(http.RequestServices.GetRequiredService<ThrottlePolicies>().AuthPerIp, http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            if (!decision.Allowed)
            {
                ThrottleSetup.SetRetryAfter(http.Response, decision);
                context.Result = new ContentResult { StatusCode = StatusCodes.Status429TooManyRequests, Content = "Too many attempts. Try again in a minute.", ContentType = "text/plain; charset=utf-8" };
                return;
            }
        }
        await next();
    }
}
