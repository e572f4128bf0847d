using Chat.Web.Data;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Groups;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Chat.Web.Features.Shared;
using Chat.Web.Infrastructure;
using Htmx;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// The chat screen: /chat is the list, /chat/{peerId} a pair's conversation beside it, /chat/groups/{groupId} a group's.
/// Reads go through ConversationList, sends through MessageSender — the same services as the JSON API and the socket.
/// A group is shown only to its members, and to former members up to their leaving (404 for anyone else).
/// </summary>
public sealed class IndexModel(ConversationList list, MessageInContext inContext, PairConversations conversations, Accounts accounts, Groups.Groups groups, MessageSender sender,
    PresenceTracker presence, Safety.Blocks blocks) : PageModel
{
    /// <summary>The group conversation's address (a second route of this page, added in PagesSetup).</summary>
    public const string GroupRoute = "/chat/groups/{groupId:long}";

    public long Me { get; private set; }
    public IReadOnlyList<ConversationRow> Rows { get; private set; } = [];
    /// <summary>The reader's clock for every time on the page (their browser's zone, else UTC).</summary>
    public ViewerTime Time => time ??= ViewerTime.From(Request);
    ViewerTime? time;
    public string? Search { get; private set; }
    public User? Peer { get; private set; }
    public GroupView? Group { get; private set; }
    public OpenChat Open => Group is { } g ? OpenChat.Group(long.Parse(g.Id)) : Peer is { } p ? OpenChat.Peer(p.Id) : OpenChat.None;
    /// <summary>Where this conversation's page, its form posts and its older pages are.</summary>
    public string Path => Group is { } g ? $"/chat/groups/{g.Id}" : $"/chat/{Peer?.Id}";
    public IReadOnlyList<Bubble> Bubbles { get; private set; } = [];
    /// <summary>The open conversation's peer is online; null where presence is not shared (no conversation yet).</summary>
    public bool? PeerOnline { get; private set; }
    public string? OlderCursor { get; private set; }
    /// <summary>Opened at a message (?at=): its seq, highlighted and scrolled to.</summary>
    public long? FocusSeq { get; private set; }
    /// <summary>A block between me and the open pair's peer: true when I blocked them, false when they blocked me (no presence shown).</summary>
    public bool? Block { get; private set; }
    public string? SendError { get; private set; }
    /// <summary>A fresh id for the next message; a double-submitted form re-uses it and stores nothing twice.</summary>
    public string NextClientMessageId { get; } = Guid.NewGuid().ToString("N");

    public async Task<IActionResult> OnGetAsync(long? peerId, long? groupId, string? q, string? before, long? at, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        Search = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        if (peerId is not null || groupId is not null)
        {
            if (!Cursor.TryDecode(before, out var beforeSeq)) return BadRequest();
            if (await OpenAsync(peerId, groupId, beforeSeq, ct, at) is { } nothingToShow) return nothingToShow;
        }
        // After opening, which marks the conversation read: its row shows no unread badge.
        Rows = Search is null ? await list.ForUserAsync(Me, ct) : await list.SearchAsync(Me, Search, ct);
        return Page();
    }

    /// <summary>Search as you type: just the rows.</summary>
    public async Task<IActionResult> OnGetSearchAsync(string? q, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        Search = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        Rows = Search is null ? await list.ForUserAsync(Me, ct) : await list.SearchAsync(Me, Search, ct);
        return Partial("/Features/Conversations/_Rows.cshtml", this);
    }

    /// <summary>The page of messages above the oldest one shown, for scroll-up loading.</summary>
    public async Task<IActionResult> OnGetOlderAsync(long? peerId, long? groupId, string? before, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        if (!Cursor.TryDecode(before, out var beforeSeq) || beforeSeq == 0) return BadRequest();
        if (await ConversationOfAsync(peerId, groupId, ct) is not { } conversationId) return NotFound();
        (Bubbles, OlderCursor) = await list.OlderAsync(Me, conversationId, beforeSeq, ct);
        return Partial("/Features/Conversations/_Older.cshtml", this);
    }

    public async Task<IActionResult> OnPostAsync(long? peerId, long? groupId, string? text, string? clientMessageId, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        if (peerId is null && groupId is null) return NotFound();
        if (string.IsNullOrWhiteSpace(text)) return await RejectAsync(peerId, groupId, "Type a message first.", ct);
        var command = new SendCommand(Me, peerId, peerId is null ? groupId : null, BrowserText.Encode(text), clientMessageId);
        var result = await sender.SendAsync(command, ct);
        if (result is SendResult.Rejected rejected) return await RejectAsync(peerId, groupId, rejected.Error, ct);
        var message = ((SendResult.Sent)result).Message;
        if (!Request.IsHtmx()) return new RedirectResult((peerId is { } p ? $"/chat/{p}" : $"/chat/groups/{groupId}") + "#composer") { PreserveMethod = false };
        // Replaces the optimistic bubble of the same client message id (an out-of-band swap by id).
        Bubbles = [Bubble.From(MessageView.From(message), Me)];
        return Partial("/Features/Conversations/_Sent.cshtml", this);
    }

    async Task<IActionResult> RejectAsync(long? peerId, long? groupId, string error, CancellationToken ct)
    {
        SendError = error;
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        if (Request.IsHtmx()) return Partial("/Features/Conversations/_SendError.cshtml", this);
        Rows = await list.ForUserAsync(Me, ct);
        return await OpenAsync(peerId, groupId, 0, ct) ?? Page();
    }

    /// <summary>Loads the conversation into the model; a result only when there is nothing to show.</summary>
    async Task<IActionResult?> OpenAsync(long? peerId, long? groupId, long beforeSeq, CancellationToken ct, long? at = null)
    {
        long conversationId;
        if (groupId is { } g)
        {
            Group = await groups.ViewAsync(Me, g, ct);
            if (Group is null) return NotFound();
            conversationId = g;
        }
        else
        {
            if (peerId == Me) return Redirect("/chat");
            Peer = await accounts.FindAsync(peerId!.Value, ct);
            if (Peer is null) return NotFound();
            Block = await blocks.BetweenAsync(Me, Peer.Id, ct);
            if (await conversations.FindAsync(Me, Peer.Id, ct) is not PairResult.Found(var conversation)) return null;
            if (Block is not false) PeerOnline = await presence.IsOnlineAsync(Peer.Id);
            conversationId = conversation.Id;
        }
        // ?at=: around that message (a message that is not theirs to see opens the conversation as usual).
        if (at is { } messageId && await inContext.AroundAsync(Me, conversationId, messageId, ct) is { } context)
            (Bubbles, OlderCursor, FocusSeq) = (context.Bubbles, context.OlderCursor, context.FocusSeq);
        else if (beforeSeq > 0) (Bubbles, OlderCursor) = await list.OlderAsync(Me, conversationId, beforeSeq, ct);
        else (Bubbles, OlderCursor) = await list.OpenAsync(Me, conversationId, ct);
        return null;
    }

    /// <summary>The conversation id of a pair the user has, or of a group they are or were in.</summary>
    async Task<long?> ConversationOfAsync(long? peerId, long? groupId, CancellationToken ct)
    {
        if (groupId is { } g)
        {
            Group = await groups.ViewAsync(Me, g, ct);
            return Group is null ? null : g;
        }
        if (peerId is not { } p || await conversations.FindAsync(Me, p, ct) is not PairResult.Found(var conversation)) return null;
        Peer = await accounts.FindAsync(p, ct);
        return conversation.Id;
    }
}
