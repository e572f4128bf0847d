using System.Net.WebSockets;
using Chat.Web.Features.Messaging;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// One open WebSocket, JSON or browser alike; its <see cref="ISocketProtocol"/> reads frames and renders events. A read
/// loop handles the client's frames in order, within a per-socket allowance. Everything the server sends — replies, bus
/// events, a catch-up, the closing frame — goes through one bounded <see cref="OutboundQueue{T}"/>, one item at a time,
/// so frames never interleave and a slow reader costs bounded memory. Idle, it awaits one zero-byte receive, nothing else.
/// </summary>
public sealed class SocketSession : IChatEventSink
{
    /// <summary>Close codes (4401 = the HTTP status, in the application range).</summary>
    public const WebSocketCloseStatus Unauthorized = (WebSocketCloseStatus)4401;
    public const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;
    static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    abstract record Outbound
    {
        public sealed record Event(ChatEvent Value) : Outbound;
        public sealed record Reply(object Value) : Outbound;
        public sealed record CatchUp(Dictionary<long, long> Since, bool ListedOnly) : Outbound;
        public sealed record Close(WebSocketCloseStatus Status, string Reason) : Outbound;
    }

    readonly WebSocket socket;
    readonly ISocketProtocol protocol;
    readonly SocketSessions host;
    readonly OutboundQueue<Outbound> outbound;
    readonly CancellationTokenSource aborted = new();
    readonly FrameAllowance frames;
    volatile bool closing;

    CatchUp? catchUp; // created when first needed: an idle session does not pay for it

    internal SocketSession(WebSocket socket, string id, long userId, ISocketProtocol protocol, SocketSessions host)
    {
        this.socket = socket;
        this.protocol = protocol;
        this.host = host;
        Id = id;
        UserId = userId;
        outbound = new(host.Settings.QueueCapacity);
        if (protocol.Greeting is { } greeting) outbound.TryWrite(new Outbound.Reply(greeting));
        frames = new FrameAllowance(host.Settings.FramesPerSecond, host.Settings.FrameBurst, host.Clock);
    }

    public string Id { get; }
    public long UserId { get; }
    public ISocketProtocol Protocol => protocol;

    public bool TryEnqueue(ChatEvent e)
    {
        if (e is SessionsRevokedEvent)
        {
            Close(Unauthorized, "session revoked");
            return true;
        }
        if (outbound.TryWrite(new Outbound.Event(e))) return true;
        if (closing) return false;
        ChatTelemetry.DroppedSockets.Add(1);
        Abort("outbound queue full (the client does not read)");
        return false;
    }

    /// <summary>Queues a reply, waiting while the queue is full: a client that does not read stops being read.</summary>
    public ValueTask SendAsync(object reply) => outbound.WriteAsync(new Outbound.Reply(reply), aborted.Token);

    /// <summary>
    /// Queues a catch-up: every message after <paramref name="since"/>'s seq (0 for a conversation not listed) of each of
    /// the user's conversations, or of the listed ones only. Live events queue behind it meanwhile.
    /// </summary>
    public ValueTask CatchUpAsync(Dictionary<long, long> since, bool listedOnly) =>
        outbound.WriteAsync(new Outbound.CatchUp(since, listedOnly), aborted.Token);

