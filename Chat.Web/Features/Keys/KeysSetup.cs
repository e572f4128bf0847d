namespace Chat.Web.Features.Keys;

public static class KeysSetup
{
    public static WebApplicationBuilder AddKeys(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<KeyDirectory>();
        return builder;
    }
}
