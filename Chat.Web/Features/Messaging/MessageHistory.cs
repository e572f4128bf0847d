using Chat.Web.Data;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// Reading a conversation's messages by seq, the one order clients rely on. A page of history shows each message as it
/// is now (change rows are left out: their messages already show them, and <paramref name="viewerId"/>'s hidden ones);
/// a catch-up brings every row after a seq, changes included, so a client that was away replays them in order.
/// </summary>
public sealed class MessageHistory(ChatDbContext db, MessageViews views)
{
    /// <summary>
    /// Newest first, before <paramref name="beforeSeq"/> (0 = from the newest), within a member's period (after
    /// <paramref name="fromSeq"/>, up to <paramref name="untilSeq"/>). Uses the (ConversationId, Seq) index at any depth.
    /// </summary>
    public async Task<Page<MessageView>> PageAsync(long conversationId, long beforeSeq, int limit, CancellationToken ct, long fromSeq = 0,
        long? untilSeq = null, long viewerId = 0)
    {
        var query = db.Messages.AsNoTracking().Include(m => m.Attachments)
            .Where(m => m.ConversationId == conversationId && m.Seq > fromSeq && m.Kind != MessageKind.Change);
        if (beforeSeq > 0) query = query.Where(m => m.Seq < beforeSeq);
        if (untilSeq is { } until) query = query.Where(m => m.Seq <= until);
        if (viewerId > 0) query = query.Where(m => !db.HiddenMessages.Any(h => h.UserId == viewerId && h.MessageId == m.Id));
        var rows = await query.OrderByDescending(m => m.Seq).Take(limit + 1).ToListAsync(ct);
        var items = await views.OfAsync(rows.Take(limit).ToList(), ct);
        return new Page<MessageView>(items, rows.Count > limit ? Cursor.Encode(rows[limit - 1].Seq) : null);
    }

    /// <summary>
    /// Which of <paramref name="senderId"/>'s messages among the conversation's newest <paramref name="limit"/> up to
    /// <paramref name="upToSeq"/> are delivered or read: their ids and whether read, no bodies.
    /// </summary>
    public async Task<IReadOnlyList<(long Id, bool Read)>> MarkedAsync(long conversationId, long senderId, long upToSeq, int limit, CancellationToken ct)
    {
        var rows = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.Seq <= upToSeq)
            .OrderByDescending(m => m.Seq).Take(limit)
            .Where(m => m.SenderId == senderId && (m.DeliveredAt != null || m.ReadAt != null))
            .Select(m => new { m.Id, Read = m.ReadAt != null }).ToListAsync(ct);
        return rows.ConvertAll(r => (r.Id, r.Read));
    }

    /// <summary>
    /// Catch-up: every row after <paramref name="afterSeq"/> (up to <paramref name="untilSeq"/>, where a member left),
    /// oldest first, changes included; but not a change of a message from before the member's period (after
    /// <paramref name="fromSeq"/>), which they never saw.
    /// </summary>
    public async Task<Page<MessageView>> AfterAsync(long conversationId, long afterSeq, int limit, CancellationToken ct, long? untilSeq = null, long fromSeq = 0)
    {
        var query = db.Messages.AsNoTracking().Include(m => m.Attachments).Where(m => m.ConversationId == conversationId && m.Seq > afterSeq);
        if (untilSeq is { } until) query = query.Where(m => m.Seq <= until);
        var rows = await query.OrderBy(m => m.Seq).Take(limit + 1).ToListAsync(ct);
        var page = rows.Take(limit).ToList();
        var items = (await views.OfAsync(page, ct)).Where(m => m.Kind != "change" || m.Changed?.Seq > fromSeq).ToList();
        // The next catch-up page continues after the last seq returned: ?afterSeq=<that seq>.
        return new Page<MessageView>(items, rows.Count > limit ? page[^1].Seq.ToString() : null);
    }

    /// <summary>A text message of one of the user's conversations, from their membership (and not hidden from them), or null.</summary>
    public async Task<Message?> VisibleAsync(long userId, long messageId, CancellationToken ct)
    {
        var m = await db.Messages.AsNoTracking().Include(x => x.Attachments).FirstOrDefaultAsync(x => x.Id == messageId && x.Kind == MessageKind.Text, ct);
        if (m is null) return null;
        var member = await db.Members.AsNoTracking().FirstOrDefaultAsync(x => x.ConversationId == m.ConversationId && x.UserId == userId, ct);
        var sees = member?.Sees(m.Seq) == true;
        return sees && !await db.HiddenMessages.AnyAsync(h => h.UserId == userId && h.MessageId == messageId, ct) ? m : null;
    }

    /// <summary>The user's conversations by id, with the seqs they see (their membership): where a catch-up goes through.</summary>
    public Task<List<Membership>> ConversationsOfAsync(long userId, CancellationToken ct) =>
        db.Members.AsNoTracking().Where(m => m.UserId == userId).OrderBy(m => m.ConversationId)
            .Select(m => new Membership(m.ConversationId, m.JoinedAfterSeq, m.LeftAtSeq)).ToListAsync(ct);

    public sealed record Membership(long ConversationId, long AfterSeq, long? UntilSeq);
}
