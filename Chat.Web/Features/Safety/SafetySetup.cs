namespace Chat.Web.Features.Safety;

public static class SafetySetup
{
    public static WebApplicationBuilder AddSafety(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<Blocks>();
        builder.Services.AddScoped<Reports>();
        builder.Services.AddScoped<MessageRemoval>();
        return builder;
    }
}
