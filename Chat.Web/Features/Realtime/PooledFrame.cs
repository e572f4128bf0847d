using System.Buffers;
using System.Net.WebSockets;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// One incoming WebSocket message in a buffer rented from the shared pool and given back on Dispose, so a
/// connection holds a receive buffer only while it reads and handles a message, not while it waits for one:
/// both sockets (the JSON gateway and the browser's) wait with a zero-byte receive of their own, then read the
/// message through <see cref="ReceiveAsync"/>. (The wait is the caller's, not a helper's, so that an idle socket
/// keeps one awaiting method, not two.)
/// </summary>
public sealed class PooledFrame : IDisposable
{
    const int InitialBytes = 4096;
    byte[] buffer = [];

    public int Length { get; private set; }
    public ReadOnlyMemory<byte> Bytes => buffer.AsMemory(0, Length);
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
            frame.buffer = ArrayPool<byte>.Shared.Rent(InitialBytes);
            while (true)
            {
                if (frame.Length == frame.buffer.Length) frame.Grow();
                var result = await socket.ReceiveAsync(frame.buffer.AsMemory(frame.Length), ct);
                frame.Length += result.Count;
                frame.MessageType = result.MessageType;
                if (frame.Length > maxBytes) throw new FrameTooLargeException();
                if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close) return frame;
            }
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    void Grow()
    {
        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, Length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = bigger;
    }

    public void Dispose()
    {
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
        Length = 0;
    }
}

public sealed class FrameTooLargeException : Exception;

/// <summary>
/// A token bucket for one connection's frames, refilled from the clock when a frame arrives rather than by a
/// timer (System.Threading.RateLimiting's replenishing limiter keeps a timer per connection): an idle
/// connection's limit costs two numbers. Used by the connection's read loop only, so it takes no lock.
/// </summary>
public sealed class FrameAllowance(int perSecond, int burst, TimeProvider clock)
{
    double tokens = burst;
    long refilledAt = clock.GetTimestamp();

    public bool TryTake()
    {
        var now = clock.GetTimestamp();
        tokens = Math.Min(burst, tokens + clock.GetElapsedTime(refilledAt, now).TotalSeconds * perSecond);
        refilledAt = now;
        if (tokens < 1) return false;
        tokens--;
        return true;
    }
}
