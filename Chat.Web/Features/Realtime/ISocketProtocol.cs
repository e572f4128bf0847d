using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// What differs between the sockets that <see cref="SocketSession"/> runs: how a client's frames are read and how
/// events are written. The JSON API speaks JSON (<see cref="JsonProtocol"/>); the chat page's htmx socket gets HTML.
/// </summary>
public interface ISocketProtocol
{
    /// <summary>The first frame, queued before the session is registered for events; null for none.</summary>
    object? Greeting { get; }

    /// <summary>Handles one text frame of the client, in order; replies go through <see cref="SocketSession.SendAsync"/>.</summary>
    Task ReceiveAsync(SocketSession session, ReadOnlyMemory<byte> frame, CancellationToken ct);

    /// <summary>A frame over the session's allowance, or of a kind the protocol does not take (binary).</summary>
    ValueTask RefuseAsync(SocketSession session, string code, string message);

    /// <summary>Writes a live event or a reply to the socket, rendered; the session's sender calls it, one at a time.</summary>
    Task WriteAsync(SocketSession session, object item, CancellationToken ct);

    /// <summary>Writes one message of a catch-up.</summary>
    Task WriteCaughtUpAsync(SocketSession session, MessageView message, CancellationToken ct);

    /// <summary>Writes the end of a catch-up: how far each conversation went, and how many messages it sent.</summary>
    Task WriteCatchUpEndAsync(SocketSession session, Dictionary<long, long> positions, int sent, CancellationToken ct);
}
