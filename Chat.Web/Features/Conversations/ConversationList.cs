using Chat.Web.Data;
using Chat.Web.Features.Directory;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;

namespace Chat.Web.Features.Conversations;

/// <summary>What the chat screen reads: the list of conversations, directory search rows, and a conversation's bubbles.</summary>
public sealed class ConversationList(Inbox inbox, UserDirectory directory, MessageHistory history, MessageViews views, Receipts receipts,
    ConversationMembers members, DisplayNames names, PresenceTracker presence, ChatDbContext db)
{
    public const int PageSize = 30;
    /// <summary>How many people without a conversation the list shows below the conversations (search finds the rest).</summary>
    public const int NewPeopleShown = 10;
    /// <summary>The conversations the list shows, newest activity first (the API pages further).</summary>
    public const int ConversationsShown = 100;

    /// <summary>
    /// The user's conversations, pairs and groups, newest activity first (<see cref="Inbox"/>), with last message, unread
    /// count and online dot; then the newest people they have no conversation with yet, so someone who just joined is there too.
    /// </summary>
    public async Task<IReadOnlyList<ConversationRow>> ForUserAsync(long me, CancellationToken ct)
    {
        var page = await inbox.PageAsync(me, null, ConversationsShown, ct);
        var rows = await RowsAsync(me, page.Items, ct);
        var talkedTo = rows.Where(r => r.GroupId is null && !r.Secret).Select(r => r.PeerId).ToList();
        var people = await directory.NewestAsync(me, talkedTo, NewPeopleShown, ct);
        return [.. rows, .. people.Select(DirectoryRow)];
    }

    /// <summary>The list row of one conversation as it is now (for a live update), or null while it has no messages.</summary>
    public async Task<ConversationRow?> RowAsync(long me, long conversationId, CancellationToken ct) =>
        await inbox.EntryAsync(me, conversationId, ct) is { } entry ? (await RowsAsync(me, [entry], ct)).FirstOrDefault() : null;

    /// <summary>A directory row: a person without a conversation, their phone where the preview goes, no presence.</summary>
    public static ConversationRow DirectoryRow(PublicUser u) => new(long.Parse(u.Id), u.DisplayName, u.Phone, null, null, 0, Online: null);

    async Task<IReadOnlyList<ConversationRow>> RowsAsync(long me, IReadOnlyList<InboxEntry> entries, CancellationToken ct)
    {
        // A group whose last message is a system note needs the names in it: one query for the whole list.
        var noteNames = await names.OfAsync(entries.SelectMany(e => e.LastMessage.System is { } s ? TimelineNotes.People(s) : []), ct);
        var blockedMe = await db.BlockersOfAsync(me, [.. entries.Where(e => e.Peer is not null).Select(e => long.Parse(e.Peer!.Id))], ct);
        return await Task.WhenAll(entries.Select(async e =>
        {
            var last = e.LastMessage;
            if (e.Peer is { } peer)
            {
                var peerId = long.Parse(peer.Id);
                var secret = e.Kind == "secret";
                return new ConversationRow(peerId, peer.DisplayName, peer.Phone, secret ? SealedPreview : Preview(last, me, null, noteNames), last.CreatedAt,
                    e.Unread, Online: blockedMe.Contains(peerId) ? null : await presence.IsOnlineAsync(peerId), Secret: secret);
            }
            var count = e.Left ? "You left" : $"{e.MemberCount} {(e.MemberCount == 1 ? "member" : "members")}";
            return new ConversationRow(0, e.Name ?? "", count, Preview(last, me, e.LastSenderName ?? DisplayNames.Unknown, noteNames), last.CreatedAt,
                e.Unread, Online: null, GroupId: long.Parse(e.Id));
        }));
    }

    /// <summary>Directory rows for search-as-you-type: the same directory the JSON API lists (excludes self and the bootstrap admin).</summary>
    public async Task<IReadOnlyList<ConversationRow>> SearchAsync(long me, string? search, CancellationToken ct)
    {
        var page = await directory.ListAsync(me, 0, 20, search, ct);
        return [.. page.Items.Select(DirectoryRow)];
    }

    /// <summary>
    /// Opens the conversation for reading: marks what the reader has not read up to now (<see cref="Receipts"/>, which
    /// tells the senders), then the newest page of bubbles, oldest first.
    /// </summary>
    public async Task<(IReadOnlyList<Bubble> Bubbles, string? OlderCursor)> OpenAsync(long me, long conversationId, CancellationToken ct)
    {
        await receipts.MarkReadUpToAsync(me, conversationId, long.MaxValue, ct);
        return await OlderAsync(me, conversationId, 0, ct);
    }

    /// <summary>
    /// A page of bubbles before <paramref name="beforeSeq"/> (0 = the newest) within the reader's membership (a group's
    /// history from their joining, up to their leaving), oldest first, and the seq to continue before.
    /// </summary>
    public async Task<(IReadOnlyList<Bubble> Bubbles, string? OlderCursor)> OlderAsync(long me, long conversationId, long beforeSeq, CancellationToken ct)
    {
        if (await members.GetAsync(conversationId, ct) is not { } list || list.Find(me) is not { } period) return ([], null);
        var page = await history.PageAsync(conversationId, beforeSeq, PageSize, ct, period.JoinedAfterSeq, period.LeftAtSeq, me);
        var messages = page.Items.Reverse().ToList();
        var byId = new Bubble.Names(await names.OfAsync(Bubble.People(messages, me), ct), InGroup: list.Kind == ConversationKind.Group);
        var secret = list.Kind == ConversationKind.Secret;
        return (messages.ConvertAll(m => Bubble.From(m, me, byId, secret)), page.NextCursor);
    }

    /// <summary>A secret conversation's row never shows its text: the server cannot read it, and does not pretend to.</summary>
    public const string SealedPreview = "Encrypted message";

    /// <summary>A message the reader may reply to (a text message of their membership), as its bubble: the composer quotes it.</summary>
    public async Task<Bubble?> QuotableAsync(long me, long messageId, CancellationToken ct)
    {
        if (await history.VisibleAsync(me, messageId, ct) is not { } m || m.DeletedAt is not null) return null;
        return await BubbleAsync(me, m, ct);
    }

    /// <summary>One message's bubble as the reader sees it, names and all (a secret conversation's sealed).</summary>
    public async Task<Bubble> BubbleAsync(long me, Message message, CancellationToken ct)
    {
        var view = await views.OfAsync(message, ct);
        var kind = (await members.GetAsync(message.ConversationId, ct))?.Kind;
        return Bubble.From(view, me, new(await names.OfAsync(Bubble.People([view], me), ct), InGroup: kind == ConversationKind.Group),
            secret: kind == ConversationKind.Secret);
    }

    /// <summary>"You: …" for my last message; in a group "Ann: …", or the system note itself.</summary>
    static string Preview(MessageView m, long me, string? groupSender, IReadOnlyDictionary<long, string> noteNames)
    {
        if (m.System is { } system) return TimelineNotes.Text(system, me, noteNames);
        var text = m.DeletedAt is not null ? Bubble.DeletedText : BrowserText.Decode(Convert.FromBase64String(m.Ciphertext)).ReplaceLineEndings(" ");
        if (text.Length > 80) text = text[..80] + "…";
        // A photo, file or voice note without a caption says what it is.
        if (text.Length == 0 && m.Attachments is [var first, ..])
            text = first.Kind switch { "image" => "Photo", "voice" => "Voice note", _ => first.Name };
        return m.SenderId == me.ToString() ? "You: " + text : groupSender is null ? text : groupSender + ": " + text;
    }
}
