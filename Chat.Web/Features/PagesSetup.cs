using Chat.Web.Features.Admin;
using Chat.Web.Features.Auth;
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
            o.Conventions.AuthorizeFolder("/Groups");
            o.Conventions.AuthorizeFolder("/Push");
            o.Conventions.AuthorizeFolder("/Actions");
            o.Conventions.AuthorizeFolder("/Secret");
            o.Conventions.AuthorizeFolder("/Search");
            o.Conventions.AuthorizeFolder("/Safety");
            // A group's conversation is the chat screen too, at its own address.
            o.Conventions.AddPageRoute("/Conversations/Index", Conversations.IndexModel.GroupRoute);
            o.Conventions.AddPageRoute("/Conversations/Index", Conversations.IndexModel.SecretRoute);
            o.Conventions.AuthorizeFolder("/Admin", AuthSetup.AdminPagePolicy);
        });
        builder.Services.AddAntiforgery(o =>
        {
            o.HeaderName = "RequestVerificationToken";
            o.Cookie.Name = "chat.antiforgery";
        });
        builder.Services.AddSingleton<FragmentRenderer>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<SiteStats>();
        return builder;
    }

    public static WebApplication MapPages(this WebApplication app)
    {
        app.MapRazorPages();
        return app;
    }
}
