using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Push;

public static class PushSetup
{
    /// <summary>Web Push: refuses to start in Production when PUSH_ENABLED is true and no VAPID keys are set.</summary>
    public static WebApplicationBuilder AddPush(this WebApplicationBuilder builder)
    {
        var settings = PushSettings.From(builder.Configuration);
        var options = new PushOptions(settings, VapidKeys.Load(settings, builder.Environment));
        builder.Services.AddSingleton(options);
        builder.Services.AddScoped<PushSubscriptions>();
        builder.Services.AddScoped<NotificationPreferences>();
        builder.Services.AddHttpClient(PushHttp.ClientName, c => c.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(() => PushHttp.Handler(settings.AllowPrivateEndpoints))
            .AddHttpMessageHandler(() => new OutgoingPush(options))
            .RemoveAllLoggers(); // the factory's request lines would carry the endpoint URL, a secret
        if (options.Keys is null) return builder;
        builder.Services.AddSingleton<PushQueue>();
        builder.Services.AddSingleton<IStoredMessageListener>(sp => sp.GetRequiredService<PushQueue>());
        builder.Services.AddHostedService<PushNotifier>();
        return builder;
    }
}
