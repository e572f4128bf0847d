using Chat.Web.Data;
using Chat.Web.Features.Conversations;
using Chat.Web.Features.Realtime;
using Microsoft.EntityFrameworkCore;

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
public sealed class MessageSender(ChatDbContext db, ConversationDirectory conversations, WriteGate writes, IFanout fanout, TimeProvider clock)
{
    public const int MaxCiphertextBytes = 64 * 1024;
    public const int MaxClientMessageIdLength = 100;

    public async Task<SendResult> SendAsync(SendCommand cmd, CancellationToken ct)
    {
        if (cmd.Ciphertext.Length is 0 or > MaxCiphertextBytes)
            return new SendResult.Rejected("invalid_ciphertext", $"ciphertext must be base64 of 1 to {MaxCiphertextBytes} bytes.");
        if (cmd.ClientMessageId is { Length: 0 or > MaxClientMessageIdLength })
            return new SendResult.Rejected("invalid_client_message_id", $"clientMessageId must be 1 to {MaxClientMessageIdLength} characters.");

        // A retry of a message already stored gets the stored one back: same ack, nothing new.
        var clientId = cmd.ClientMessageId ?? Guid.NewGuid().ToString("N");
        if (cmd.ClientMessageId is not null && await FindRetryAsync(cmd.SenderId, clientId, ct) is { } earlier)
            return earlier.ReceiverId == cmd.ToUserId
                ? new SendResult.Sent(earlier, IsNew: false)
                : new SendResult.Rejected("duplicate_client_message_id", "This clientMessageId was already used for another recipient.");

        var pair = await conversations.EnsureAsync(cmd.SenderId, cmd.ToUserId, ct);
        if (pair is PairResult.WithSelf) return new SendResult.Rejected("invalid_recipient", "You cannot send a message to yourself.");
        if (pair is not PairResult.Found(var conversation)) return new SendResult.Rejected("unknown_recipient", "The recipient does not exist.");
        if (cmd.ConversationId is { } given && given != conversation.Id)
            return new SendResult.Rejected("conversation_mismatch", "conversationId is not the conversation between you and the recipient.");

        var message = new Message
        {
            ConversationId = conversation.Id,
            SenderId = cmd.SenderId,
            ReceiverId = cmd.ToUserId,
            ClientMessageId = clientId,
            Ciphertext = cmd.Ciphertext,
            CreatedAt = Microseconds(clock.GetUtcNow().UtcDateTime),
        };
        using (await writes.EnterAsync(ct))
        await using (await LockConversationAsync(conversation.Id, ct))
        {
            try
            {
                if (!await StoreAsync(message, ct))
                    return new SendResult.Rejected("unknown_recipient", "The conversation was removed (its user was deleted).");
                // After commit, still holding the conversation: the fan-out goes out in seq order.
                cmd.Committed?.Invoke(message);
                await fanout.PublishAsync(new Delivery(new MessageEvent(MessageView.From(message)),
                    [message.ReceiverId, message.SenderId], ExceptConnectionId: cmd.FromConnectionId), CancellationToken.None);
                return new SendResult.Sent(message, IsNew: true);
            }
            catch (Exception e) when (db.IsUniqueViolation(e))
            {
                // The same client message id raced in from another connection and won.
            }
        }
        return await FindRetryAsync(cmd.SenderId, clientId, ct) is { } winner
            ? new SendResult.Sent(winner, IsNew: false)
            : throw new InvalidOperationException("A unique violation without a stored message.");
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
            var rows = await db.Database.SqlQuery<StoredRow>($"""
                WITH next AS (UPDATE conversations SET "LastSeq" = "LastSeq" + 1 WHERE "Id" = {message.ConversationId} RETURNING "LastSeq")
                INSERT INTO messages ("ConversationId", "Seq", "SenderId", "ReceiverId", "ClientMessageId", "Ciphertext", "CreatedAt")
                SELECT {message.ConversationId}, "LastSeq", {message.SenderId}, {message.ReceiverId}, {message.ClientMessageId}, {message.Ciphertext}, {message.CreatedAt}
                FROM next
                RETURNING "Id", "Seq"
                """).ToListAsync(ct);
            if (rows is not [var stored]) return false;
            (message.Id, message.Seq) = (stored.Id, stored.Seq);
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

    sealed class StoredRow
    {
        public long Id { get; set; }
        public long Seq { get; set; }
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
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({conversationId})", ct);
        }
        catch
        {
            await db.Database.CloseConnectionAsync();
            throw;
        }
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