    /// <summary>Sends a closing frame after what is already queued; aborts if even that cannot be queued.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        if (closing) return;
        closing = true;
        if (!outbound.TryWrite(new Outbound.Close(status, reason))) Abort("outbound queue full while closing");
    }

    void Abort(string why)
    {
        if (aborted.IsCancellationRequested) return;
        host.Log.LogInformation("Dropping WebSocket {ConnectionId}: {Reason}", Id, why);
        closing = true;
        aborted.Cancel();
        socket.Abort();
    }

    /// <summary>Registers the session for events, reads until the socket closes, then unregisters it.</summary>
    public async Task RunAsync(int tokenVersion)
    {
        await host.RegisterAsync(this, tokenVersion);
        outbound.Start(SendQueuedAsync); // the greeting first: from now on events reach the session too
        try
        {
            await ReadAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The peer went away or we dropped it.
        }
        finally
        {
            // What is queued still goes out, for at most the close handshake's time.
            closing = true;
            var sent = outbound.CompleteAsync();
            if (await Task.WhenAny(sent, Task.Delay(CloseHandshakeTimeout)) != sent) Abort("sending did not finish");
            await sent;
            await host.UnregisterAsync(this);
            aborted.Dispose();
        }
    }

    async Task ReadAsync()
    {
        while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            // A zero-byte receive holds no buffer, and no cancellation registration (Abort aborts the socket instead).
            var next = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
            PooledFrame received;
            try
            {
                received = await PooledFrame.ReceiveAsync(socket, next, RealtimeSettings.MaxFrameBytes, aborted.Token);
            }
            catch (FrameTooLargeException)
            {
                Close(WebSocketCloseStatus.MessageTooBig, $"frames are limited to {RealtimeSettings.MaxFrameBytes} bytes");
                await DrainUntilClosedAsync();
                return;
            }
            using var frame = received;
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                Close(WebSocketCloseStatus.NormalClosure, "bye");
                return;
            }
            if (closing) continue; // a close is under way: ignore what still comes in
            if (!frames.TryTake())
            {
                ChatTelemetry.RateLimited.Add(1, new KeyValuePair<string, object?>("policy", "ws-frames"));
                await protocol.RefuseAsync(this, "rate_limited", "Too many frames; slow down.");
            }
            else if (frame.MessageType == WebSocketMessageType.Binary) await protocol.RefuseAsync(this, "unsupported_frame", "Frames are JSON text.");
            else await protocol.ReceiveAsync(this, frame.Bytes, aborted.Token);
        }
    }

    /// <summary>After our closing frame: read and discard until the client's, for a clean close handshake.</summary>
    async Task DrainUntilClosedAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted.Token);
        timeout.CancelAfter(CloseHandshakeTimeout);
        var scratch = new byte[4096];
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
                if ((await socket.ReceiveAsync(scratch.AsMemory(), timeout.Token)).MessageType == WebSocketMessageType.Close) return;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }

    /// <summary>Sends one queued item (the queue calls it, one at a time); false stops the sending for good.</summary>
    async ValueTask<bool> SendQueuedAsync(Outbound item)
    {
        try
        {
            switch (item)
            {
                case Outbound.Close close:
                    if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                        await socket.CloseOutputAsync(close.Status, close.Reason, aborted.Token);
                    // A client that never answers our closing frame must not hold the session (or shutdown) open.
                    aborted.Token.UnsafeRegister(static s => ((WebSocket)s!).Abort(), socket);
                    aborted.CancelAfter(CloseHandshakeTimeout);
                    return false;
                case Outbound.CatchUp request:
                    await CatchUpAsync(request);
                    break;
                case Outbound.Event { Value: MessageEvent m }:
                    if ((catchUp ??= new()).IsNew(m.Message)) await protocol.WriteAsync(this, m, aborted.Token);
                    break;
                case Outbound.Event { Value: AckEvent ack }:
                    _ = (catchUp ??= new()).IsNew(ack.Message); // an acked message is not caught up to its sender
                    await protocol.WriteAsync(this, ack, aborted.Token);
                    break;
                case Outbound.Event e:
                    await protocol.WriteAsync(this, e.Value, aborted.Token);
                    break;
                case Outbound.Reply r:
                    await protocol.WriteAsync(this, r.Value, aborted.Token);
                    break;
            }
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            Abort("write failed");
            return false;
        }
        catch (Exception e)
        {
            host.Log.LogError(e, "Sending failed on WebSocket {ConnectionId}", Id);
            Abort("write failed");
            return false;
        }
    }

    async Task CatchUpAsync(Outbound.CatchUp request)
    {
        try
        {
            await using var scope = host.Scopes.CreateAsyncScope();
            var (positions, sent) = await (catchUp ??= new()).RunAsync(scope.ServiceProvider.GetRequiredService<MessageHistory>(), UserId,
                request.Since, request.ListedOnly, m => protocol.WriteCaughtUpAsync(this, m, aborted.Token), aborted.Token);
            await protocol.WriteCatchUpEndAsync(this, positions, sent, aborted.Token);
        }
        catch (Exception e) when (e is not (OperationCanceledException or WebSocketException or IOException))
        {
            host.Log.LogError(e, "Catch-up failed on WebSocket {ConnectionId}", Id);
            await protocol.WriteAsync(this, new ErrorEvent("server_error", "The sync failed; send it again.", "sync"), aborted.Token);
        }
    }

    /// <summary>One text frame, for the protocol's writer; nothing once the socket is closing.</summary>
    public async Task WriteTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken ct)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        await socket.SendAsync(utf8, WebSocketMessageType.Text, endOfMessage: true, ct);
    }
}
