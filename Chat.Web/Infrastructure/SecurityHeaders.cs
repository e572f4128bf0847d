using System.Security.Cryptography;
using Microsoft.AspNetCore.HttpOverrides;

namespace Chat.Web.Infrastructure;

/// <summary>
/// Response headers every page and API answer carries, and the proxy trust that decides which
/// client address and scheme the app believes.
/// </summary>
public static class SecurityHeaders
{
    const string NonceKey = "csp-nonce";

    /// <summary>The per-request nonce that the few inline scripts carry (`nonce="@Context.CspNonce()"`).</summary>
    public static string CspNonce(this HttpContext http) =>
        http.Items[NonceKey] as string ?? throw new InvalidOperationException("UseSecurityHeaders must run before pages render.");

    public static WebApplicationBuilder AddProxyTrust(this WebApplicationBuilder builder)
    {
        // X-Forwarded-For/-Proto are believed only from the proxies listed in TRUSTED_PROXIES;
        // with none listed they are ignored, so a client cannot fake its address or scheme.
        var proxies = (builder.Configuration["TRUSTED_PROXIES"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            foreach (var p in proxies)
            {
                if (System.Net.IPNetwork.TryParse(p, out var network)) o.KnownIPNetworks.Add(network);
                else o.KnownProxies.Add(System.Net.IPAddress.Parse(p));
            }
        });
        return builder;
    }

    /// <summary>First in the pipeline: every later middleware (request logging included) sees the address and scheme it decided.</summary>
    public static WebApplication UseProxyTrust(this WebApplication app)
    {
        if (!string.IsNullOrWhiteSpace(app.Configuration["TRUSTED_PROXIES"])) app.UseForwardedHeaders();
        return app;
    }

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        if (app.Environment.IsProduction()) app.UseHsts();
        var referencePage = app.Environment.IsDevelopment();
        app.Use((http, next) =>
        {
            var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            http.Items[NonceKey] = nonce;
            var h = http.Response.Headers;
            // Scripts: our own files and nonce'd inline scripts only, never eval (htmx is configured
            // without eval). Styles: our stylesheet only, so injected markup cannot restyle the page either.
            // The Development-only API reference page (/scalar) is a third-party page of inline scripts and styles.
            var (scripts, styles) = referencePage && http.Request.Path.StartsWithSegments("/scalar")
                ? ("'self' 'unsafe-inline'", "'self' 'unsafe-inline'")
                : ($"'self' 'nonce-{nonce}'", "'self'");
            h.ContentSecurityPolicy =
                $"default-src 'self'; script-src {scripts}; style-src {styles}; img-src 'self' data:; " +
                "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Referrer-Policy"] = "strict-origin-when-cross-origin";
            // The microphone for voice notes, on our own pages only; nothing else.
            h["Permissions-Policy"] = "camera=(), microphone=(self), geolocation=(), payment=(), usb=()";
            h["Cross-Origin-Opener-Policy"] = "same-origin";
            return next(http);
        });
        return app;
    }
}
