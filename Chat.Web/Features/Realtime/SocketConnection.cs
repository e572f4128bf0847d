using System.Net.WebSockets;
using System.Text.Json;
using Chat.Web.Data;
using Chat.Web.Features.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// One JSON WebSocket of the API. A read loop handles the client's frames in order (a send is queued for the writer,
/// and its commit not waited for, so a client may have many in flight); everything
/// the server sends — replies, bus events, the sync replay, the closing frame — goes through one
/// bounded <see cref="OutboundQueue{T}"/> and is sent one item at a time, so frames never interleave and a slow
/// reader costs bounded memory. Idle, the connection awaits one zero-byte receive and nothing else.
/// </summary>
public sealed class SocketConnection : IChatEventSink, IAsyncDisposable
{
    /// <summary>Close codes of the protocol (4401 = the HTTP status, in the application range).</summary>
    public const WebSocketCloseStatus Unauthorized = (WebSocketCloseStatus)4401;
    public const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;
    const int ReplayPageSize = 200;
    const int MaxTrackedLiveRanges = 4096;
    static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    abstract record Outbound
    {
        public sealed record Event(ChatEvent Value) : Outbound;
        public sealed record Frame(object Value) : Outbound;
        public sealed record Replay(Dictionary<long, long> Since) : Outbound;
        public sealed record Close(WebSocketCloseStatus Status, string Reason) : Outbound;
    }

    readonly WebSocket socket;
    readonly OutboundQueue<Outbound> outbound;
    readonly CancellationTokenSource aborted = new();
    readonly FrameAllowance frames;
    readonly ClientFrameHandler handler;
    readonly IServiceScopeFactory scopes;
    readonly ILogger log;
    volatile bool closing;

    // Sending state for exactly-once delivery around a sync (touched by SendQueuedAsync only, one item at a time). Each is created when
    // first needed (the first message or ack sent, the first sync): an idle connection does not pay for them.
    Dictionary<long, long>? replayedUpTo;
    SentSeqs? sentLiveSinceSync;

    public SocketConnection(WebSocket socket, string id, long userId, RealtimeSettings settings, ClientFrameHandler handler,
        IServiceScopeFactory scopes, TimeProvider clock, ILogger log)
    {
        this.socket = socket;
        this.handler = handler;
        this.scopes = scopes;
        this.log = log;
        Id = id;
        UserId = userId;
        outbound = new(settings.QueueCapacity);
        // "ready" is queued before the connection is registered for events, so it is always the first frame.
        outbound.TryWrite(new Outbound.Frame(new ReadyFrame()));
        frames = new FrameAllowance(settings.FramesPerSecond, settings.FrameBurst, clock);
    }

    public string Id { get; }
    public long UserId { get; }
    public CancellationToken Aborted => aborted.Token;

    public bool TryEnqueue(ChatEvent e)
    {
        if (e is SessionsRevokedEvent)
        {
            Close(Unauthorized, "session revoked");
            return true;
        }
        if (outbound.TryWrite(new Outbound.Event(e))) return true;
        if (!closing) Abort("outbound queue full (the client does not read)");
        return false;
    }

    /// <summary>Queues a reply, waiting while the queue is full: a client that does not read stops being read.</summary>
    public ValueTask SendAsync(object frame) => outbound.WriteAsync(new Outbound.Frame(frame), aborted.Token);

    /// <summary>Queues a reply without waiting (for callers that must not block); a full queue drops the connection.</summary>
    public void TryReply(object frame)
    {
        if (!outbound.TryWrite(new Outbound.Frame(frame)) && !closing) Abort("outbound queue full (the client does not read)");
    }

