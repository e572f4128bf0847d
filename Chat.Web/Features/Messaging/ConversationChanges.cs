using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

/// <summary>A change of a conversation refused, nothing changed: <see cref="Status"/> is the HTTP status the API answers with.</summary>
public sealed record ChangeRefused(int Status, string Code, string Error);

/// <summary>
/// Changes of a conversation with the rows that tell its members: a membership change with its system message ("Ann
/// added Bea"), or a change of a message (an edit, a delete for everyone, a reaction) with its change row. Each change
/// and its rows commit together, the rows taking the conversation's next seqs, and are published after the commit, to
/// the members who see those seqs. Ordered with <see cref="MessageWriter"/> the way the writer's batches are ordered
/// with each other: on PostgreSQL the conversation's advisory lock is held from before the transaction until the event
/// is published, so no message of the conversation (from any node) takes a seq meanwhile or is published before it,
/// and a send after the change is checked against it; on SQLite the write gate does the same on the one node.
/// </summary>
public sealed class ConversationChanges(ChatDbContext db, WriteGate writes, IFanout fanout, ConversationMembers members, MessageViews views, TimeProvider clock)
{
    /// <summary>
    /// A membership change: runs <paramref name="change"/> in a transaction after taking the conversation's next seq; it
    /// changes tracked entities and returns the system events to store (the first takes that seq, the others the next
    /// ones), or a refusal.
    /// </summary>
    public Task<ChangeRefused?> ApplyAsync(long conversationId, long actorId, Func<long, DateTime, Task<ChangeOutcome>> change, CancellationToken ct) =>
        RunAsync(conversationId, membership: true, async (seq, now) =>
        {
            var outcome = await change(seq, now);
            return outcome.Refused is { } refused ? refused
                : outcome.Events!.Select((e, i) => Row(conversationId, seq + i, actorId, MessageKind.System, e.ToBytes(), now)).ToList();
        }, ct);

    /// <summary>
    /// A change of a message: <paramref name="change"/> changes the tracked message (and its reactions) and returns what
    /// it did, or nothing when there was nothing to change (nothing is stored, and nobody is told), or a refusal.
    /// </summary>
    public Task<ChangeRefused?> ChangeMessageAsync(long conversationId, long actorId, Func<DateTime, Task<MessageChangeOutcome>> change, CancellationToken ct) =>
        RunAsync(conversationId, membership: false, async (seq, now) =>
        {
            var outcome = await change(now);
            return outcome.Refused is { } refused ? refused
                : outcome.Change is { } done ? [Row(conversationId, seq, actorId, MessageKind.Change, done.ToBytes(), now)] : new List<Message>();
        }, ct);

    async Task<ChangeRefused?> RunAsync(long conversationId, bool membership, Func<long, DateTime, Task<RowsOutcome>> change, CancellationToken ct)
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
                // The row lock, and the seq: the same counter the writer's batches move. A message's change is not
                // activity: the conversation keeps its place in the list.
                var taken = await db.Database.SqlQuery<long>($"""
                    UPDATE conversations SET "LastSeq" = "LastSeq" + 1, "LastMessageAt" = CASE WHEN {membership} THEN {now} ELSE "LastMessageAt" END
                    WHERE "Id" = {conversationId} RETURNING "LastSeq" AS "Value"
                    """).ToListAsync(ct);
                if (taken is not [var seq]) return new ChangeRefused(404, "not_found", membership ? "No such group." : "No such conversation.");
                var outcome = await change(seq, now);
                if (outcome.Refused is { } refused) return refused;
                stored = outcome.Rows!;
                if (stored.Count == 0) return null; // rolled back: the seq is not taken
                var last = seq + stored.Count - 1;
                await db.Conversations.Where(c => c.Id == conversationId).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastSeq, last)
                    .SetProperty(c => c.MembersChangedAtSeq, c => membership ? last : c.MembersChangedAtSeq), ct);
                db.Messages.AddRange(stored);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
            if (membership) members.Forget(conversationId);
            // Read after the commit and before the lock goes: the changed message as this change left it.
            var published = membership ? stored.ConvertAll(MessageView.From) : await views.OfAsync(stored, ct);
            await fanout.PublishAllAsync(published.ConvertAll(m => Delivery.ToMembers(new MessageEvent(m), conversationId)));
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
            first = Row(conversation.Id, 1, actorId, MessageKind.System, created.ToBytes(), now);
            db.Messages.Add(first);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
        }
        await fanout.PublishAsync(Delivery.ToMembers(new MessageEvent(MessageView.From(first)), conversation.Id), CancellationToken.None);
        return conversation;
    }

    static Message Row(long conversationId, long seq, long actorId, MessageKind kind, byte[] payload, DateTime now) => new()
    {
        ConversationId = conversationId,
        Seq = seq,
        SenderId = actorId,
        Kind = kind,
        ClientMessageId = $"{(kind == MessageKind.System ? "system" : "change")}:{conversationId}:{seq}",
        Ciphertext = payload,
        CreatedAt = now,
    };

    /// <summary>What a change decided: the events to store, or a refusal.</summary>
    public readonly record struct ChangeOutcome(IReadOnlyList<SystemEvent>? Events, ChangeRefused? Refused)
    {
        public static implicit operator ChangeOutcome(SystemEvent e) => new([e], null);
        public static implicit operator ChangeOutcome(List<SystemEvent> e) => new(e, null);
        public static implicit operator ChangeOutcome(ChangeRefused r) => new(null, r);
    }

    /// <summary>What a message's change did: the change to tell, none (nothing changed), or a refusal.</summary>
    public readonly record struct MessageChangeOutcome(MessageChange? Change, ChangeRefused? Refused)
    {
        public static readonly MessageChangeOutcome Unchanged = default;
        public static implicit operator MessageChangeOutcome(MessageChange c) => new(c, null);
        public static implicit operator MessageChangeOutcome(ChangeRefused r) => new(null, r);
    }

    readonly record struct RowsOutcome(List<Message>? Rows, ChangeRefused? Refused)
    {
        public static implicit operator RowsOutcome(List<Message> rows) => new(rows, null);
        public static implicit operator RowsOutcome(ChangeRefused r) => new(null, r);
    }
}
