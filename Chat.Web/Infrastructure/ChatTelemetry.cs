using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Chat.Web.Infrastructure;

/// <summary>
/// The app's own traces and meters, named "Chat". Without a listener (no exporter configured) an instrument's Add and
/// StartActivity cost a check and nothing else, so the send path carries them always.
/// </summary>
public static class ChatTelemetry
{
    public const string Name = "Chat";

    /// <summary>Set on an outgoing request whose URL is a secret (a push endpoint): it gets no client span, which would carry the URL.</summary>
    public static readonly HttpRequestOptionsKey<bool> Untraced = new("chat.untraced");
    public static readonly ActivitySource Source = new(Name);
    static readonly Meter Meter = new(Name);

    public static readonly Counter<long> MessagesStored = Meter.CreateCounter<long>("chat.messages.stored", description: "Messages committed by the message writer");
    public static readonly Counter<long> MessagesDelivered = Meter.CreateCounter<long>("chat.messages.delivered", description: "Message events handed to a connection on this node");
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("chat.batch.size", description: "Messages per writer transaction");
    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>("chat.commit.duration", "ms", "Time to store one batch, commit included");
    public static readonly Histogram<double> FanoutLag = Meter.CreateHistogram<double>("chat.fanout.lag", "ms", "From a message's commit to its delivery on another node");
    public static readonly UpDownCounter<long> OpenSockets = Meter.CreateUpDownCounter<long>("chat.sockets.open", description: "Open sockets on this node, by kind");
    public static readonly Counter<long> DroppedSockets = Meter.CreateCounter<long>("chat.sockets.dropped", description: "Sockets dropped for falling behind their outbound queue");
    public static readonly Counter<long> RateLimited = Meter.CreateCounter<long>("chat.ratelimit.refused", description: "Requests and frames refused by a rate limit, by policy");
}
