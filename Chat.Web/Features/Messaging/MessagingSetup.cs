using Chat.Web.Features.Conversations;

namespace Chat.Web.Features.Messaging;

public static class MessagingSetup
{
    public static WebApplicationBuilder AddMessaging(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ConversationDirectory>();
        builder.Services.AddScoped<MessageSender>();
        builder.Services.AddSingleton<KnownConversations>();
        builder.Services.AddScoped<MessageHistory>();
        builder.Services.AddScoped<Receipts>();
        return builder;
    }
}
