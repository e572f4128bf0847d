using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

public static class MessagingSetup
{
    public static WebApplicationBuilder AddMessaging(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<PairConversations>();
        builder.Services.AddSingleton<MessageSender>();
        builder.Services.AddSingleton<KnownConversations>();
        builder.Services.AddSingleton(MessageStoreFor);
        builder.Services.AddSingleton<MessageWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MessageWriter>());
        builder.Services.AddScoped<MessageHistory>();
        builder.Services.AddScoped<MessageViews>();
        builder.Services.AddScoped<Receipts>();
        builder.Services.AddScoped<Attachable>();
        builder.Services.AddSingleton<ConversationMembers>();
        builder.Services.AddScoped<ConversationChanges>();
        builder.Services.AddScoped<Inbox>();
        builder.Services.AddScoped<MessageInfo>();
        return builder;
    }

    /// <summary>The configured provider's store, on the same database as the app's DbContext.</summary>
    static MessageStore MessageStoreFor(IServiceProvider services)
    {
        using var scope = services.CreateScope();
        var database = scope.ServiceProvider.GetRequiredService<ChatDbContext>().Database;
        var connectionString = database.GetConnectionString() ?? throw new InvalidOperationException("The database has no connection string.");
        return database.IsNpgsql()
            ? new PostgresMessageStore(connectionString, services.GetRequiredService<ILogger<PostgresMessageStore>>())
            : new SqliteMessageStore(connectionString, services.GetRequiredService<WriteGate>());
    }
}
