namespace Chat.Web.Features.Conversations;

public static class ConversationsSetup
{
    /// <summary>The chat screen's services: its reads, its list fragments and its live socket.</summary>
    public static WebApplicationBuilder AddConversations(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ConversationList>();
        builder.Services.AddScoped<DisplayNames>();
        builder.Services.AddScoped<MessageInContext>();
        builder.Services.AddSingleton<ListUpdates>();
        builder.Services.AddSingleton<BrowserSocket>();
        return builder;
    }

    /// <summary>The browser's socket (cookie-authenticated, so after authentication) and its SSE stream.</summary>
    public static WebApplication MapConversations(this WebApplication app)
    {
        var socket = app.Services.GetRequiredService<BrowserSocket>();
        app.Use((http, next) => http.Request.Path == BrowserSocket.Path ? socket.HandleAsync(http) : next(http));
        app.MapUserEvents();
        return app;
    }
}
