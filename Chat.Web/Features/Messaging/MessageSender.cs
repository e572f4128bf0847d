using Chat.Web.Data;
using Chat.Web.Features.Conversations;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

public sealed record SendCommand(long SenderId, long ToUserId, long? ConversationId, byte[] Ciphertext, string? ClientMessageId);

public abstract record SendResult
{
    /// <summary>Stored (or, for a retried client message id, stored before: <see cref="IsNew"/> is false).</summary>
    public sealed record Sent(Message Message, bool IsNew) : SendResult;
    public sealed record Rejected(string Code, string Error) : SendResult;
}

/// <summary>
/// Stores a message durably, exactly once per client message id, with the conversation's next
/// gapless seq. Both the socket gateway and the browser's form post send through here.
/// </summary>
public sealed class MessageSender(ChatDbContext db, ConversationDirectory conversations, WriteGate writes, TimeProvider clock)
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
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        using (await writes.EnterAsync(ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // The row lock taken by this UPDATE queues concurrent senders of the conversation,
            // and a rollback returns the number: seqs are gapless.
            message.Seq = (await db.Database
                .SqlQuery<long>($"UPDATE conversations SET \"LastSeq\" = \"LastSeq\" + 1 WHERE \"Id\" = {conversation.Id} RETURNING \"LastSeq\" AS \"Value\"")
                .ToListAsync(ct)).Single();
            db.Messages.Add(message);
            try
            {
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return new SendResult.Sent(message, IsNew: true);
            }
            catch (DbUpdateException e) when (db.IsUniqueViolation(e))
            {
                // The same client message id raced in from another connection and won.
                await tx.RollbackAsync(ct);
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
        return await FindRetryAsync(cmd.SenderId, clientId, ct) is { } winner
            ? new SendResult.Sent(winner, IsNew: false)
            : throw new InvalidOperationException("A unique violation without a stored message.");
    }

    Task<Message?> FindRetryAsync(long senderId, string clientId, CancellationToken ct) =>
        db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.SenderId == senderId && m.ClientMessageId == clientId, ct);
}
