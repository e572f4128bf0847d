using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Chat.Web.Features.Shared;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// One chat tab's socket protocol: every event becomes an out-of-band HTML fragment rendered by the same Razor
/// components as the page. What the page sends (JSON; htmx's HEADERS are ignored), all about the open conversation:
/// <c>{"type":"sync","after":seq}</c> on (re)connect, <c>{"type":"read","seq":n}</c> while it is visible,
/// <c>{"type":"typing","state":"start|stop"}</c>. One per session: it knows the tab's open conversation.
/// </summary>
public sealed class BrowserProtocol(long me, long? peer, ViewerTime time, FragmentRenderer fragments, ListUpdates list, TypingSignals typing,
    IServiceScopeFactory scopes, ILogger log) : ISocketProtocol
{
    long? conversationId;
    long readUpTo;

    public object? Greeting => null;

    /// <summary>
    /// A page has no error to show for a refused frame, so the socket closes: over the allowance with 1013 ("try again
    /// later": the page reconnects after a pause and syncs), a binary frame with 1003.
    /// </summary>
    public ValueTask RefuseAsync(SocketSession session, string code, string message)
    {
        session.Close(code == "rate_limited" ? TryAgainLater : WebSocketCloseStatus.InvalidMessageType, message);
        return ValueTask.CompletedTask;
    }

    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    public async Task ReceiveAsync(SocketSession session, ReadOnlyMemory<byte> json, CancellationToken ct)
    {
        if (peer is not { } peerId || Parse(json) is not var (type, number, state)) return;
        try
        {
            if (type == "typing")
            {
                await (state == "start" ? typing.StartAsync(me, TypingTarget.Peer(peerId), ct) : typing.StopAsync(me, TypingTarget.Peer(peerId), ct));
                return;
            }
            await using var scope = scopes.CreateAsyncScope();
            var services = scope.ServiceProvider;
            switch (type)
            {
                // Only a seq past the last one marked costs a write: a burst of the same "read" costs one.
                case "read" when number > readUpTo:
                    if (await ConversationAsync(services, peerId, ct) is not { } read) break;
                    readUpTo = number;
                    await services.GetRequiredService<Receipts>().MarkReadUpToAsync(me, read, number, ct);
                    break;
                case "sync" when number >= 0:
                    if (await ConversationAsync(services, peerId, ct) is { } open) await session.CatchUpAsync(new() { [open] = number }, listedOnly: true);
                    break;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Browser socket {ConnectionId} could not handle a {Type} frame", session.Id, type);
        }
    }

    static (string? Type, long Number, string? State)? Parse(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var number = root.TryGetProperty("after", out var a) && a.TryGetInt64(out var av) ? av
                : root.TryGetProperty("seq", out var s) && s.TryGetInt64(out var sv) ? sv : 0;
            var state = root.TryGetProperty("state", out var st) && st.ValueKind == JsonValueKind.String ? st.GetString() : null;
            return (type, number, state);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The open conversation's id, once it exists (remembered: a pair's conversation never changes).</summary>
    async Task<long?> ConversationAsync(IServiceProvider services, long peerId, CancellationToken ct) =>
        conversationId ??= await services.GetRequiredService<PairConversations>().FindAsync(me, peerId, ct) is PairResult.Found(var c) ? c.Id : null;

    public async Task WriteAsync(SocketSession session, object item, CancellationToken ct)
    {
        if (item is not ChatEvent e) return;
        if (await RenderAsync(e) is { } fragment) await SendAsync(session, fragment, ct);
        if (e is not MessageEvent { Message: var m }) return;
        if (long.TryParse(m.SenderId == me.ToString() ? m.ReceiverId : m.SenderId, out var other)
            && await ListRowAsync(session, other, ct) is { } row) await SendAsync(session, row, ct);
        if (m.DeliveredAt is null && m.ReceiverId == me.ToString()) await MarkDeliveredAsync(session, m, ct);
    }

    static Task SendAsync(SocketSession session, string html, CancellationToken ct) => session.WriteTextAsync(Encoding.UTF8.GetBytes(html), ct);

    async Task<string?> RenderAsync(ChatEvent e) => e switch
    {
        MessageEvent { Message: var m } when peer is { } p && (m.SenderId == p.ToString() || m.ReceiverId == p.ToString()) => await AppendAsync(m),
        ReceiptEvent r when long.TryParse(r.MessageId, out var messageId) => await TicksAsync(messageId, r.Kind == "read" ? TickState.Read : TickState.Delivered),
        TypingEvent t when peer is { } p && t.FromUserId == p.ToString() => await fragments.RenderAsync(TypingIndicator.Of(p, t.State == "start", outOfBand: true)),
        _ => null,
    };

    Task<string> TicksAsync(long messageId, TickState delivery) => fragments.RenderAsync(Ticks.Of(messageId, delivery, outOfBand: true));

    /// <summary>
    /// A bubble appended to the open conversation, after its day's separator; the page's script replaces a bubble of the same
    /// id instead and keeps the separator only where the day changes.
    /// </summary>
    async Task<string> AppendAsync(MessageView m) =>
        "<div hx-swap-oob=\"beforeend:#messages\">" + await fragments.RenderAsync(MessageList.Of([Bubble.From(m, me)], time)) + "</div>";

    /// <summary>
    /// Receipts that came while the socket was down are not caught up (only newer messages are), so after a catch-up: the
    /// ticks of this user's messages on the page's newest page as they stand now, in one frame. The page keeps whichever
    /// tick is newer, so one it has already costs nothing.
    /// </summary>
    /// <summary>A caught-up message is only its bubble (the page marks what it shows read); the list row comes once, at the end.</summary>
    public async Task WriteCaughtUpAsync(SocketSession session, MessageView message, CancellationToken ct)
    {
        if (await RenderAsync(new MessageEvent(message)) is { } bubble) await SendAsync(session, bubble, ct);
    }

    public async Task WriteCatchUpEndAsync(SocketSession session, Dictionary<long, long> positions, int sent, CancellationToken ct)
    {
        if (conversationId is not { } id || !positions.TryGetValue(id, out var upTo)) return;
        if (sent > 0 && peer is { } p && await ListRowAsync(session, p, ct) is { } row) await SendAsync(session, row, ct);
        await using var scope = scopes.CreateAsyncScope();
        var marked = await scope.ServiceProvider.GetRequiredService<MessageHistory>().MarkedAsync(id, me, upTo, ConversationList.PageSize, ct);
        if (marked.Count == 0) return;
        var ticks = new StringBuilder();
        foreach (var (messageId, read) in marked) ticks.Append(await TicksAsync(messageId, read ? TickState.Read : TickState.Delivered));
        await SendAsync(session, ticks.ToString(), ct);
    }

    /// <summary>
    /// The conversation's list row after a message (preview, time, unread badge), moved to the top. The open
    /// conversation's row shows no badge: this page reads what arrives there (read frames), and its badge would only flash.
    /// </summary>
    async Task<string?> ListRowAsync(SocketSession session, long other, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<ConversationList>().RowAsync(me, other, ct) is not { } row) return null;
            return await list.RowAtTopAsync(other == peer ? row with { Unread = 0 } : row, active: other == peer, time);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Browser socket {ConnectionId} could not render a list row", session.Id);
            return null;
        }
    }

    /// <summary>A message pushed to its recipient's page counts as delivered (the recipient marks only their own messages).</summary>
    async Task MarkDeliveredAsync(SocketSession session, MessageView m, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<Receipts>().MarkAsync(me, long.Parse(m.Id), ReceiptKind.Delivered, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Browser socket {ConnectionId} could not mark a message delivered", session.Id);
        }
    }
}
