namespace Chat.Web.Features.Actions;

public static class ActionsSetup
{
    public static WebApplicationBuilder AddActions(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(MessageActionSettings.From(builder.Configuration));
        builder.Services.AddScoped<MessageActions>();
        builder.Services.AddScoped<MessageForwarding>();
        return builder;
    }
}
