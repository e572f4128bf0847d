using System.Net.WebSockets;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// One incoming WebSocket message in a <see cref="PooledBuffer"/>, returned on Dispose, so a connection holds a receive
/// buffer only while it handles a message. Callers wait with their own zero-byte receive (one awaiting method per idle
/// socket, not two), then read the message through <see cref="ReceiveAsync"/>.
/// </summary>
public sealed class PooledFrame : IDisposable
{
    PooledBuffer? bytes;

    public ReadOnlyMemory<byte> Bytes => bytes?.Written ?? ReadOnlyMemory<byte>.Empty;
    /// <summary>Text, Binary, or Close when the peer closed (then there are no bytes).</summary>
    public WebSocketMessageType MessageType { get; private set; }

    /// <summary>
    /// Receives the message whose arrival <paramref name="first"/> (the result of a zero-byte receive) reported; past
    /// <paramref name="maxBytes"/> it throws <see cref="FrameTooLargeException"/>. The caller disposes the frame.
    /// </summary>
    public static async ValueTask<PooledFrame> ReceiveAsync(WebSocket socket, ValueWebSocketReceiveResult first, int maxBytes, CancellationToken ct)
    {
        var frame = new PooledFrame { MessageType = first.MessageType };
        if (first.EndOfMessage || first.MessageType == WebSocketMessageType.Close) return frame;
        try
        {
            var bytes = frame.bytes = new PooledBuffer();
            while (true)
            {
                var result = await socket.ReceiveAsync(bytes.GetMemory(), ct);
                bytes.Advance(result.Count);
                frame.MessageType = result.MessageType;
                if (bytes.Written.Length > maxBytes) throw new FrameTooLargeException();
                if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close) return frame;
            }
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        bytes?.Dispose();
        bytes = null;
    }
}

/// <summary>Thrown by <see cref="PooledFrame.ReceiveAsync"/> when a message exceeds its size limit.</summary>
public sealed class FrameTooLargeException : Exception;
