using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

public enum ReceiptKind { Delivered, Read }

public enum ReceiptResult
{
    /// <summary>The message's state moved forward; its sender is told.</summary>
    Marked,
    /// <summary>Already at (or past) this state: nothing to tell anyone.</summary>
    Unchanged,
    NotFound,
}

/// <summary>
/// Delivered/read marks. Only a recipient may set them, each their own; they only move forward (read implies delivered).
/// A direct message's marks are its own columns. In a group each member has two watermarks (delivered and read up to a
/// seq) on their membership row, so a group send writes nothing per member; when a member's watermark moves, the
/// messages it passes that every other current member has too get the message's own mark ("delivered to all", "read by
/// all"). Each step forward of a message's mark is told to its sender's connections once.
/// </summary>
public sealed class Receipts(ChatDbContext db, WriteGate writes, IFanout fanout, ConversationMembers members, TimeProvider clock)
{
    public async Task<ReceiptResult> MarkAsync(long readerId, long messageId, ReceiptKind kind, CancellationToken ct)
    {
        var now = StoredTime.Now(clock);
        // One conditional UPDATE: it matches only the recipient's direct message that is not yet marked,
        // so repeats and races change nothing and the sender hears of each step once.
        int changed;
        var mine = db.Messages.Where(m => m.Id == messageId && m.ReceiverId == readerId);
        using (await writes.EnterAsync(ct))
        {
            changed = kind == ReceiptKind.Read
                ? await mine.Where(m => m.ReadAt == null).ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.ReadAt, now)
                    .SetProperty(m => m.DeliveredAt, m => m.DeliveredAt ?? now), ct)
                : await mine.Where(m => m.DeliveredAt == null).ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.DeliveredAt, now), ct);
        }
        var target = await db.Messages.AsNoTracking().Where(m => m.Id == messageId)
            .Select(m => new { Marked = new MarkedMessage(m.Id, m.ConversationId, m.Seq, m.SenderId), m.ReceiverId }).FirstOrDefaultAsync(ct);
        if (changed == 1)
        {
            await fanout.PublishAsync(Delivery.To(Receipt(target!.Marked, readerId, kind, now), target.Marked.SenderId), CancellationToken.None);
            return ReceiptResult.Marked;
        }
        if (target is { ReceiverId: null, Marked: var m })
            return await MarkInGroupAsync(readerId, m.ConversationId, m.Seq, m.SenderId, kind, ct);
        // Someone else's message is reported exactly like a missing one: ids reveal nothing.
        return target?.ReceiverId == readerId ? ReceiptResult.Unchanged : ReceiptResult.NotFound;
    }

    /// <summary>
    /// "I have read the conversation up to here": marks the reader's unread messages up to <paramref name="upToSeq"/>
    /// read in one conditional UPDATE (the oldest <see cref="MaxBatch"/>; later ones stay for the next call), and tells
    /// the senders of each once, even when two tabs do this at the same time.
    /// </summary>
    public async Task MarkReadUpToAsync(long readerId, long conversationId, long upToSeq, CancellationToken ct)
    {
        if (await members.GetAsync(conversationId, ct) is { Kind: ConversationKind.Group })
        {
            await MarkInGroupAsync(readerId, conversationId, upToSeq, senderId: null, ReceiptKind.Read, ct);
            return;
        }
        var now = StoredTime.Now(clock);
        var unread = db.Messages.Where(m => m.ConversationId == conversationId && m.ReceiverId == readerId && m.Seq <= upToSeq);
        int changed;
        using (await writes.EnterAsync(ct))
            changed = await unread.Where(m => m.ReadAt == null).OrderBy(m => m.Seq).Take(MaxBatch).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.ReadAt, now)
                .SetProperty(m => m.DeliveredAt, m => m.DeliveredAt ?? now), ct);
        if (changed == 0) return;
        // This call's rows are the ones stamped with its time: a concurrent call marks others, with its own time.
        var marked = await unread.Where(m => m.ReadAt == now).OrderBy(m => m.Seq)
            .Select(m => new MarkedMessage(m.Id, m.ConversationId, m.Seq, m.SenderId)).ToListAsync(ct); // no bodies
        await fanout.PublishAllAsync(marked.ConvertAll(m => Delivery.To(Receipt(m, readerId, ReceiptKind.Read, now), m.SenderId)));
    }

    /// <summary>
    /// Moves the member's watermark to <paramref name="seq"/> (within what they see, never back, never for their own
    /// message), writes a read mark for the message info, and gives the message mark to those of the messages passed
    /// (at most the newest <see cref="MaxBatch"/>) that every other current member has now too.
    /// </summary>
    async Task<ReceiptResult> MarkInGroupAsync(long readerId, long conversationId, long seq, long? senderId, ReceiptKind kind, CancellationToken ct)
    {
        if (senderId == readerId) return ReceiptResult.NotFound;
        if (await members.GetAsync(conversationId, ct) is not { } list || list.Find(readerId) is not { IsCurrent: true } me || seq <= me.JoinedAfterSeq)
            return ReceiptResult.NotFound;
        var now = StoredTime.Now(clock);
        var row = db.Members.Where(m => m.ConversationId == conversationId && m.UserId == readerId && m.LeftAt == null);
        var marked = new List<(MarkedMessage Message, ReceiptKind Kind)>();
        using (await writes.EnterAsync(ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var last = await LockConversationAsync(conversationId, ct);
            seq = Math.Min(seq, last);
            var before = await row.Select(m => new { Read = m.ReadUpToSeq, Delivered = m.DeliveredUpToSeq }).FirstOrDefaultAsync(ct);
            if (before is null) return ReceiptResult.Unchanged;
            var moved = kind == ReceiptKind.Read
                ? await row.Where(m => m.ReadUpToSeq < seq).ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.ReadUpToSeq, seq)
                    .SetProperty(m => m.DeliveredUpToSeq, m => m.DeliveredUpToSeq > seq ? m.DeliveredUpToSeq : seq), ct)
                : await row.Where(m => m.DeliveredUpToSeq < seq).ExecuteUpdateAsync(s => s.SetProperty(m => m.DeliveredUpToSeq, seq), ct);
            if (moved == 0) return ReceiptResult.Unchanged;
            if (kind == ReceiptKind.Read)
            {
                db.ReadMarks.Add(new ReadMark { ConversationId = conversationId, UserId = readerId, UpToSeq = seq, At = now });
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
            // The messages passed that no other current member who sees them still lacks. A read is a delivery too:
            // when the last member to get a message reads it at once, that read also completes its "delivered to all".
            IQueryable<Message> Passed(long after) => db.Messages.Where(m => m.ConversationId == conversationId && m.Seq > Math.Max(after, seq - MaxBatch)
                && m.Seq <= seq && m.Kind == MessageKind.Text && m.SenderId != readerId);
            if (kind == ReceiptKind.Read)
            {
                var read = Passed(before.Read).Where(m => m.ReadAt == null && !db.Members.Any(o => o.ConversationId == conversationId && o.LeftAt == null
                    && o.UserId != m.SenderId && o.JoinedAfterSeq < m.Seq && o.ReadUpToSeq < m.Seq));
                if (await read.ExecuteUpdateAsync(s => s.SetProperty(m => m.ReadAt, now).SetProperty(m => m.DeliveredAt, m => m.DeliveredAt ?? now), ct) > 0)
                    marked.AddRange(await MarkedAsync(Passed(before.Read).Where(m => m.ReadAt == now), ReceiptKind.Read, ct));
            }
            // Only where this receipt moved the delivered watermark (a read of what was delivered already completes none).
            if (before.Delivered < seq)
            {
                var delivered = Passed(before.Delivered).Where(m => m.DeliveredAt == null && !db.Members.Any(o => o.ConversationId == conversationId && o.LeftAt == null
                    && o.UserId != m.SenderId && o.JoinedAfterSeq < m.Seq && o.DeliveredUpToSeq < m.Seq));
                if (await delivered.ExecuteUpdateAsync(s => s.SetProperty(m => m.DeliveredAt, now), ct) > 0)
                    marked.AddRange(await MarkedAsync(Passed(before.Delivered).Where(m => m.DeliveredAt == now && m.ReadAt == null), ReceiptKind.Delivered, ct));
            }
            await tx.CommitAsync(ct);
        }
        if (marked.Count > 0)
            await fanout.PublishAllAsync(marked.ConvertAll(m => Delivery.To(Receipt(m.Message, readerId, m.Kind, now), m.Message.SenderId)));
        return ReceiptResult.Marked;
    }

    /// <summary>
    /// The conversation's last seq, its row locked until the commit. Two members' receipts at once would otherwise each
    /// see the other's watermark still behind, and neither would mark the message (write skew). SQLite's writes take
    /// turns already. The row comes first, as in the message writer and in a change, so no two of them deadlock.
    /// </summary>
    async Task<long> LockConversationAsync(long conversationId, CancellationToken ct) => db.Database.IsNpgsql()
        ? (await db.Database.SqlQuery<long>($"""SELECT "LastSeq" AS "Value" FROM conversations WHERE "Id" = {conversationId} FOR UPDATE""").ToListAsync(ct)).First()
        : await db.Conversations.Where(c => c.Id == conversationId).Select(c => c.LastSeq).FirstAsync(ct);

    async Task<IEnumerable<(MarkedMessage, ReceiptKind)>> MarkedAsync(IQueryable<Message> messages, ReceiptKind kind, CancellationToken ct) =>
        (await messages.OrderBy(m => m.Seq).Select(m => new MarkedMessage(m.Id, m.ConversationId, m.Seq, m.SenderId)).ToListAsync(ct)).Select(m => (m, kind));

    /// <summary>What a receipt tells of a message.</summary>
    sealed record MarkedMessage(long Id, long ConversationId, long Seq, long SenderId);

    /// <summary>In a group, <paramref name="readerId"/> is the member whose receipt completed the message's mark.</summary>
    static ReceiptEvent Receipt(MarkedMessage m, long readerId, ReceiptKind kind, DateTime at) => new(m.Id.ToString(), m.ConversationId.ToString(), m.Seq,
        m.SenderId.ToString(), readerId.ToString(), kind == ReceiptKind.Read ? "read" : "delivered", at);

    /// <summary>Older unread messages stay for the next call: one call never holds the writer for long.</summary>
    public const int MaxBatch = 500;
}
