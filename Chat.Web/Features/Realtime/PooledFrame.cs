using System.Buffers;
using System.Net.WebSockets;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// One incoming WebSocket message in a buffer rented from the shared pool and given back on Dispose, so a
/// connection holds a receive buffer only while it reads and handles a message, not while it waits for one.
/// </summary>
public sealed class PooledFrame : IDisposable
{
    const int InitialBytes = 4096;
    byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialBytes);

    public int Length { get; private set; }
    public ReadOnlyMemory<byte> Bytes => buffer.AsMemory(0, Length);

    /// <summary>Receives until the end of the message (or a close); past <paramref name="maxBytes"/> it throws <see cref="FrameTooLargeException"/>.</summary>
    public async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(WebSocket socket, int maxBytes, CancellationToken ct)
    {
        while (true)
        {
            if (Length == buffer.Length) Grow();
            var result = await socket.ReceiveAsync(buffer.AsMemory(Length), ct);
            Length += result.Count;
            if (Length > maxBytes) throw new FrameTooLargeException();
            if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close) return result;
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
        ArrayPool<byte>.Shared.Return(buffer);
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
