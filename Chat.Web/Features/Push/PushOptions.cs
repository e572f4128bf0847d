using Lib.Net.Http.WebPush.Authentication;

namespace Chat.Web.Features.Push;

/// <summary>Push as configured: its settings, and the VAPID keys, null when push is off.</summary>
public sealed class PushOptions(PushSettings settings, VapidKeys? keys)
{
    public PushSettings Settings { get; } = settings;
    public VapidKeys? Keys { get; } = keys;

    /// <summary>Signs each push service's token (audience = its origin, cached by the library until near expiry).</summary>
    public VapidAuthentication? Authentication { get; } = keys is null ? null : new VapidAuthentication(keys.PublicKey, keys.PrivateKey) { Subject = keys.Subject };
}
