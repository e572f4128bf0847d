using Chat.Web.Data;
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

/// <summary>Delivered/read marks. Only the recipient may set them; they only move forward (read implies delivered).</summary>
public sealed class Receipts(ChatDbContext db, WriteGate writes, TimeProvider clock)
{
    public async Task<ReceiptResult> MarkAsync(long readerId, long messageId, ReceiptKind kind, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // One conditional UPDATE: it matches only the recipient's message that is not yet marked,
        // so repeats and races change nothing and the sender hears of each step once.
        using var _ = await writes.EnterAsync(ct);
        var mine = db.Messages.Where(m => m.Id == messageId && m.ReceiverId == readerId);
        var changed = kind == ReceiptKind.Read
            ? await mine.Where(m => m.ReadAt == null).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.ReadAt, now)
                .SetProperty(m => m.DeliveredAt, m => m.DeliveredAt ?? now), ct)
            : await mine.Where(m => m.DeliveredAt == null).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.DeliveredAt, now), ct);
        if (changed == 1)
            return new ReceiptResult.Marked(await db.Messages.AsNoTracking().FirstAsync(m => m.Id == messageId, ct));
        // Someone else's message is reported exactly like a missing one: ids reveal nothing.
        return await mine.AnyAsync(ct) ? new ReceiptResult.Unchanged() : new ReceiptResult.NotFound();
    }
}
