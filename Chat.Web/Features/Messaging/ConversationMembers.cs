using System.Collections.Concurrent;
using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

/// <summary>A member's period in a conversation: they see the seqs after <see cref="JoinedAfterSeq"/>, up to <see cref="LeftAtSeq"/> if they left.</summary>
public sealed record MemberPeriod(long UserId, MemberRole Role, DateTime JoinedAt, long JoinedAfterSeq, long? LeftAtSeq)
{
    public bool IsCurrent => LeftAtSeq is null;
    public bool Sees(long seq) => ConversationMember.Covers(JoinedAfterSeq, LeftAtSeq, seq);
}

/// <summary>A conversation and everyone who is or was a member of it, as of its membership change at <see cref="ChangedAtSeq"/>.</summary>
public sealed record MemberList(long ConversationId, ConversationKind Kind, IReadOnlyList<MemberPeriod> Members, long ChangedAtSeq = 0)
{
    public IEnumerable<MemberPeriod> Current => Members.Where(m => m.IsCurrent);
    public MemberPeriod? Find(long userId) => Members.FirstOrDefault(m => m.UserId == userId);
    public bool IsCurrentMember(long userId) => Find(userId) is { IsCurrent: true };
}

/// <summary>
/// Who is in a conversation, per node, for the fan-out (a group message is published once, addressed to its
/// conversation, and each node finds the members who see its seq) and for authorising frames. An entry is dropped when
/// a system message of its conversation passes through this node, and after <see cref="MaxAge"/> whatever happens (a
/// node that missed the event during a Redis outage). Delivery filters by the message's seq, so an entry loaded after a
/// later change still addresses each message to exactly the members of its time.
/// </summary>
public sealed class ConversationMembers(IServiceScopeFactory scopes, TimeProvider clock)
{
    static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);
    const int MaxEntries = 10_000;
    readonly ConcurrentDictionary<long, (MemberList List, DateTimeOffset LoadedAt)> entries = new();

    /// <summary>The conversation's members, or null when it does not exist.</summary>
    public async ValueTask<MemberList?> GetAsync(long conversationId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        if (entries.TryGetValue(conversationId, out var entry) && now - entry.LoadedAt < MaxAge) return entry.List;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var conversation = await db.Conversations.AsNoTracking().Where(c => c.Id == conversationId)
            .Select(c => new { c.Kind, c.MembersChangedAtSeq }).FirstOrDefaultAsync(ct);
        if (conversation is null) return null;
        var members = await db.Members.AsNoTracking().Where(m => m.ConversationId == conversationId)
            .Select(m => new MemberPeriod(m.UserId, m.Role, m.JoinedAt, m.JoinedAfterSeq, m.LeftAtSeq)).ToListAsync(ct);
        var list = new MemberList(conversationId, conversation.Kind, members, conversation.MembersChangedAtSeq);
        if (entries.Count >= MaxEntries) entries.Clear(); // a crude bound: a reload costs one small query
        entries[conversationId] = (list, now);
        return list;
    }

    /// <summary>
    /// The members as of the membership change at <paramref name="changedAtSeq"/> or later: an older entry is read again.
    /// A removal committed on another node reaches this node's entry with its system message over the bus; a message
    /// stored after it says so itself, so it is never delivered by an entry from before the removal.
    /// </summary>
    public async ValueTask<MemberList?> GetAsync(long conversationId, long changedAtSeq, CancellationToken ct = default)
    {
        var list = await GetAsync(conversationId, ct);
        if (list is null || list.ChangedAtSeq >= changedAtSeq) return list;
        Forget(conversationId);
        return await GetAsync(conversationId, ct);
    }

    public void Forget(long conversationId) => entries.TryRemove(conversationId, out _);
}
