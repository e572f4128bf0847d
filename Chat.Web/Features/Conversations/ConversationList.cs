using Chat.Web.Data;
using Chat.Web.Features.Directory;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Conversations;

/// <summary>What the chat screen reads: the list of conversations, directory search rows, and a conversation's bubbles.</summary>
public sealed class ConversationList(ChatDbContext db, UserDirectory directory, MessageHistory history, Receipts receipts, PresenceTracker presence)
{
    public const int PageSize = 30;
    /// <summary>How many people without a conversation the list shows below the conversations (search finds the rest).</summary>
    public const int NewPeopleShown = 10;

    /// <summary>
    /// The user's conversations that have messages, newest activity first, with last message, unread count and
    /// online dot; then the newest people they have no conversation with yet, so someone who just joined is there too.
    /// </summary>
    public async Task<IReadOnlyList<ConversationRow>> ForUserAsync(long me, CancellationToken ct)
    {
        var mine = db.Members.Where(m => m.UserId == me).Select(m => m.ConversationId);
        var rows = await RowsAsync(me, db.Conversations.Where(c => c.Kind == ConversationKind.Direct && mine.Contains(c.Id)), ct);
        var talkedTo = rows.Select(r => r.PeerId).ToList();
        var people = await directory.NewestAsync(me, talkedTo, NewPeopleShown, ct);
        return [.. rows, .. people.Select(DirectoryRow)];
    }

    /// <summary>The list row of one conversation as it is now (for a live update), or null while it has no messages.</summary>
    public async Task<ConversationRow?> RowAsync(long me, long peerId, CancellationToken ct)
    {
        var (a, b) = me < peerId ? (me, peerId) : (peerId, me);
        return (await RowsAsync(me, db.Conversations.Where(c => c.AId == a && c.BId == b), ct)).FirstOrDefault();
    }

    /// <summary>A directory row: a person without a conversation, their phone where the preview goes, no presence.</summary>
    public static ConversationRow DirectoryRow(PublicUser u) => new(long.Parse(u.Id), u.DisplayName, u.Phone, null, null, 0, Online: null);

    async Task<IReadOnlyList<ConversationRow>> RowsAsync(long me, IQueryable<Conversation> conversations, CancellationToken ct)
    {
        // Three small queries rather than one with correlated subqueries: the same SQL shape on SQLite and PostgreSQL.
        var lasts = await (from m in db.Messages.AsNoTracking()
                           join c in conversations on m.ConversationId equals c.Id
                           where m.Seq == c.LastSeq
                           select m).ToListAsync(ct);
        var conversationIds = lasts.Select(m => m.ConversationId).ToList();
        var unread = await db.Messages.AsNoTracking()
            .Where(m => conversationIds.Contains(m.ConversationId) && m.ReceiverId == me && m.ReadAt == null)
            .GroupBy(m => m.ConversationId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var peerIds = lasts.Select(m => m.SenderId == me ? m.ReceiverId ?? 0 : m.SenderId).ToList();
        var peers = await db.Users.AsNoTracking().Where(u => peerIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);
        return await WithPresenceAsync(lasts.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Select(m => (Message: m, PeerId: m.SenderId == me ? m.ReceiverId ?? 0 : m.SenderId))
            .Where(x => peers.ContainsKey(x.PeerId))
            .Select(x => new ConversationRow(x.PeerId, peers[x.PeerId].DisplayName, peers[x.PeerId].Phone,
                Preview(x.Message, me), x.Message.CreatedAt, unread.GetValueOrDefault(x.Message.ConversationId), Online: false)));
    }

    /// <summary>Directory rows for search-as-you-type: the same directory the JSON API lists (excludes self and the bootstrap admin).</summary>
    public async Task<IReadOnlyList<ConversationRow>> SearchAsync(long me, string? search, CancellationToken ct)
    {
        var page = await directory.ListAsync(me, 0, 20, search, ct);
        return [.. page.Items.Select(DirectoryRow)];
    }

    /// <summary>The online dot from the presence store, which spans every node (one cheap lookup per row; a list is short).</summary>
    async Task<IReadOnlyList<ConversationRow>> WithPresenceAsync(IEnumerable<ConversationRow> rows) =>
        await Task.WhenAll(rows.Select(async r => r with { Online = await presence.IsOnlineAsync(r.PeerId) }));

    /// <summary>
    /// Opens the conversation for reading: marks the peer's unread messages read in one statement (<see cref="Receipts"/>,
    /// which tells the sender), then the newest page of bubbles, oldest first.
    /// </summary>
    public async Task<(IReadOnlyList<Bubble> Bubbles, string? OlderCursor)> OpenAsync(long me, long conversationId, CancellationToken ct)
    {
        await receipts.MarkReadUpToAsync(me, conversationId, long.MaxValue, ct);
        return await OlderAsync(me, conversationId, 0, ct);
    }

    /// <summary>A page of bubbles before <paramref name="beforeSeq"/> (0 = the newest), oldest first, and the seq to continue before.</summary>
    public async Task<(IReadOnlyList<Bubble> Bubbles, string? OlderCursor)> OlderAsync(long me, long conversationId, long beforeSeq, CancellationToken ct)
    {
        var page = await history.PageAsync(conversationId, beforeSeq, PageSize, ct);
        var ids = page.Items.Select(v => long.Parse(v.Id)).ToList();
        var messages = await db.Messages.AsNoTracking().Where(m => ids.Contains(m.Id)).OrderBy(m => m.Seq).ToListAsync(ct);
        return (messages.Select(m => Bubble.From(m, me)).ToList(), page.NextCursor);
    }

    static string Preview(Message m, long me)
    {
        var text = BrowserText.Decode(m.Ciphertext).ReplaceLineEndings(" ");
        if (text.Length > 80) text = text[..80] + "…";
        return m.SenderId == me ? "You: " + text : text;
    }
}
