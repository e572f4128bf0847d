using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Chat.Web.Features.Shared;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// One chat tab's socket protocol: every event becomes an out-of-band HTML fragment rendered by the same Razor
/// components as the page. What the page sends (JSON; htmx's HEADERS are ignored), all about the open conversation
/// (a pair or a group, <see cref="OpenChat"/>): <c>{"type":"sync","after":seq}</c> on (re)connect,
/// <c>{"type":"read","seq":n}</c> while it is visible, <c>{"type":"typing","state":"start|stop"}</c>. One per session:
/// it knows the tab's open conversation, and in a group the names it has shown and who is typing.
/// </summary>
public sealed class BrowserProtocol(long me, OpenChat open, ViewerTime time, FragmentRenderer fragments, ListUpdates list, TypingSignals typing,
    IServiceScopeFactory scopes, ILogger log) : ISocketProtocol
{
    long? conversationId = open.GroupId;
    long readUpTo;
    /// <summary>A group's names as this tab has looked them up (a tab's group is small next to the cost of a query per message).</summary>
    readonly Dictionary<long, string> names = [];
    /// <summary>Who is typing in the open group, in the order they started. Touched by the session's sender only.</summary>
    readonly List<long> typists = [];

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
        if (open.IsNone || Parse(json) is not var (type, number, state)) return;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var services = scope.ServiceProvider;
            switch (type)
            {
                case "typing":
                    if (await TypingTargetAsync(services, ct) is not { } target) break;
                    await (state == "start" ? typing.StartAsync(me, target, ct) : typing.StopAsync(me, target, ct));
                    break;
                // Only a seq past the last one marked costs a write: a burst of the same "read" costs one.
                case "read" when number > readUpTo:
                    if (await ConversationAsync(services, ct) is not { } read) break;
                    readUpTo = number;
                    await services.GetRequiredService<Receipts>().MarkReadUpToAsync(me, read, number, ct);
                    break;
                case "sync" when number >= 0:
                    if (await ConversationAsync(services, ct) is { } synced) await session.CatchUpAsync(new() { [synced] = number }, listedOnly: true);
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
    async Task<long?> ConversationAsync(IServiceProvider services, CancellationToken ct) =>
        conversationId ??= open.PeerId is { } peerId
            && await services.GetRequiredService<PairConversations>().FindAsync(me, peerId, ct) is PairResult.Found(var c) ? c.Id : null;

    /// <summary>Who sees this user type: the peer, or the group while they are still in it (someone removed types to nobody).</summary>
    async Task<TypingTarget?> TypingTargetAsync(IServiceProvider services, CancellationToken ct)
    {
        if (open.PeerId is { } peerId) return TypingTarget.Peer(peerId);
        var group = open.GroupId!.Value;
        return await services.GetRequiredService<ConversationMembers>().GetAsync(group, ct) is { } members && members.IsCurrentMember(me)
            ? TypingTarget.Group(group) : null;
    }

    public async Task WriteAsync(SocketSession session, object item, CancellationToken ct)
    {
        if (item is not ChatEvent e) return;
        if (await RenderAsync(session, e, ct) is { } fragment) await SendAsync(session, fragment, ct);
        if (e is not MessageEvent { Message: var m }) return;
        // A change is not activity: the list keeps its order, and an edit or a delete only renews the row's preview.
        if (m.Change is { Action: MessageChange.Reacted }) return;
        if (await ListRowAsync(session, long.Parse(m.ConversationId), inPlace: m.Change is not null, ct) is { } row) await SendAsync(session, row, ct);
        if (m.Change is not null) return;
        // A message pushed to a recipient's page counts as delivered to them (each member marks only their own).
        if (m is { Kind: "text", DeliveredAt: null } && m.SenderId != me.ToString() && (m.ReceiverId is null || m.ReceiverId == me.ToString()))
            await MarkDeliveredAsync(session, m, ct);
    }

    static Task SendAsync(SocketSession session, string html, CancellationToken ct) => session.WriteTextAsync(Encoding.UTF8.GetBytes(html), ct);

    async Task<string?> RenderAsync(SocketSession session, ChatEvent e, CancellationToken ct) => e switch
    {
        MessageEvent { Message: var m } when IsOpen(m.Changed ?? m) => await AppendAsync(session, m, ct),
        // Its other tabs drop a message the user deleted for themselves; the page takes it out by id.
        HiddenEvent h => $"<div hx-swap-oob=\"beforeend:#messages\"><div id=\"message_{System.Net.WebUtility.HtmlEncode(h.ClientMessageId)}\" data-hidden></div></div>",
        ReceiptEvent r when long.TryParse(r.MessageId, out var messageId) => await TicksAsync(messageId, r.Kind == "read" ? TickState.Read : TickState.Delivered),
        TypingEvent { ConversationId: null } t when open.PeerId is { } p && t.FromUserId == p.ToString() =>
            await fragments.RenderAsync(TypingIndicator.Of(p, t.State == "start", outOfBand: true)),
        TypingEvent t when open.GroupId is { } g && t.ConversationId == g.ToString() && long.TryParse(t.FromUserId, out var from) =>
            await GroupTypingAsync(session, g, from, t.State == "start", ct),
        _ => null,
    };

    /// <summary>A message of the open conversation: a pair's between the two of them, a group's by its id.</summary>
    bool IsOpen(MessageView m) => open.GroupId is { } g
        ? m.ConversationId == g.ToString()
        : open.PeerId is { } p && m.ReceiverId is not null && (m.SenderId == p.ToString() || m.ReceiverId == p.ToString());

    Task<string> TicksAsync(long messageId, TickState delivery) => fragments.RenderAsync(Ticks.Of(messageId, delivery, outOfBand: true));

    /// <summary>
    /// A bubble (or a group's system note) appended to the open conversation, after its day's separator; the page's
    /// script replaces a bubble of the same id instead and keeps the separator only where the day changes. After a
    /// system note, the group's header as it is now, and, for someone it removed, the notice in place of the composer.
    /// </summary>
    async Task<string> AppendAsync(SocketSession session, MessageView m, CancellationToken ct)
    {
        var bubble = Bubble.From(m, me, new(await NamesAsync(session, Bubble.People([m], me), ct), InGroup: open.GroupId is not null), open.Secret);
        var html = "<div hx-swap-oob=\"beforeend:#messages\">" + await fragments.RenderAsync(MessageList.Of([bubble], time)) + "</div>";
        if (m.System is not null && open.GroupId is { } group) html += await GroupChangedAsync(session, group, ct);
        return html;
    }

    async Task<string> GroupChangedAsync(SocketSession session, long group, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<Groups.Groups>().ViewAsync(me, group, ct) is not { } view) return "";
            var html = await fragments.RenderAsync(GroupSummary.Of(view, await TypistNamesAsync(session, ct), outOfBand: true));
            if (view.Left) html += await fragments.RenderAsync(NotAMember.Of(outOfBand: true));
            return html;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Browser socket {ConnectionId} could not render a group's header", session.Id);
            return "";
        }
    }

    async Task<string> GroupTypingAsync(SocketSession session, long group, long from, bool started, CancellationToken ct)
    {
        typists.Remove(from);
        if (started) typists.Add(from);
        return await fragments.RenderAsync(TypingIndicator.OfGroup(group, await TypistNamesAsync(session, ct), outOfBand: true));
    }

    async Task<IReadOnlyList<string>> TypistNamesAsync(SocketSession session, CancellationToken ct)
    {
        var known = await NamesAsync(session, typists, ct);
        return typists.ConvertAll(id => known.GetValueOrDefault(id, DisplayNames.Unknown));
    }

    /// <summary>The names of <paramref name="userIds"/>, from this tab's cache or one query for those it lacks.</summary>
    async Task<IReadOnlyDictionary<long, string>> NamesAsync(SocketSession session, IEnumerable<long> userIds, CancellationToken ct)
    {
        var missing = userIds.Where(id => !names.ContainsKey(id)).Distinct().ToList();
        if (missing.Count == 0) return names;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            foreach (var (id, name) in await scope.ServiceProvider.GetRequiredService<DisplayNames>().OfAsync(missing, ct)) names[id] = name;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Browser socket {ConnectionId} could not look up names", session.Id);
        }
        return names;
    }

    /// <summary>A caught-up message is only its bubble (the page marks what it shows read); the list row comes once, at the end.</summary>
    public async Task WriteCaughtUpAsync(SocketSession session, MessageView message, CancellationToken ct)
    {
        if (await RenderAsync(session, new MessageEvent(message), ct) is { } bubble) await SendAsync(session, bubble, ct);
    }

    /// <summary>
    /// Receipts that came while the socket was down are not caught up (only newer messages are), so after a catch-up: the
    /// ticks of this user's messages on the page's newest page as they stand now, in one frame. The page keeps whichever
    /// tick is newer, so one it has already costs nothing.
    /// </summary>
    public async Task WriteCatchUpEndAsync(SocketSession session, Dictionary<long, long> positions, int sent, CancellationToken ct)
    {
        if (conversationId is not { } id || !positions.TryGetValue(id, out var upTo)) return;
        if (sent > 0 && await ListRowAsync(session, id, inPlace: false, ct) is { } row) await SendAsync(session, row, ct);
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
    async Task<string?> ListRowAsync(SocketSession session, long conversation, bool inPlace, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<ConversationList>().RowAsync(me, conversation, ct) is not { } row) return null;
            var shown = open.Shows(row);
            if (shown) row = row with { Unread = 0 };
            return inPlace ? await list.RowInPlaceAsync(row, active: shown, time) : await list.RowAtTopAsync(row, active: shown, time);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Browser socket {ConnectionId} could not render a list row", session.Id);
            return null;
        }
    }

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
