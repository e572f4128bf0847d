using Chat.Web.Data;
using Chat.Web.Features.Realtime;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

public enum ReceiptKind { Delivered, Read }

public abstract record ReceiptResult
{
    /// <summary>The message's state moved forward; the sender should be told.</summary>
    public sealed record Marked(Message Message) : ReceiptResult;
    /// <summary>Already at (or past) this state: nothing to tell anyone.</summary>
    public sealed record Unchanged : ReceiptResult;
    public sealed record NotFound : ReceiptResult;
}

/// <summary>
/// Delivered/read marks. Only the recipient may set them; they only move forward (read implies delivered).
/// Each step forward is told to the sender's connections once.
/// </summary>
public sealed class Receipts(ChatDbContext db, WriteGate writes, IFanout fanout, TimeProvider clock)
{
    public async Task<ReceiptResult> MarkAsync(long readerId, long messageId, ReceiptKind kind, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % 10)); // microseconds, as PostgreSQL keeps them
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
            var marked = await db.Messages.AsNoTracking().FirstAsync(m => m.Id == messageId, ct);
            var receipt = new ReceiptEvent(marked.Id.ToString(), marked.ConversationId.ToString(), marked.Seq, marked.SenderId.ToString(),
                marked.ReceiverId.ToString(), kind == ReceiptKind.Read ? "read" : "delivered", now);
            await fanout.PublishAsync(Delivery.To(receipt, marked.SenderId), CancellationToken.None);
            return new ReceiptResult.Marked(marked);
        }
        // Someone else's message is reported exactly like a missing one: ids reveal nothing.
        return await mine.AnyAsync(ct) ? new ReceiptResult.Unchanged() : new ReceiptResult.NotFound();
    }

    /// <summary>
    /// "I have read the conversation up to here": marks the reader's unread messages up to
    /// <paramref name="upToSeq"/> read, one conditional update each, so the sender hears of each once
    /// even when two tabs do this at the same time. Returns how many changed.
    /// </summary>
    public async Task<int> MarkReadUpToAsync(long readerId, long conversationId, long upToSeq, CancellationToken ct)
    {
        var unread = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.ReceiverId == readerId && m.Seq <= upToSeq && m.ReadAt == null)
            .OrderBy(m => m.Seq).Select(m => m.Id).Take(MaxBatch).ToListAsync(ct);
        var marked = 0;
        foreach (var id in unread)
            if (await MarkAsync(readerId, id, ReceiptKind.Read, ct) is ReceiptResult.Marked) marked++;
        return marked;
    }

    /// <summary>Older unread messages stay for the next call: one call never holds the writer for long.</summary>
    public const int MaxBatch = 500;
}
