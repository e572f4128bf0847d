using System.Security.Cryptography;
using Chat.Web.Features.Admin;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Conversations;
using Chat.Web.Features.Marketing;
using Chat.Web.Features.Shared;

namespace Chat.Web.Features;

public static class PagesSetup
{
    /// <summary>Razor Pages live beside the rest of their feature: the page root is /Features.</summary>
    public static WebApplicationBuilder AddPages(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Features";
            o.Conventions.AuthorizeFolder("/Conversations");
            o.Conventions.AuthorizeFolder("/Admin", AuthSetup.AdminPagePolicy);
        });
        builder.Services.AddAntiforgery(o =>
        {
            o.HeaderName = "RequestVerificationToken";
            o.Cookie.Name = "chat.antiforgery";
        });
        builder.Services.AddSingleton<FragmentRenderer>();
        builder.Services.AddScoped<CspNonce>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<CookieSession>();
        builder.Services.AddScoped<ConversationList>();
        builder.Services.AddScoped<SiteStats>();
        return builder;
    }

    public static WebApplication MapPages(this WebApplication app)
    {
        app.UsePageSecurityHeaders();
        app.MapRazorPages();
        return app;
    }

    /// <summary>
    /// The pages' Content-Security-Policy: scripts only from this origin plus the one nonce'd theme bootstrap,
    /// no inline handlers, no eval (htmx runs with allowEval=false). A message that smuggles markup can therefore
    /// never run script even if it were rendered as HTML — and it is not: it is always encoded.
    /// </summary>
    public static WebApplication UsePageSecurityHeaders(this WebApplication app)
    {
        app.Use(async (ctx, next) =>
        {
            var nonce = ctx.RequestServices.GetRequiredService<CspNonce>().Value;
            ctx.Response.OnStarting(() =>
            {
                if (ctx.Response.ContentType?.StartsWith("text/html", StringComparison.Ordinal) == true)
                {
                    ctx.Response.Headers.ContentSecurityPolicy =
                        $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; " +
                        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
                    ctx.Response.Headers.XContentTypeOptions = "nosniff";
                    ctx.Response.Headers["Referrer-Policy"] = "same-origin";
                }
                return Task.CompletedTask;
            });
            await next();
        });
        return app;
    }
}

/// <summary>A fresh random nonce per request, for the single inline script the layout carries.</summary>
public sealed class CspNonce
{
    public string Value { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
}
