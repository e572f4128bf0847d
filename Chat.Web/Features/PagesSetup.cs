namespace Chat.Web.Features;

public static class PagesSetup
{
    /// <summary>Razor Pages live beside the rest of their feature: the page root is /Features.</summary>
    public static WebApplicationBuilder AddPages(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorPages(o => o.RootDirectory = "/Features");
        builder.Services.AddAntiforgery(o => o.HeaderName = "RequestVerificationToken");
        return builder;
    }

    public static WebApplication MapPages(this WebApplication app)
    {
        app.MapRazorPages();
        return app;
    }
}
