using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// One open connection of a user on this node, as the fan-out sees it: a <see cref="SocketSession"/> (JSON or browser)
/// or an SSE stream's subscription. They all receive the same <see cref="ChatEvent"/>s and render them differently.
/// </summary>
public interface IChatEventSink
{
    /// <summary>Unique across nodes: a send's origin names its connection by it.</summary>
    string Id { get; }
    long UserId { get; }

    /// <summary>
    /// Queues the event without waiting (the publisher never blocks on a slow reader). Returns false when the sink's
    /// bounded queue is full; the sink then disconnects itself rather than grow.
    /// </summary>
    bool TryEnqueue(ChatEvent e);
}
