using System.Buffers;
using System.Net.WebSockets;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// One incoming WebSocket message in a <see cref="PooledBuffer"/>, given back on Dispose, so a connection holds a
/// receive buffer only while it reads and handles a message, not while it waits for one: both sockets (the JSON
/// gateway and the browser's) wait with a zero-byte receive of their own, then read the message through
/// <see cref="ReceiveAsync"/>. (The wait is the caller's, not a helper's, so that an idle socket keeps one awaiting
/// method, not two.)
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

/// <summary>
/// Bytes written into an array rented from the shared pool, which grows (doubling, by renting a larger one) as
/// needed and goes back to the pool on Dispose: a received frame, a bus message, no garbage per use.
/// </summary>
public sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    byte[] array = ArrayPool<byte>.Shared.Rent(4096);
    int written;

    public ReadOnlyMemory<byte> Written => array.AsMemory(0, written);

    public void Advance(int count) => written += count;

    /// <summary>The free space after what is written, at least <paramref name="sizeHint"/> bytes (at least one).</summary>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return array.AsMemory(written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return array.AsSpan(written);
    }

    void Reserve(int sizeHint)
    {
        if (array.Length - written >= Math.Max(sizeHint, 1)) return;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(array.Length * 2, written + sizeHint));
        array.AsSpan(0, written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(array);
        array = larger;
    }

    public void Dispose()
    {
        if (array.Length > 0) ArrayPool<byte>.Shared.Return(array);
        array = [];
        written = 0;
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
