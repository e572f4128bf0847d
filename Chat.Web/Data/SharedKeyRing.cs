using Microsoft.AspNetCore.DataProtection;

namespace Chat.Web.Data;

/// <summary>
/// The Data Protection key ring (sign-in cookies, antiforgery tokens) in the database, so that every replica reads what
/// another issued: a form rendered by one node posts to another, and no node's restart signs anyone out. Without this
/// each container would make keys of its own (and lose them with its filesystem).
/// </summary>
public static class SharedKeyRing
{
    public static IServiceCollection AddSharedKeyRing(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("e2e-chat").PersistKeysToDbContext<ChatDbContext>();
        return services;
    }
}
