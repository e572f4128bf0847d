using Chat.Web.Data;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// One of a user's conversations as a list shows it. <see cref="Peer"/> is a pair's other user; <see cref="Name"/> and
/// <see cref="MemberCount"/> are a group's. <see cref="LastMessage"/> is the last one the user sees (a member who left
/// sees up to their leaving), <see cref="LastSenderName"/> its sender's name. <see cref="Kind"/> is "direct", "group" or
/// "secret" (a pair's end-to-end encrypted conversation, whose ciphertext only its two devices can read).
/// </summary>
public sealed record InboxEntry(string Id, string Kind, string? Name, PublicUser? Peer, int MemberCount, MessageView LastMessage,
    string? LastSenderName, int Unread, bool Left);

/// <summary>A user's conversations, pairs and groups alike, newest activity first, keyset paged by (last message time, id).</summary>
public sealed class Inbox(ChatDbContext db)
{
    public async Task<Page<InboxEntry>> PageAsync(long me, string? cursor, int limit, CancellationToken ct)
    {
        if (!Cursor.TryDecode(cursor, out var ticks, out var afterId)) throw new ArgumentException("Invalid cursor.", nameof(cursor));
        var query = from m in db.Members.AsNoTracking()
                    join c in db.Conversations on m.ConversationId equals c.Id
                    where m.UserId == me && c.LastMessageAt != null
                    select new { c, m };
        if (afterId > 0)
        {
            var at = new DateTime(ticks, DateTimeKind.Utc);
            query = query.Where(x => x.c.LastMessageAt < at || (x.c.LastMessageAt == at && x.c.Id < afterId));
        }
        var rows = await query.OrderByDescending(x => x.c.LastMessageAt).ThenByDescending(x => x.c.Id).Take(limit + 1).ToListAsync(ct);
        var page = rows.Take(limit).ToList();
        var entries = await EntriesAsync(me, page.ConvertAll(x => (x.c, x.m)), ct);
        var last = page.LastOrDefault();
        return new Page<InboxEntry>(entries, rows.Count > limit && last is not null ? Cursor.Encode(last.c.LastMessageAt!.Value.Ticks, last.c.Id) : null);
    }

    /// <summary>One conversation's entry as it is now, or null when the user has never been a member (or it has no message).</summary>
    public async Task<InboxEntry?> EntryAsync(long me, long conversationId, CancellationToken ct)
    {
        var row = await (from m in db.Members.AsNoTracking()
                         join c in db.Conversations on m.ConversationId equals c.Id
                         where m.UserId == me && c.Id == conversationId && c.LastMessageAt != null
                         select new { c, m }).FirstOrDefaultAsync(ct);
        return row is null ? null : (await EntriesAsync(me, [(row.c, row.m)], ct)).FirstOrDefault();
    }

    async Task<IReadOnlyList<InboxEntry>> EntriesAsync(long me, List<(Conversation C, ConversationMember M)> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return [];
        // A handful of small queries for the page, the same SQL shape on SQLite and PostgreSQL.
        var ids = rows.ConvertAll(r => r.C.Id);
        // The last seq each sees.
        var lastSeqs = rows.ToDictionary(r => r.C.Id, r => Math.Min(r.C.LastSeq, r.M.LeftAtSeq ?? long.MaxValue));
        var lasts = (await MessagesAtAsync(lastSeqs, ct)).Where(m => m.Value.Kind != MessageKind.Change).ToDictionary();
        // Where the last seq is a change (an edit, a reaction), the text or system message before it: one query for all.
        var missing = ids.Where(id => !lasts.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            var before = await (from msg in db.Messages
                                join mem in db.Members on msg.ConversationId equals mem.ConversationId
                                where mem.UserId == me && missing.Contains(msg.ConversationId) && msg.Kind != MessageKind.Change
                                    && (mem.LeftAtSeq == null || msg.Seq <= mem.LeftAtSeq)
                                group msg.Seq by msg.ConversationId into g
                                select new { g.Key, Seq = g.Max() }).ToDictionaryAsync(x => x.Key, x => x.Seq, ct);
            foreach (var (id, m) in await MessagesAtAsync(before, ct)) lasts[id] = m;
        }
        var unread = await (from msg in db.Messages.AsNoTracking()
                            join m in db.Members on msg.ConversationId equals m.ConversationId
                            where m.UserId == me && ids.Contains(msg.ConversationId)
                                && ((msg.ReceiverId == me && msg.ReadAt == null)
                                    || (msg.ReceiverId == null && msg.Kind == MessageKind.Text && msg.SenderId != me && msg.Seq > m.ReadUpToSeq
                                        && (m.LeftAtSeq == null || msg.Seq <= m.LeftAtSeq)))
                            group msg by msg.ConversationId into g
                            select new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var counts = await db.Members.AsNoTracking().Where(m => ids.Contains(m.ConversationId) && m.LeftAt == null)
            .GroupBy(m => m.ConversationId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var peerIds = rows.Where(r => r.C.Kind != ConversationKind.Group).Select(r => r.C.AId == me ? r.C.BId!.Value : r.C.AId!.Value);
        var userIds = peerIds.Concat(lasts.Values.Select(m => m.SenderId)).Distinct().ToList();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);
        var entries = new List<InboxEntry>(rows.Count);
        foreach (var (c, m) in rows)
        {
            if (!lasts.TryGetValue(c.Id, out var last)) continue;
            var peer = c.Kind != ConversationKind.Group && users.TryGetValue(c.AId == me ? c.BId!.Value : c.AId!.Value, out var p) ? PublicUser.From(p) : null;
            if (c.Kind != ConversationKind.Group && peer is null) continue;
            entries.Add(new InboxEntry(c.Id.ToString(), KindName(c.Kind), c.Name, peer, counts.GetValueOrDefault(c.Id),
                MessageView.From(last), users.GetValueOrDefault(last.SenderId)?.DisplayName, unread.GetValueOrDefault(c.Id), m.LeftAt is not null));
        }
        return entries;
    }

    /// <summary>The message at the given seq of each conversation, in one query (a candidate list of seqs, matched after).</summary>
    async Task<Dictionary<long, Message>> MessagesAtAsync(IReadOnlyDictionary<long, long> seqOf, CancellationToken ct)
    {
        var ids = seqOf.Keys.ToList();
        var seqs = seqOf.Values.Distinct().ToList();
        return (await db.Messages.AsNoTracking().Include(m => m.Attachments).Where(m => ids.Contains(m.ConversationId) && seqs.Contains(m.Seq)).ToListAsync(ct))
            .Where(m => seqOf[m.ConversationId] == m.Seq).ToDictionary(m => m.ConversationId);
    }

    public static string KindName(ConversationKind kind) => kind switch { ConversationKind.Group => "group", ConversationKind.Secret => "secret", _ => "direct" };
}
