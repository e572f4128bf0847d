namespace Chat.Web.Features.Directory;

public static class DirectorySetup
{
    public static WebApplicationBuilder AddDirectory(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<UserDirectory>();
        return builder;
    }
}