    public ValueTask ReplayAsync(Dictionary<long, long> since) => outbound.WriteAsync(new Outbound.Replay(since), aborted.Token);

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
        log.LogInformation("Dropping WebSocket {ConnectionId}: {Reason}", Id, why);
        closing = true;
        aborted.Cancel();
        socket.Abort();
    }

    /// <summary>Reads until the socket closes; the caller registers and unregisters the connection around this.</summary>
    public async Task RunAsync()
    {
        outbound.Start(SendQueuedAsync); // "ready" first: the connection is registered, so events from now on reach it
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                // Idle, a connection waits here and only here: a zero-byte receive holds no buffer, and no cancellation
                // registration either (Abort aborts the socket, which ends the receive).
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
                    await SendAsync(ErrorFrame.Of("rate_limited", "Too many frames; slow down.", null));
                }
                else if (frame.MessageType == WebSocketMessageType.Binary)
                {
                    await SendAsync(ErrorFrame.Of("unsupported_frame", "Frames are JSON text.", null));
                }
                else
                {
                    await handler.HandleAsync(this, frame.Bytes, aborted.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The peer went away or we dropped it.
        }
        finally
        {
            // What is queued still goes out (replies, the closing frame), for at most the close handshake's time; events
            // still arriving until the connection is unregistered are refused quietly.
            closing = true;
            var sent = outbound.CompleteAsync();
            if (await Task.WhenAny(sent, Task.Delay(CloseHandshakeTimeout)) != sent) Abort("sending did not finish");
            await sent;
        }
    }

    /// <summary>After our closing frame: read and discard until the client's closing frame, for a clean close handshake.</summary>
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
                    // A client that never answers our closing frame must not hold the connection (or shutdown) open.
                    aborted.Token.UnsafeRegister(static s => ((WebSocket)s!).Abort(), socket);
                    aborted.CancelAfter(CloseHandshakeTimeout);
                    return false;
                case Outbound.Replay replay:
                    try
                    {
                        await ReplayAsync(replay.Since, aborted.Token);
                    }
                    catch (Exception e) when (e is not (OperationCanceledException or WebSocketException or IOException))
                    {
                        log.LogError(e, "Sync replay failed on WebSocket {ConnectionId}", Id);
                        await WriteAsync(ErrorFrame.Of("server_error", "The sync failed; send it again.", "sync"), aborted.Token);
                    }
                    break;
                case Outbound.Event { Value: MessageEvent m }:
                    if (IsNewOnThisConnection(m.Message)) await WriteAsync(m, aborted.Token);
                    break;
                case Outbound.Event e:
                    await WriteAsync(e.Value, aborted.Token);
                    break;
                case Outbound.Frame { Value: AckFrame ack }:
                    _ = IsNewOnThisConnection(ack.Message); // an acked message is not replayed to its sender
                    await WriteAsync(ack, aborted.Token);
                    break;
                case Outbound.Frame f:
                    await WriteAsync(f.Value, aborted.Token);
                    break;
            }
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            Abort("write failed");
            return false;
        }
        catch (Exception e)
        {
            log.LogError(e, "Sending failed on WebSocket {ConnectionId}", Id);
            Abort("write failed");
            return false;
        }
    }

    /// <summary>
    /// A live message already sent by a replay is a duplicate; one sent live (or acked) is remembered so
    /// that a following replay skips it. Together: each message reaches a connection at most once, as an
    /// ack or as a "message".
    /// </summary>
    bool IsNewOnThisConnection(MessageView m)
    {
        var conversation = long.Parse(m.ConversationId);
        if (replayedUpTo is not null && m.Seq <= replayedUpTo.GetValueOrDefault(conversation)) return false;
        (sentLiveSinceSync ??= new SentSeqs(MaxTrackedLiveRanges)).Add(conversation, m.Seq);
        return true;
    }

    /// <summary>
    /// Sync: every message of every conversation of the user after the client's last seq (0 for a
    /// conversation it did not list), conversation by conversation in seq order, then "sync-complete".
    /// Live events queue behind the replay meanwhile.
    /// </summary>
    async Task ReplayAsync(Dictionary<long, long> since, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var history = scope.ServiceProvider.GetRequiredService<MessageHistory>();
        var conversations = await db.Conversations.AsNoTracking()
            .Where(c => c.AId == UserId || c.BId == UserId).OrderBy(c => c.Id)
            .Select(c => new { c.Id, c.LastSeq }).ToListAsync(ct);
        var sent = 0;
        var positions = new Dictionary<string, long>();
        foreach (var c in conversations)
        {
            var after = Math.Max(0, since.GetValueOrDefault(c.Id));
            var upTo = after;
            while (true)
            {
                var page = await history.AfterAsync(c.Id, upTo, ReplayPageSize, ct);
                foreach (var m in page.Items)
                {
                    if (sentLiveSinceSync?.Contains(c.Id, m.Seq) != true)
                    {
                        await WriteAsync(new MessageEvent(m), ct);
                        sent++;
                    }
                    upTo = m.Seq;
                }
                if (page.NextCursor is null) break;
            }
            replayedUpTo ??= [];
            replayedUpTo[c.Id] = Math.Max(replayedUpTo.GetValueOrDefault(c.Id), upTo);
            positions[c.Id.ToString()] = Math.Max(upTo, since.GetValueOrDefault(c.Id));
        }
        sentLiveSinceSync?.Clear();
        await WriteAsync(new SyncCompleteFrame(positions, sent), ct);
    }

    Task WriteAsync(ChatEvent e, CancellationToken ct) => WriteJsonAsync(e, typeof(ChatEvent), ct);

    Task WriteAsync(object frame, CancellationToken ct) => WriteJsonAsync(frame, frame.GetType(), ct);

    // One JSON writer per thread, pointed at each frame's buffer in turn: serialising never awaits, so no two frames share it.
    [ThreadStatic] static Utf8JsonWriter? jsonWriter;

    /// <summary>Serialised into a pooled buffer, given back once sent: a frame leaves no array (and no writer) behind.</summary>
    async Task WriteJsonAsync(object value, Type type, CancellationToken ct)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        using var json = new PooledBuffer();
        var writer = jsonWriter ??= new Utf8JsonWriter(json);
        writer.Reset(json);
        JsonSerializer.Serialize(writer, value, type, RealtimeJson.Options); // flushes into json
        await socket.SendAsync(json.Written, WebSocketMessageType.Text, endOfMessage: true, ct);
    }

    public ValueTask DisposeAsync()
    {
        aborted.Dispose();
        return ValueTask.CompletedTask;
    }
}
