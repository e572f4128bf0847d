using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

/// <summary>A change of a conversation refused, nothing changed: <see cref="Status"/> is the HTTP status the API answers with.</summary>
public sealed record ChangeRefused(int Status, string Code, string Error);

/// <summary>
/// Membership changes with their system messages: each change and its message ("Ann added Bea") commit together, the
/// message taking the conversation's next seq, and are published after the commit, to the members who see that seq.
/// Ordered with <see cref="MessageWriter"/> the way the writer's batches are ordered with each other: on PostgreSQL the
/// conversation's advisory lock is held from before the transaction until the event is published, so no message of
/// the conversation (from any node) takes a seq meanwhile or is published before it, and a send after the change is
/// checked against it; on SQLite the write gate does the same on the one node.
/// </summary>
public sealed class ConversationChanges(ChatDbContext db, WriteGate writes, IFanout fanout, ConversationMembers members, TimeProvider clock)
{
    /// <summary>
    /// Runs <paramref name="change"/> in a transaction after taking the conversation's next seq; it changes tracked
    /// entities and returns the system events to store (the first takes that seq, the others the next ones), or a refusal.
    /// </summary>
    public async Task<ChangeRefused?> ApplyAsync(long conversationId, long actorId,
        Func<long, DateTime, Task<ChangeOutcome>> change, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        var locked = db.Database.IsNpgsql();
        try
        {
            if (locked) await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({conversationId})", ct);
            var now = StoredTime.Now(clock);
            List<Message> stored;
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                // The row lock, and the seq: the same counter the writer's batches move.
                var taken = await db.Database.SqlQuery<long>($"""
                    UPDATE conversations SET "LastSeq" = "LastSeq" + 1, "LastMessageAt" = {now} WHERE "Id" = {conversationId} RETURNING "LastSeq" AS "Value"
                    """).ToListAsync(ct);
                if (taken is not [var seq]) return new ChangeRefused(404, "not_found", "No such group.");
                var outcome = await change(seq, now);
                if (outcome.Refused is { } refused) return refused;
                var events = outcome.Events!;
                var last = seq + events.Count - 1;
                await db.Conversations.Where(c => c.Id == conversationId)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastSeq, last).SetProperty(c => c.MembersChangedAtSeq, last), ct);
                stored = events.Select((e, i) => SystemMessage(conversationId, seq + i, actorId, e, now)).ToList();
                db.Messages.AddRange(stored);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
            members.Forget(conversationId);
            await fanout.PublishAllAsync(stored.ConvertAll(m => Delivery.ToMembers(new MessageEvent(MessageView.From(m)), conversationId)));
            return null;
        }
        finally
        {
            db.ChangeTracker.Clear();
            if (locked) await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({conversationId})", CancellationToken.None);
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>A new conversation with its members and its first system message (seq 1), published to them.</summary>
    public async Task<Conversation> StartAsync(Conversation conversation, IReadOnlyList<ConversationMember> people, long actorId, SystemEvent created, CancellationToken ct)
    {
        Message first;
        using (await writes.EnterAsync(ct))
        {
            var now = StoredTime.Now(clock);
            (conversation.CreatedAt, conversation.LastMessageAt, conversation.LastSeq, conversation.MembersChangedAtSeq) = (now, now, 1, 1);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            db.Conversations.Add(conversation);
            await db.SaveChangesAsync(ct); // the id first, for the members
            foreach (var member in people) (member.ConversationId, member.JoinedAt) = (conversation.Id, now);
            db.Members.AddRange(people);
            first = SystemMessage(conversation.Id, 1, actorId, created, now);
            db.Messages.Add(first);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
        }
        await fanout.PublishAsync(Delivery.ToMembers(new MessageEvent(MessageView.From(first)), conversation.Id), CancellationToken.None);
        return conversation;
    }

    static Message SystemMessage(long conversationId, long seq, long actorId, SystemEvent e, DateTime now) => new()
    {
        ConversationId = conversationId,
        Seq = seq,
        SenderId = actorId,
        Kind = MessageKind.System,
        ClientMessageId = $"system:{conversationId}:{seq}",
        Ciphertext = e.ToBytes(),
        CreatedAt = now,
    };

    /// <summary>What a change decided: the events to store, or a refusal.</summary>
    public readonly record struct ChangeOutcome(IReadOnlyList<SystemEvent>? Events, ChangeRefused? Refused)
    {
        public static implicit operator ChangeOutcome(SystemEvent e) => new([e], null);
        public static implicit operator ChangeOutcome(List<SystemEvent> e) => new(e, null);
        public static implicit operator ChangeOutcome(ChangeRefused r) => new(null, r);
    }
}
