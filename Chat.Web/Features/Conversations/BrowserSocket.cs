using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Chat.Web.Features.Shared;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// The browser's live socket at /chat/socket for the htmx ws extension: cookie-authenticated, same-origin only
/// (cross-site WebSocket hijacking defence), and it speaks HTML — every event becomes an out-of-band fragment
/// rendered by the same Razor components as the page. <c>?peer=</c> names the open conversation.
/// </summary>
public sealed class BrowserSocket(SocketGateway gateway, ConnectionRegistry registry, FragmentRenderer fragments, RealtimeSettings settings,
    IServiceScopeFactory scopes, IConfiguration config, IHostEnvironment env, ILogger<BrowserSocket> log)
{
    public const string Path = "/chat/socket";

    /// <summary>
    /// The chat page names its open conversation on both live channels (this socket and <see cref="UserEvents"/>) as
    /// <c>?peer=&lt;user id&gt;</c>: the query for <paramref name="peerId"/> (empty for none), and the id read back from a request.
    /// </summary>
    public static string PeerQuery(long? peerId) => peerId is { } id ? "?peer=" + id : "";
    public static long? PeerOf(HttpRequest request) => request.Query["peer"] is [{ } p] && long.TryParse(p, out var id) ? id : null;
    readonly string[] allowedOrigins = ChatSettings.From(config).AllowedOrigins(env.IsDevelopment());

    /// <summary>The handshake's Origin must be this app (scheme + host of the request) or a configured origin.</summary>
    public bool IsAllowedOrigin(HttpRequest request)
    {
        if (request.Headers.Origin is not [{ Length: > 0 } origin]) return false;
        var own = $"{request.Scheme}://{request.Host.Value}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            || allowedOrigins.Any(o => string.Equals(o.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
    }

    public async Task HandleAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        if (!IsAllowedOrigin(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        if (Tokens.UserId(http.User) is not { } me || Tokens.Version(http.User) is not { } tokenVersion || http.User.Identity?.IsAuthenticated != true)
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        long? peer = null;
        if (PeerOf(http.Request) is { } peerId && peerId != me)
        {
            await using var scope = scopes.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<Accounts>().FindAsync(peerId, http.RequestAborted) is not null) peer = peerId;
        }
        var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = TimeSpan.FromSeconds(settings.KeepAliveSeconds),
            KeepAliveTimeout = TimeSpan.FromSeconds(settings.KeepAliveSeconds * 2),
        });
        var connection = new BrowserConnection(socket, registry.NewConnectionId(), me, peer, ViewerTime.From(http.Request), settings, fragments, scopes, log);
        try
        {
            await gateway.RegisterAsync(connection, tokenVersion);
            await connection.RunAsync();
        }
        finally
        {
            await gateway.UnregisterAsync(connection);
        }
    }
}

