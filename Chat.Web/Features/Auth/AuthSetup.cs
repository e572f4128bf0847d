using System.Security.Claims;
using Chat.Web.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Chat.Web.Features.Auth;

public static class AuthSetup
{
    /// <summary>JSON API endpoints: bearer JWT only, so a browser cookie never authorises an API call.</summary>
    public const string ApiPolicy = "api";
    public const string AdminApiPolicy = "api-admin";
    /// <summary>Browser pages: the cookie.</summary>
    public const string AdminPagePolicy = "page-admin";

    public static WebApplicationBuilder AddChatAuth(this WebApplicationBuilder builder)
    {
        var settings = ChatSettings.From(builder.Configuration);
        var tokens = new Tokens(Tokens.LoadKey(settings, builder.Environment), TimeProvider.System);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton<Passwords>();
        builder.Services.AddScoped<Accounts>();
        builder.Services.AddScoped<CookieSession>();

        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = tokens.Validation;
                o.Events = new JwtBearerEvents
                {
                    // Browsers cannot set headers on a WebSocket; API clients may pass ?token= there.
                    OnMessageReceived = ctx =>
                    {
                        if (ctx.HttpContext.WebSockets.IsWebSocketRequest && ctx.Request.Query["token"] is [{ } t]) ctx.Token = t;
                        return Task.CompletedTask;
                    },
                    OnTokenValidated = async ctx =>
                    {
                        if (!await IsCurrentAsync(ctx.HttpContext, ctx.Principal!)) ctx.Fail("Session revoked");
                    },
                };
            })
            .AddCookie(o =>
            {
                o.Cookie.Name = "chat.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = builder.Environment.IsProduction() ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = Tokens.Lifetime;
                o.SlidingExpiration = true;
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/forbidden";
                o.Events.OnValidatePrincipal = async ctx =>
                {
                    if (!await IsCurrentAsync(ctx.HttpContext, ctx.Principal!))
                    {
                        ctx.RejectPrincipal();
                        await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                    }
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser())
            .AddPolicy(AdminApiPolicy, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser().RequireClaim(AdminClaim, "true"))
            .AddPolicy(AdminPagePolicy, p => p.RequireAuthenticatedUser().RequireClaim(AdminClaim, "true"));
        return builder;
    }

    public const string AdminClaim = "chat:admin";

    /// <summary>
    /// Every request re-checks the token version against the database, so revocation and deletion
    /// take effect at once (here, or in the endpoint's own query: <see cref="SessionCheckedByEndpoint"/>); the admin
    /// role is read here too, never trusted from the token.
    /// </summary>
    static async Task<bool> IsCurrentAsync(HttpContext http, ClaimsPrincipal principal)
    {
        if (Tokens.UserId(principal) is not { } id || Tokens.Version(principal) is not { } version) return false;
        if (http.GetEndpoint()?.Metadata.GetMetadata<SessionCheckedByEndpoint>() is not null) return true;
        var isAdmin = await http.RequestServices.GetRequiredService<Accounts>().SessionAsync(id, version, http.RequestAborted);
        if (isAdmin is null) return false;
        if (isAdmin == true) principal.AddIdentity(new ClaimsIdentity([new Claim(AdminClaim, "true")]));
        return true;
    }
}
