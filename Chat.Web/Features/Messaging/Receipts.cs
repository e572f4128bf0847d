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
/// Delivered/read marks. Only the recipient may set them; they only move forward (read implies delivered).
/// Each step forward is told to the sender's connections once.
/// </summary>
public sealed class Receipts(ChatDbContext db, WriteGate writes, IFanout fanout, TimeProvider clock)
{
    public async Task<ReceiptResult> MarkAsync(long readerId, long messageId, ReceiptKind kind, CancellationToken ct)
    {
        var now = StoredTime.Now(clock);
        // One conditional UPDATE: it matches only the recipient's message that is not yet marked,
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
        if (changed == 1)
        {
            var marked = await db.Messages.Where(m => m.Id == messageId)
                .Select(m => new MarkedMessage(m.Id, m.ConversationId, m.Seq, m.SenderId, m.ReceiverId)).FirstAsync(ct);
            await fanout.PublishAsync(Delivery.To(Receipt(marked, kind, now), marked.SenderId), CancellationToken.None);
            return ReceiptResult.Marked;
        }
        // Someone else's message is reported exactly like a missing one: ids reveal nothing.
        return await mine.AnyAsync(ct) ? ReceiptResult.Unchanged : ReceiptResult.NotFound;
    }

    /// <summary>
    /// "I have read the conversation up to here": marks the reader's unread messages up to <paramref name="upToSeq"/>
    /// read in one conditional UPDATE (the oldest <see cref="MaxBatch"/>; later ones stay for the next call), and tells
    /// the senders of each once, even when two tabs do this at the same time.
    /// </summary>
    public async Task MarkReadUpToAsync(long readerId, long conversationId, long upToSeq, CancellationToken ct)
    {
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
            .Select(m => new MarkedMessage(m.Id, m.ConversationId, m.Seq, m.SenderId, m.ReceiverId)).ToListAsync(ct); // no bodies
        await fanout.PublishAllAsync(marked.ConvertAll(m => Delivery.To(Receipt(m, ReceiptKind.Read, now), m.SenderId)));
    }

    /// <summary>What a receipt tells of a message.</summary>
    sealed record MarkedMessage(long Id, long ConversationId, long Seq, long SenderId, long ReceiverId);

    static ReceiptEvent Receipt(MarkedMessage m, ReceiptKind kind, DateTime at) => new(m.Id.ToString(), m.ConversationId.ToString(), m.Seq,
        m.SenderId.ToString(), m.ReceiverId.ToString(), kind == ReceiptKind.Read ? "read" : "delivered", at);


    /// <summary>Older unread messages stay for the next call: one call never holds the writer for long.</summary>
    public const int MaxBatch = 500;
}