/// <summary>One browser tab's socket: a bounded <see cref="OutboundQueue{T}"/> whose sender renders events to HTML.</summary>
sealed class BrowserConnection(WebSocket socket, string id, long userId, long? peer, ViewerTime time, RealtimeSettings settings, FragmentRenderer fragments,
    IServiceScopeFactory scopes, ILogger log) : IChatEventSink
{
    const int MaxSyncMessages = 500;
    readonly OutboundQueue<object> outbound = new(settings.QueueCapacity);
    readonly CancellationTokenSource aborted = new();
    readonly ListUpdates list = new(fragments);
    volatile bool closing;

    sealed record Html(string Value);
    sealed record Close(WebSocketCloseStatus Status, string Reason);

    public string Id => id;
    public long UserId => userId;

    public bool TryEnqueue(ChatEvent e)
    {
        if (e is SessionsRevokedEvent)
        {
            BeginClose(SocketConnection.Unauthorized, "session revoked");
            return true;
        }
        if (outbound.TryWrite(e)) return true;
        if (!closing) Abort(); // full: the tab does not read; a closing socket's queue just refuses
        return false;
    }

    /// <summary>Sends a closing frame after what is already queued; aborts if even that cannot be queued.</summary>
    void BeginClose(WebSocketCloseStatus status, string reason)
    {
        if (closing) return;
        closing = true;
        if (!outbound.TryWrite(new Close(status, reason))) Abort();
    }

    void Abort()
    {
        if (aborted.IsCancellationRequested) return;
        log.LogInformation("Dropping browser socket {ConnectionId}: queue full or write failed", Id);
        closing = true;
        aborted.Cancel();
        socket.Abort();
    }

    public async Task RunAsync()
    {
        outbound.Start(SendQueuedAsync);
        try
        {
            await ReadLoopAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            closing = true; // events still arriving until the connection is unregistered are refused quietly
            var sent = outbound.CompleteAsync();
            if (await Task.WhenAny(sent, Task.Delay(TimeSpan.FromSeconds(2))) != sent) Abort();
            await sent;
            aborted.Dispose();
        }
    }

    async Task ReadLoopAsync()
    {
        while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            var next = await socket.ReceiveAsync(Memory<byte>.Empty, aborted.Token); // waiting holds no buffer
            PooledFrame received;
            try
            {
                received = await PooledFrame.ReceiveAsync(socket, next, RealtimeSettings.MaxFrameBytes, aborted.Token);
            }
            catch (FrameTooLargeException)
            {
                BeginClose(WebSocketCloseStatus.MessageTooBig, "frame too large");
                return;
            }
            using var frame = received;
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                BeginClose(WebSocketCloseStatus.NormalClosure, "bye");
                return;
            }
            if (!closing && frame.MessageType == WebSocketMessageType.Text) await HandleFrameAsync(frame.Bytes);
        }
    }

    /// <summary>
    /// What the page sends (JSON; htmx's HEADERS are ignored): <c>{"type":"sync","after":seq}</c> on (re)connect,
    /// <c>{"type":"read","seq":n}</c> while the open conversation is visible, <c>{"type":"typing","state":"start|stop"}</c>.
    /// Everything is about the open conversation only, between this user and an existing peer.
    /// </summary>
    async Task HandleFrameAsync(ReadOnlyMemory<byte> json)
    {
        if (peer is not { } peerId) return;
        string? type; long number; string? state;
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return;
            type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            number = root.TryGetProperty("after", out var a) && a.TryGetInt64(out var av) ? av
                : root.TryGetProperty("seq", out var s) && s.TryGetInt64(out var sv) ? sv : 0;
            state = root.TryGetProperty("state", out var st) && st.ValueKind == JsonValueKind.String ? st.GetString() : null;
        }
        catch (JsonException)
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        try
        {
            switch (type)
            {
                case "typing":
                    var typing = services.GetRequiredService<TypingSignals>();
                    await (state == "start" ? typing.StartAsync(userId, peerId, aborted.Token) : typing.StopAsync(userId, peerId, aborted.Token));
                    break;
                case "read" when number > 0:
                    if (await services.GetRequiredService<ConversationDirectory>().FindAsync(userId, peerId, aborted.Token) is PairResult.Found(var c))
                        await services.GetRequiredService<Receipts>().MarkReadUpToAsync(userId, c.Id, number, aborted.Token);
                    break;
                case "sync" when number >= 0:
                    if (await services.GetRequiredService<ConversationDirectory>().FindAsync(userId, peerId, aborted.Token) is not PairResult.Found(var conv)) break;
                    var history = services.GetRequiredService<MessageHistory>();
                    var after = number;
                    var sent = 0;
                    while (sent < MaxSyncMessages)
                    {
                        var page = await history.AfterAsync(conv.Id, after, 100, aborted.Token);
                        foreach (var m in page.Items)
                        {
                            await outbound.WriteAsync(new Html(await AppendAsync(m)), aborted.Token);
                            after = m.Seq;
                            sent++;
                        }
                        if (page.NextCursor is null) break;
                    }
                    await RefreshTicksAsync(history, conv.Id, upTo: number);
                    break;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Browser socket {ConnectionId} could not handle a {Type} frame", Id, type);
        }
    }

    /// <summary>
    /// Receipts that came while the page's socket was down are not replayed by the catch-up, which sends only newer
    /// messages: so after it, the ticks of this user's messages on the page's newest page (up to <paramref name="upTo"/>)
    /// as they stand now, in one frame. The page keeps whichever tick is newer, so one it has already costs nothing.
    /// </summary>
    async Task RefreshTicksAsync(MessageHistory history, long conversationId, long upTo)
    {
        var marked = await history.MarkedAsync(conversationId, userId, upTo, ConversationList.PageSize, aborted.Token);
        if (marked.Count == 0) return;
        var ticks = new StringBuilder();
        foreach (var (id, read) in marked) ticks.Append(await TicksAsync(id, read ? TickState.Read : TickState.Delivered));
        await outbound.WriteAsync(new Html(ticks.ToString()), aborted.Token);
    }

    Task<string> TicksAsync(long messageId, TickState delivery) => fragments.RenderAsync<Ticks>(new Dictionary<string, object?>
    {
        ["MessageId"] = messageId, ["Delivery"] = delivery, ["OutOfBand"] = true,
    });

    /// <summary>
    /// A bubble appended to the open conversation, after its day's separator; the page's script replaces a bubble of the same
    /// id instead (never twice) and keeps the separator only where the day changes.
    /// </summary>
    async Task<string> AppendAsync(MessageView m) =>
        "<div hx-swap-oob=\"beforeend:#messages\">" +
        await fragments.RenderAsync<MessageList>(new Dictionary<string, object?> { ["Bubbles"] = new[] { Bubble.From(m, userId) }, ["Time"] = time }) + "</div>";

    async Task<string?> RenderAsync(ChatEvent e) => e switch
    {
        MessageEvent { Message: var m } when peer is { } p && (m.SenderId == p.ToString() || m.ReceiverId == p.ToString()) => await AppendAsync(m),
        ReceiptEvent r when long.TryParse(r.MessageId, out var messageId) => await TicksAsync(messageId, r.Kind == "read" ? TickState.Read : TickState.Delivered),
        TypingEvent t when peer is { } p && t.FromUserId == p.ToString() => await fragments.RenderAsync<TypingIndicator>(new Dictionary<string, object?>
        {
            ["PeerId"] = p, ["Typing"] = t.State == "start", ["OutOfBand"] = true,
        }),
        _ => null,
    };

    /// <summary>
    /// The conversation's list row after a message (preview, time, unread badge), moved to the top. The open
    /// conversation's row shows no badge: this page reads what arrives there (read frames), and its badge would only flash.
    /// </summary>
    async Task<string?> ListRowAsync(MessageView m)
    {
        if (!long.TryParse(m.SenderId == userId.ToString() ? m.ReceiverId : m.SenderId, out var other)) return null;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<ConversationList>().RowAsync(userId, other, aborted.Token) is not { } row) return null;
            return await list.RowAtTopAsync(other == peer ? row with { Unread = 0 } : row, active: other == peer, time);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Browser socket {ConnectionId} could not render a list row", Id);
            return null;
        }
    }

    /// <summary>Sends one queued item (the queue calls it, one at a time); false stops the sending for good.</summary>
    async ValueTask<bool> SendQueuedAsync(object item)
    {
        try
        {
            switch (item)
            {
                case Close close:
                    if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                        await socket.CloseOutputAsync(close.Status, close.Reason, aborted.Token);
                    aborted.CancelAfter(TimeSpan.FromSeconds(2));
                    return false;
                case Html html:
                    await SendAsync(html.Value);
                    break;
                case ChatEvent e:
                    if (await RenderAsync(e) is { } fragment) await SendAsync(fragment);
                    if (e is MessageEvent { Message: var sentOrReceived } && await ListRowAsync(sentOrReceived) is { } row) await SendAsync(row);
                    if (e is MessageEvent { Message: { DeliveredAt: null } m } && m.ReceiverId == userId.ToString()) await MarkDeliveredAsync(m);
                    break;
            }
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            Abort();
            return false;
        }
        catch (Exception e)
        {
            log.LogError(e, "Browser socket {ConnectionId} could not send", Id);
            Abort();
            return false;
        }
    }

    /// <summary>A message pushed to its recipient's page counts as delivered (the recipient marks only their own messages).</summary>
    async Task MarkDeliveredAsync(MessageView m)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<Receipts>().MarkAsync(userId, long.Parse(m.Id), ReceiptKind.Delivered, aborted.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Browser socket {ConnectionId} could not mark a message delivered", Id);
        }
    }

    async Task SendAsync(string html)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        await socket.SendAsync(Encoding.UTF8.GetBytes(html), WebSocketMessageType.Text, endOfMessage: true, aborted.Token);
    }
}
