using Microsoft.Extensions.Configuration;

namespace Chat.Web.Features.Push;

/// <summary>Web Push settings, by their environment variable names (README, "Push notifications").</summary>
public sealed class PushSettings
{
    /// <summary>
    /// Unset: on when VAPID keys are configured, and outside Production (with a generated pair). True without keys in
    /// Production refuses to start; false turns push off.
    /// </summary>
    [ConfigurationKeyName("PUSH_ENABLED")] public bool? Enabled { get; set; }
    /// <summary>The application server's P-256 public key, base64url of the 65-byte uncompressed point.</summary>
    [ConfigurationKeyName("VAPID_PUBLIC_KEY")] public string? PublicKey { get; set; }
    /// <summary>Its private key, base64url of the 32-byte scalar.</summary>
    [ConfigurationKeyName("VAPID_PRIVATE_KEY")] public string? PrivateKey { get; set; }
    /// <summary>A mailto: or https: contact the push services may use (RFC 8292 "sub").</summary>
    [ConfigurationKeyName("VAPID_SUBJECT")] public string Subject { get; set; } = "mailto:admin@localhost";
    /// <summary>
    /// Accept subscription endpoints on loopback and private addresses (tests with a push service on loopback).
    /// Off by default: a server that posts to any URL a user gives it is a request-forgery vector into its network.
    /// </summary>
    [ConfigurationKeyName("PUSH_ALLOW_PRIVATE_ENDPOINTS")] public bool AllowPrivateEndpoints { get; set; }
    /// <summary>How long a conversation's first new message waits for more before its notification goes out.</summary>
    [ConfigurationKeyName("PUSH_COALESCE_MILLISECONDS")] public int CoalesceMilliseconds { get; set; } = 1000;

    public static PushSettings From(IConfiguration config) => config.Get<PushSettings>() ?? new();
}
