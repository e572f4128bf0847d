using Chat.Web.Data;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Safety;

public enum BlockChange { Done, WithSelf, UnknownUser }

public sealed record BlockedUser(string Id, string DisplayName, string Phone, DateTime At);

/// <summary>
/// Blocking a person: from then on neither can start a conversation with the other or send the other a direct message
/// (both checked where the send's own statement reads: Messaging/PostgresMessageStore, SqliteMessageStore), and the
/// blocked person gets no presence or typing from the blocker. Groups are not affected: a group is everyone's, and a
/// member leaves it instead. Idempotent both ways.
/// </summary>
public sealed class Blocks(ChatDbContext db, WriteGate writes, TimeProvider clock, IFanout fanout, PresenceTracker presence)
{
    public const int MaxListed = 500;

    public async Task<BlockChange> BlockAsync(long me, long userId, CancellationToken ct)
    {
        if (me == userId) return BlockChange.WithSelf;
        if (!await db.Users.AnyAsync(u => u.Id == userId, ct)) return BlockChange.UnknownUser;
        using (await writes.EnterAsync(ct))
        {
            if (!await db.Blocks.AnyAsync(b => b.BlockerId == me && b.BlockedId == userId, ct))
            {
                db.Blocks.Add(new Block { BlockerId = me, BlockedId = userId, At = clock.GetUtcNow().UtcDateTime });
                try
                {
                    await db.SaveChangesAsync(ct);
                }
                catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
                {
                    db.ChangeTracker.Clear(); // blocked at the same moment from another tab: the same block
                }
            }
        }
        // On their screens I go offline and stop typing now, not at my next change.
        await fanout.PublishAllAsync([
            Delivery.To(new PresenceEvent(me.ToString(), false, null), userId),
            Delivery.To(new TypingEvent(me.ToString(), userId.ToString(), "stop"), userId),
        ]);
        return BlockChange.Done;
    }

    public async Task<BlockChange> UnblockAsync(long me, long userId, CancellationToken ct)
    {
        if (me == userId) return BlockChange.WithSelf;
        if (!await db.Users.AnyAsync(u => u.Id == userId, ct)) return BlockChange.UnknownUser;
        using (await writes.EnterAsync(ct))
            await db.Blocks.Where(b => b.BlockerId == me && b.BlockedId == userId).ExecuteDeleteAsync(ct);
        // They see my presence again from now on.
        var lastSeen = await db.Users.Where(u => u.Id == me).Select(u => u.LastSeenAt).FirstOrDefaultAsync(ct);
        var online = await presence.IsOnlineAsync(me);
        await fanout.PublishAsync(Delivery.To(new PresenceEvent(me.ToString(), online, online ? null : lastSeen), userId), ct);
        return BlockChange.Done;
    }

    /// <summary>Null when neither blocked the other; true when I blocked them; false when they blocked me.</summary>
    public Task<bool?> BetweenAsync(long me, long other, CancellationToken ct) => db.BlockBetweenAsync(me, other, ct);

    /// <summary>The people I blocked, most recent first.</summary>
    public Task<List<BlockedUser>> ListAsync(long me, CancellationToken ct) =>
        (from b in db.Blocks.AsNoTracking()
         join u in db.Users on b.BlockedId equals u.Id
         where b.BlockerId == me
         orderby b.At descending
         select new BlockedUser(u.Id.ToString(), u.DisplayName, u.Phone, b.At)).Take(MaxListed).ToListAsync(ct);
}
