namespace Chat.Web.Infrastructure;

/// <summary>The app's limits, each overridable by configuration (RATE_LIMIT_*).</summary>
public sealed class ThrottlePolicies(IConfiguration config)
{
    /// <summary>Register and login attempts per client IP.</summary>
    public ThrottlePolicy AuthPerIp { get; } = new("auth-ip", config.GetValue("RATE_LIMIT_AUTH_PER_MINUTE", 30), TimeSpan.FromMinutes(1));
    /// <summary>Login attempts per phone number, whatever the IP: slows password guessing against one account.</summary>
    public ThrottlePolicy LoginPerPhone { get; } = new("login-phone", config.GetValue("RATE_LIMIT_LOGIN_PER_PHONE", 10), TimeSpan.FromMinutes(5));
    /// <summary>Authenticated JSON API calls per user.</summary>
    public ThrottlePolicy ApiPerUser { get; } = new("api-user", config.GetValue("RATE_LIMIT_API_PER_MINUTE", 600), TimeSpan.FromMinutes(1));
    /// <summary>Key bundles fetched per user: each fetch consumes a one-time pre-key of the peer's, so draining them is limited.</summary>
    public ThrottlePolicy KeyFetchesPerUser { get; } = new("key-fetch-user", config.GetValue("RATE_LIMIT_KEY_FETCHES_PER_MINUTE", 30), TimeSpan.FromMinutes(1));
    /// <summary>Messages sent per user over sockets and forms, across all their connections.</summary>
    public ThrottlePolicy MessagesPerUser { get; } = new("messages-user", config.GetValue("RATE_LIMIT_MESSAGES_PER_10S", 200), TimeSpan.FromSeconds(10));
}
