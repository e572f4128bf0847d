namespace Chat.Web.Features.Realtime;

/// <summary>The sockets' limits, bound from the same environment-variable-style keys as ChatSettings.</summary>
public sealed class RealtimeSettings
{
    /// <summary>
    /// The largest text frame a client may send: a 64 KB ciphertext is 87,384 base64 characters,
    /// plus the envelope. Bigger closes the socket with 1009.
    /// </summary>
    public const int MaxFrameBytes = 96 * 1024;

    /// <summary>Events waiting for a connection; a consumer that falls this far behind is disconnected.</summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("WS_QUEUE_CAPACITY")] public int QueueCapacity { get; set; } = 512;
    /// <summary>Frames a connection may send per second, on average...</summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("WS_FRAMES_PER_SECOND")] public int FramesPerSecond { get; set; } = 20;
    /// <summary>...and in a burst.</summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("WS_FRAME_BURST")] public int FrameBurst { get; set; } = 100;
    /// <summary>Seconds between server pings; a client that does not answer within twice this is dropped.</summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("WS_KEEPALIVE_SECONDS")] public double KeepAliveSeconds { get; set; } = 20;

    /// <summary>Seconds after the last typing "start" at which the server sends "stop" itself.</summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("WS_TYPING_EXPIRY_SECONDS")] public double TypingExpirySeconds { get; set; } = 5;

    public static RealtimeSettings From(IConfiguration config) => config.Get<RealtimeSettings>() ?? new();
}
