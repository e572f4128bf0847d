using Chat.Web.Data;
using Chat.Web.Features.Conversations;
using Chat.Web.Features.Realtime;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Chat.Web.Features.Messaging;

/// <param name="FromConnectionId">The sending connection, which gets an ack instead of the "message" event; null for a form post.</param>
/// <param name="Committed">
/// Called with a new message after commit, in the same ordered step as the fan-out: the socket queues
/// its ack here, so a connection sees its acks and others' messages in seq order.
/// </param>
public sealed record SendCommand(long SenderId, long ToUserId, long? ConversationId, byte[] Ciphertext, string? ClientMessageId,
    string? FromConnectionId = null, Action<Message>? Committed = null);

public abstract record SendResult
{
    /// <summary>Stored (or, for a retried client message id, stored before: <see cref="IsNew"/> is false).</summary>
    public sealed record Sent(Message Message, bool IsNew) : SendResult;
    public sealed record Rejected(string Code, string Error) : SendResult;
}

/// <summary>
/// Stores a message durably, exactly once per client message id, with the conversation's next
/// gapless seq, then fans it out. Both the socket gateway and the browser's form post send through here.
/// </summary>
public sealed class MessageSender(ChatDbContext db, ConversationDirectory conversations, KnownConversations knownConversations,
    WriteGate writes, IFanout fanout, Throttle throttle, ThrottlePolicies limits, TimeProvider clock)
{
    public const int MaxCiphertextBytes = 64 * 1024;
    public const int MaxClientMessageIdLength = 100;

    public async Task<SendResult> SendAsync(SendCommand cmd, CancellationToken ct)
    {
        if (cmd.Ciphertext.Length is 0 or > MaxCiphertextBytes)
            return new SendResult.Rejected("invalid_ciphertext", $"ciphertext must be base64 of 1 to {MaxCiphertextBytes} bytes.");
        if (cmd.ClientMessageId is { Length: 0 or > MaxClientMessageIdLength })
            return new SendResult.Rejected("invalid_client_message_id", $"clientMessageId must be 1 to {MaxClientMessageIdLength} characters.");

        var clientId = cmd.ClientMessageId ?? Guid.NewGuid().ToString("N");
        // Per user across all their connections and nodes. A retry of a stored message is not a new
        // message: over the limit it still gets its ack.
        if (!(await throttle.HitAsync(limits.MessagesPerUser, cmd.SenderId.ToString())).Allowed)
            return cmd.ClientMessageId is not null && await FindRetryAsync(cmd.SenderId, clientId, ct) is { } earlier
                ? Retried(earlier, cmd)
                : new SendResult.Rejected("rate_limited", "Too many messages; slow down.");

        if (cmd.SenderId == cmd.ToUserId) return new SendResult.Rejected("invalid_recipient", "You cannot send a message to yourself.");
        if (await ConversationIdAsync(cmd.SenderId, cmd.ToUserId, ct) is not { } conversationId)
            return new SendResult.Rejected("unknown_recipient", "The recipient does not exist.");
        if (cmd.ConversationId is { } given && given != conversationId)
            return new SendResult.Rejected("conversation_mismatch", "conversationId is not the conversation between you and the recipient.");

        var message = new Message
        {
            ConversationId = conversationId,
            SenderId = cmd.SenderId,
            ReceiverId = cmd.ToUserId,
            ClientMessageId = clientId,
            Ciphertext = cmd.Ciphertext,
            CreatedAt = Microseconds(clock.GetUtcNow().UtcDateTime),
        };
        using (await writes.EnterAsync(ct))
        await using (await LockConversationAsync(conversationId, ct))
        {
            try
            {
                if (!await StoreAsync(message, ct))
                {
                    knownConversations.Forget(cmd.SenderId, cmd.ToUserId);
                    return new SendResult.Rejected("unknown_recipient", "The conversation was removed (its user was deleted).");
                }
                // After commit, still holding the conversation: the fan-out goes out in seq order.
                cmd.Committed?.Invoke(message);
                await fanout.PublishAsync(new Delivery(new MessageEvent(MessageView.From(message)),
                    [message.ReceiverId, message.SenderId], ExceptConnectionId: cmd.FromConnectionId), CancellationToken.None);
                return new SendResult.Sent(message, IsNew: true);
            }
            catch (Exception e) when (db.IsUniqueViolation(e))
            {
                // This client message id is stored already: a retry, or the same send racing in from
                // another connection. The unique index is the check, so a new message costs no lookup.
            }
        }
        return await FindRetryAsync(cmd.SenderId, clientId, ct) is { } stored
            ? Retried(stored, cmd)
            : throw new InvalidOperationException("A unique violation without a stored message.");
    }

    /// <summary>The stored message answers its retry (same ack, nothing new), unless the id was used for another recipient.</summary>
    static SendResult Retried(Message stored, SendCommand cmd) => stored.ReceiverId == cmd.ToUserId
        ? new SendResult.Sent(stored, IsNew: false)
        : new SendResult.Rejected("duplicate_client_message_id", "This clientMessageId was already used for another recipient.");

    /// <summary>The pair's conversation id; remembered, since a pair's conversation only goes away with one of its users.</summary>
    async Task<long?> ConversationIdAsync(long sender, long recipient, CancellationToken ct)
    {
        if (knownConversations.TryGet(sender, recipient, out var id)) return id;
        if (await conversations.EnsureAsync(sender, recipient, ct) is not PairResult.Found(var conversation)) return null;
        knownConversations.Remember(sender, recipient, conversation.Id);
        return conversation.Id;
    }

    /// <summary>
    /// Takes the conversation's next seq and inserts the message, atomically: the UPDATE's row lock
    /// queues concurrent senders of the conversation, and a failed insert gives the number back, so
    /// seqs are gapless. On PostgreSQL it is one statement (one round trip, no explicit transaction).
    /// False when the conversation no longer exists (an admin removed one of its users meanwhile).
    /// </summary>
    async Task<bool> StoreAsync(Message message, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
        {
            // The conversation's advisory lock (see LockConversationAsync) and the store go out as one
            // batch: one round trip. The batch runs as one implicit transaction, so a failed insert
            // undoes the seq increment as well (the session-level lock is released by the caller).
            await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection())
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("SELECT pg_advisory_lock($1)") { Parameters = { new() { Value = message.ConversationId } } },
                    new NpgsqlBatchCommand("""
                        WITH next AS (UPDATE conversations SET "LastSeq" = "LastSeq" + 1 WHERE "Id" = $1 RETURNING "LastSeq")
                        INSERT INTO messages ("ConversationId", "Seq", "SenderId", "ReceiverId", "ClientMessageId", "Ciphertext", "CreatedAt")
                        SELECT $1, "LastSeq", $2, $3, $4, $5, $6 FROM next
                        RETURNING "Id", "Seq"
                        """)
                    {
                        Parameters =
                        {
                            new() { Value = message.ConversationId }, new() { Value = message.SenderId }, new() { Value = message.ReceiverId },
                            new() { Value = message.ClientMessageId }, new() { Value = message.Ciphertext }, new() { Value = message.CreatedAt },
                        },
                    },
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(ct);
            await reader.NextResultAsync(ct); // past the lock's row
            if (!await reader.ReadAsync(ct)) return false;
            (message.Id, message.Seq) = (reader.GetInt64(0), reader.GetInt64(1));
            return true;
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var seqs = await db.Database
            .SqlQuery<long>($"UPDATE conversations SET \"LastSeq\" = \"LastSeq\" + 1 WHERE \"Id\" = {message.ConversationId} RETURNING \"LastSeq\" AS \"Value\"")
            .ToListAsync(ct);
        if (seqs is not [var seq]) return false;
        message.Seq = seq;
        db.Messages.Add(message);
        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>
    /// Holds the conversation from taking a seq until its fan-out is published, so that events leave in
    /// seq order even with concurrent senders on several nodes (the UPDATE's row lock ends at commit,
    /// before the publish). PostgreSQL: a session advisory lock keyed by the conversation id. SQLite runs
    /// on one node, where the WriteGate already serialises writers.
    /// </summary>
    async Task<IAsyncDisposable> LockConversationAsync(long conversationId, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql()) return NoLock.Instance;
        // The lock itself is taken by StoreAsync's batch, on this connection, held open until the release.
        await db.Database.OpenConnectionAsync(ct);
        return new AdvisoryLock(db, conversationId);
    }

    sealed class AdvisoryLock(ChatDbContext db, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                // Never cancelled: a lock left behind would stall the conversation until the pooled connection closes.
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({key})", CancellationToken.None);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    sealed class NoLock : IAsyncDisposable
    {
        public static readonly NoLock Instance = new();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>PostgreSQL keeps microseconds: a time cut to them reads back equal, so a retried ack is identical.</summary>
    static DateTime Microseconds(DateTime t) => t.AddTicks(-(t.Ticks % 10));

    Task<Message?> FindRetryAsync(long senderId, string clientId, CancellationToken ct) =>
        db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.SenderId == senderId && m.ClientMessageId == clientId, ct);
}

/// <summary>Pair → conversation id, per process. Safe to cache: ids never change and are never reused.</summary>
public sealed class KnownConversations
{
    readonly System.Collections.Concurrent.ConcurrentDictionary<(long, long), long> ids = new();

    static (long, long) Key(long a, long b) => a < b ? (a, b) : (b, a);
    public bool TryGet(long a, long b, out long id) => ids.TryGetValue(Key(a, b), out id);
    public void Remember(long a, long b, long id) => ids[Key(a, b)] = id;
    public void Forget(long a, long b) => ids.TryRemove(Key(a, b), out _);
}
