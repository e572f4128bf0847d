using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

public abstract record PairResult
{
    public sealed record Found(Conversation Conversation) : PairResult;
    public sealed record NotStarted : PairResult;
    public sealed record WithSelf : PairResult;
    public sealed record UnknownPeer : PairResult;
    /// <summary>No conversation yet, and one of the two blocked the other (<paramref name="ByMe"/>: the asker did): none may start.</summary>
    public sealed record Blocked(bool ByMe) : PairResult;
}

/// <summary>
/// Finds (or starts) a pair's conversation: one direct and one secret per pair of users, stored with the smaller id first.
/// </summary>
public sealed class PairConversations(ChatDbContext db, WriteGate writes, TimeProvider clock)
{
    /// <summary>
    /// The pair's conversation, created on first use. Race-free: concurrent callers all try the
    /// insert, the unique (AId, BId) index lets one win, and the others read the winner's row.
    /// </summary>
    public async Task<PairResult> EnsureAsync(long me, long peer, CancellationToken ct, ConversationKind kind = ConversationKind.Direct)
    {
        var found = await FindAsync(me, peer, ct, kind);
        if (found is not PairResult.NotStarted) return found;
        if (await db.BlockBetweenAsync(me, peer, ct) is { } byMe) return new PairResult.Blocked(byMe);
        var (a, b) = me < peer ? (me, peer) : (peer, me);
        using (await writes.EnterAsync(ct))
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var conversation = new Conversation { Kind = kind, AId = a, BId = b, CreatedAt = now };
            db.Conversations.Add(conversation);
            try
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                await db.SaveChangesAsync(ct); // the id first, for the members
                db.Members.AddRange(Member(conversation.Id, a, now), Member(conversation.Id, b, now));
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return new PairResult.Found(conversation);
            }
            catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
            {
                db.ChangeTracker.Clear();
            }
        }
        return await FindAsync(me, peer, ct, kind);
    }

    static ConversationMember Member(long conversationId, long userId, DateTime at) =>
        new() { ConversationId = conversationId, UserId = userId, Role = MemberRole.Member, JoinedAt = at };

    /// <summary>The pair's conversation if it exists; never creates one.</summary>
    public async Task<PairResult> FindAsync(long me, long peer, CancellationToken ct, ConversationKind kind = ConversationKind.Direct)
    {
        if (me == peer) return new PairResult.WithSelf();
        var (a, b) = me < peer ? (me, peer) : (peer, me);
        var conversation = await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.AId == a && c.BId == b && c.Kind == kind, ct);
        if (conversation is not null) return new PairResult.Found(conversation);
        return await db.Users.AnyAsync(u => u.Id == peer, ct) ? new PairResult.NotStarted() : new PairResult.UnknownPeer();
    }
}
