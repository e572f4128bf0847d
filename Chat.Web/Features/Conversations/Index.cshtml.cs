using Chat.Web.Data;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Groups;
using Chat.Web.Features.Media;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Chat.Web.Features.Secret;
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
/// /chat/secret/{peerId} is the pair's secret conversation: its bubbles are envelopes, and a send is one (secret.js
/// encrypts in the browser; a plain-text post is refused).
/// </summary>
public sealed class IndexModel(ConversationList list, MessageInContext inContext, PairConversations conversations, Accounts accounts, Groups.Groups groups,
    MessageSender sender, PresenceTracker presence, MediaUploads uploads, Safety.Blocks blocks) : PageModel
{
    /// <summary>The group conversation's address (a second route of this page, added in PagesSetup).</summary>
    public const string GroupRoute = "/chat/groups/{groupId:long}";
    public const string SecretRoute = "/chat/secret/{secretWith:long}";

    public long Me { get; private set; }
    public IReadOnlyList<ConversationRow> Rows { get; private set; } = [];
    /// <summary>The reader's clock for every time on the page (their browser's zone, else UTC).</summary>
    public ViewerTime Time => time ??= ViewerTime.From(Request);
    ViewerTime? time;
    public string? Search { get; private set; }
    public User? Peer { get; private set; }
    public GroupView? Group { get; private set; }
    /// <summary>Set on /chat/secret/{peerId}: the pair's secret conversation with <see cref="Peer"/> (its id null until started).</summary>
    public SecretChat? Secret { get; private set; }
    public OpenChat Open => Group is { } g ? OpenChat.Group(long.Parse(g.Id))
        : Secret is { } s ? (s.ConversationId is { } id ? OpenChat.SecretOf(id) with { SecretPeer = Peer!.Id } : OpenChat.None)
        : Peer is { } p ? OpenChat.Peer(p.Id) : OpenChat.None;
    /// <summary>Whether the page shows a conversation (a secret one not started yet included).</summary>
    public bool ShowsConversation => Group is not null || Peer is not null;
    /// <summary>Where this conversation's page, its form posts and its older pages are.</summary>
    public string Path => Group is { } g ? $"/chat/groups/{g.Id}" : Secret is not null ? $"/chat/secret/{Peer?.Id}" : $"/chat/{Peer?.Id}";
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
    /// <summary>The message the composer replies to (?replyTo=, the action sheet's link without JavaScript).</summary>
    public Bubble? ReplyTo { get; private set; }

    public async Task<IActionResult> OnGetAsync(long? peerId, long? groupId, long? secretWith, string? q, string? before, long? replyTo, long? at, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        Search = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        if (peerId is not null || groupId is not null || secretWith is not null)
        {
            if (!Cursor.TryDecode(before, out var beforeSeq)) return BadRequest();
            if (await OpenAsync(peerId, groupId, secretWith, beforeSeq, ct, at) is { } nothingToShow) return nothingToShow;
            if (replyTo is { } r && secretWith is null) ReplyTo = await list.QuotableAsync(Me, r, ct);
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
    public async Task<IActionResult> OnGetOlderAsync(long? peerId, long? groupId, long? secretWith, string? before, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        if (!Cursor.TryDecode(before, out var beforeSeq) || beforeSeq == 0) return BadRequest();
        if (await ConversationOfAsync(peerId ?? secretWith, groupId, secretWith is null ? ConversationKind.Direct : ConversationKind.Secret, ct) is not { } conversationId)
            return NotFound();
        (Bubbles, OlderCursor) = await list.OlderAsync(Me, conversationId, beforeSeq, ct);
        return Partial("/Features/Conversations/_Older.cshtml", this);
    }

    /// <summary>
    /// A send: text, and the uploads it carries — already uploaded by the page's script (attachmentIds), or, without
    /// JavaScript, a file posted with the form, uploaded here first through the same service as POST /media. A secret
    /// conversation's send is an envelope only.
    /// </summary>
    public async Task<IActionResult> OnPostAsync(long? peerId, long? groupId, long? secretWith, string? text, string? ciphertext, string? clientMessageId,
        string[]? attachmentIds, IFormFile? file, long? replyToId, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        if (peerId is null && groupId is null && secretWith is null) return NotFound();
        SendCommand command;
        if (secretWith is { } secretPeer)
        {
            // Only an envelope goes in; the plain text of a secret message never reaches the server.
            if (SecretEnvelope.Decode(ciphertext) is not { } envelope) return await RejectAsync(null, null, secretWith, SecretEnvelope.Invalid, ct);
            if (await conversations.FindAsync(Me, secretPeer, ct, ConversationKind.Secret) is not PairResult.Found(var secret))
                return await RejectAsync(null, null, secretWith, "Start the secret conversation first.", ct);
            command = new SendCommand(Me, null, secret.Id, envelope, clientMessageId);
        }
        else
        {
            List<string> attachments = [.. attachmentIds ?? []];
            if (file is { Length: > 0 })
            {
                await using var content = file.OpenReadStream();
                switch (await uploads.UploadAsync(Me, file.FileName, file.ContentType, content, durationMs: null, ct))
                {
                    case UploadResult.Stored stored: attachments.Add(stored.Attachment.Id); break;
                    case UploadResult.Refused refused: return await RejectAsync(peerId, groupId, null, refused.Error, ct);
                }
            }
            if (string.IsNullOrWhiteSpace(text) && attachments.Count == 0) return await RejectAsync(peerId, groupId, null, "Type a message first.", ct);
            command = new SendCommand(Me, peerId, peerId is null ? groupId : null, BrowserText.Encode(string.IsNullOrWhiteSpace(text) ? "" : text), clientMessageId,
                ReplyToId: replyToId, AttachmentIds: attachments);
        }
        var result = await sender.SendAsync(command, ct);
        if (result is SendResult.Rejected rejected) return await RejectAsync(peerId, groupId, secretWith, rejected.Error, ct);
        var message = ((SendResult.Sent)result).Message;
        var back = peerId is { } p ? $"/chat/{p}" : secretWith is { } s ? $"/chat/secret/{s}" : $"/chat/groups/{groupId}";
        if (!Request.IsHtmx()) return new RedirectResult(back + "#composer") { PreserveMethod = false };
        // Replaces the optimistic bubble of the same client message id (an out-of-band swap by id).
        Bubbles = [await list.BubbleAsync(Me, message, ct)];
        return Partial("/Features/Conversations/_Sent.cshtml", this);
    }

    /// <summary>Starts the pair's secret conversation (the button on its page) and opens it.</summary>
    public async Task<IActionResult> OnPostStartSecretAsync(long secretWith, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        return await conversations.EnsureAsync(Me, secretWith, ct, ConversationKind.Secret) is PairResult.Found
            ? Redirect($"/chat/secret/{secretWith}") : NotFound();
    }

    async Task<IActionResult> RejectAsync(long? peerId, long? groupId, long? secretWith, string error, CancellationToken ct)
    {
        SendError = error;
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        if (Request.IsHtmx()) return Partial("/Features/Conversations/_SendError.cshtml", this);
        Rows = await list.ForUserAsync(Me, ct);
        return await OpenAsync(peerId, groupId, secretWith, 0, ct) ?? Page();
    }

    /// <summary>Loads the conversation into the model; a result only when there is nothing to show.</summary>
    async Task<IActionResult?> OpenAsync(long? peerId, long? groupId, long? secretWith, long beforeSeq, CancellationToken ct, long? at = null)
    {
        long conversationId;
        if (secretWith is { } with)
        {
            if (with == Me) return Redirect("/chat");
            Peer = await accounts.FindAsync(with, ct);
            if (Peer is null) return NotFound();
            var found = await conversations.FindAsync(Me, with, ct, ConversationKind.Secret) as PairResult.Found;
            Secret = new SecretChat(found?.Conversation.Id);
            if (found is null) return null;
            conversationId = found.Conversation.Id;
        }
        else if (groupId is { } g)
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
    async Task<long?> ConversationOfAsync(long? peerId, long? groupId, ConversationKind kind, CancellationToken ct)
    {
        if (groupId is { } g)
        {
            Group = await groups.ViewAsync(Me, g, ct);
            return Group is null ? null : g;
        }
        if (peerId is not { } p || await conversations.FindAsync(Me, p, ct, kind) is not PairResult.Found(var conversation)) return null;
        Peer = await accounts.FindAsync(p, ct);
        return conversation.Id;
    }
}
