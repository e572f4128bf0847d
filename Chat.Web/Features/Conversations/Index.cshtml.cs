using Chat.Web.Data;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Chat.Web.Features.Shared;
using Chat.Web.Infrastructure;
using Htmx;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// The chat screen: /chat is the list, /chat/{peerId} the conversation beside it. Reads go through
/// ConversationList, sends through MessageSender — the same services as the JSON API and the socket.
/// </summary>
public sealed class IndexModel(ConversationList list, PairConversations conversations, Accounts accounts, MessageSender sender,
    PresenceTracker presence) : PageModel
{
    public long Me { get; private set; }
    public IReadOnlyList<ConversationRow> Rows { get; private set; } = [];
    /// <summary>The reader's clock for every time on the page (their browser's zone, else UTC).</summary>
    public ViewerTime Time => time ??= ViewerTime.From(Request);
    ViewerTime? time;
    public string? Search { get; private set; }
    public User? Peer { get; private set; }
    public IReadOnlyList<Bubble> Bubbles { get; private set; } = [];
    /// <summary>The open conversation's peer is online; null where presence is not shared (no conversation yet).</summary>
    public bool? PeerOnline { get; private set; }
    public string? OlderCursor { get; private set; }
    public string? SendError { get; private set; }
    /// <summary>A fresh id for the next message; a double-submitted form re-uses it and stores nothing twice.</summary>
    public string NextClientMessageId { get; } = Guid.NewGuid().ToString("N");

    public async Task<IActionResult> OnGetAsync(long? peerId, string? q, string? before, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        Search = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        if (peerId is not null)
        {
            if (!Cursor.TryDecode(before, out var beforeSeq)) return BadRequest();
            if (await OpenAsync(peerId.Value, beforeSeq, ct) is { } nothingToShow) return nothingToShow;
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
    public async Task<IActionResult> OnGetOlderAsync(long peerId, string? before, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        if (!Cursor.TryDecode(before, out var beforeSeq) || beforeSeq == 0) return BadRequest();
        if (await conversations.FindAsync(Me, peerId, ct) is not PairResult.Found(var conversation)) return NotFound();
        (Bubbles, OlderCursor) = await list.OlderAsync(Me, conversation.Id, beforeSeq, ct);
        Peer = await accounts.FindAsync(peerId, ct);
        return Partial("/Features/Conversations/_Older.cshtml", this);
    }

    public async Task<IActionResult> OnPostAsync(long peerId, string? text, string? clientMessageId, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        if (string.IsNullOrWhiteSpace(text)) return await RejectAsync(peerId, "Type a message first.", ct);
        var result = await sender.SendAsync(new SendCommand(Me, peerId, null, BrowserText.Encode(text), clientMessageId), ct);
        if (result is SendResult.Rejected rejected) return await RejectAsync(peerId, rejected.Error, ct);
        var message = ((SendResult.Sent)result).Message;
        if (!Request.IsHtmx()) return new RedirectResult($"/chat/{peerId}#composer") { PreserveMethod = false };
        // Replaces the optimistic bubble of the same client message id (an out-of-band swap by id).
        Bubbles = [Bubble.From(message, Me)];
        return Partial("/Features/Conversations/_Sent.cshtml", this);
    }

    async Task<IActionResult> RejectAsync(long peerId, string error, CancellationToken ct)
    {
        SendError = error;
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        if (Request.IsHtmx()) return Partial("/Features/Conversations/_SendError.cshtml", this);
        Rows = await list.ForUserAsync(Me, ct);
        return await OpenAsync(peerId, 0, ct) ?? Page();
    }

    /// <summary>Loads the conversation into the model; a result only when there is nothing to show.</summary>
    async Task<IActionResult?> OpenAsync(long peerId, long beforeSeq, CancellationToken ct)
    {
        if (peerId == Me) return Redirect("/chat");
        Peer = await accounts.FindAsync(peerId, ct);
        if (Peer is null) return NotFound();
        if (await conversations.FindAsync(Me, peerId, ct) is not PairResult.Found(var conversation)) return null;
        PeerOnline = await presence.IsOnlineAsync(peerId);
        if (beforeSeq > 0) (Bubbles, OlderCursor) = await list.OlderAsync(Me, conversation.Id, beforeSeq, ct);
        else (Bubbles, OlderCursor) = await list.OpenAsync(Me, conversation.Id, ct);
        return null;
    }
}
