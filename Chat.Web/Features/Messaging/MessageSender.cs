using Chat.Web.Data;
using Chat.Web.Features.Conversations;
using Chat.Web.Features.Realtime;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

/// <param name="FromConnectionId">The sending connection, which gets an ack instead of the "message" event; null for a form post.</param>
/// <param name="Committed">
/// Called with a new message (the view its event carries) after commit, in the same ordered step as the fan-out: the
/// socket queues its ack here, so a connection sees its acks and others' messages in seq order.
/// </param>
public sealed record SendCommand(long SenderId, long ToUserId, long? ConversationId, byte[] Ciphertext, string? ClientMessageId,
    string? FromConnectionId = null, Action<MessageView>? Committed = null);

public abstract record SendResult
{
    /// <summary>Stored (or, for a retried client message id, stored before: <see cref="IsNew"/> is false).</summary>
    public sealed record Sent(Message Message, bool IsNew) : SendResult;
    public sealed record Rejected(string Code, string Error) : SendResult;
}

/// <summary>
/// Checks a send (limits, recipient, conversation) and hands it to <see cref="MessageWriter"/>, which stores it
/// durably, exactly once per client message id, with the conversation's next gapless seq, then fans it out.
/// Both the socket gateway and the browser's form post send through here. A singleton: a send needs the database
/// only for a pair's first conversation lookup and for a retried client message id, and takes a scope just then.
/// </summary>
public sealed class MessageSender(IServiceScopeFactory scopes, KnownConversations knownConversations,
    MessageWriter writer, Throttle throttle, ThrottlePolicies limits, TimeProvider clock)
{
    public const int MaxCiphertextBytes = 64 * 1024;
    public const int MaxClientMessageIdLength = 100;

    /// <summary>Checks and stores a send; returns once it is committed (or rejected).</summary>
    public async Task<SendResult> SendAsync(SendCommand cmd, CancellationToken ct) => await await QueueAsync(cmd, ct);

    /// <summary>
    /// Checks a send and queues it for the writer. Returns once it is queued (or rejected), with the task of its
    /// outcome: a caller that queues its next send only after this returns has its sends stored in that order,
    /// without waiting for each commit (the socket reads its next frame meanwhile).
    /// </summary>
    public async Task<Task<SendResult>> QueueAsync(SendCommand cmd, CancellationToken ct)
    {
        if (cmd.Ciphertext.Length is 0 or > MaxCiphertextBytes)
            return Rejected("invalid_ciphertext", $"ciphertext must be base64 of 1 to {MaxCiphertextBytes} bytes.");
        if (cmd.ClientMessageId is { Length: 0 or > MaxClientMessageIdLength })
            return Rejected("invalid_client_message_id", $"clientMessageId must be 1 to {MaxClientMessageIdLength} characters.");

        var clientId = cmd.ClientMessageId ?? Guid.NewGuid().ToString("N");
        // Per user across all their connections and nodes, counted in Redis a lease of hits at a time (most sends
        // cost no round trip for it). A retry of a stored message is not a new message: over the limit it still gets its ack.
        if (!(await throttle.HitLeasedAsync(limits.MessagesPerUser, cmd.SenderId.ToString())).Allowed)
            return Task.FromResult(cmd.ClientMessageId is not null && await FindRetryAsync(cmd.SenderId, clientId, ct) is { } earlier
                ? Retried(earlier, cmd)
                : new SendResult.Rejected("rate_limited", "Too many messages; slow down."));

        if (cmd.SenderId == cmd.ToUserId) return Rejected("invalid_recipient", "You cannot send a message to yourself.");
        if (await ConversationIdAsync(cmd.SenderId, cmd.ToUserId, ct) is not { } conversationId)
            return Rejected("unknown_recipient", "The recipient does not exist.");
        if (cmd.ConversationId is { } given && given != conversationId)
            return Rejected("conversation_mismatch", "conversationId is not the conversation between you and the recipient.");

        var message = new Message
        {
            ConversationId = conversationId,
            SenderId = cmd.SenderId,
            ReceiverId = cmd.ToUserId,
            ClientMessageId = clientId,
            Ciphertext = cmd.Ciphertext,
            CreatedAt = Microseconds(clock.GetUtcNow().UtcDateTime),
        };
        return OutcomeAsync(message, cmd, await writer.QueueAsync(message, cmd, ct), ct);
    }

    async Task<SendResult> OutcomeAsync(Message message, SendCommand cmd, Task<StoreOutcome> stored, CancellationToken ct)
    {
        switch (await stored)
        {
            case StoreOutcome.Stored:
                return new SendResult.Sent(message, IsNew: true);
            case StoreOutcome.ConversationGone:
                knownConversations.Forget(cmd.SenderId, cmd.ToUserId);
                return new SendResult.Rejected("unknown_recipient", "The conversation was removed (its user was deleted).");
            default:
                // This client message id is stored already: a retry, or the same send racing in from another connection.
                return await FindRetryAsync(cmd.SenderId, message.ClientMessageId, ct) is { } earlier
                    ? Retried(earlier, cmd)
                    : throw new InvalidOperationException("A client message id stored before, but not found.");
        }
    }

    static Task<SendResult> Rejected(string code, string error) => Task.FromResult<SendResult>(new SendResult.Rejected(code, error));

    /// <summary>The stored message answers its retry (same ack, nothing new), unless the id was used for another recipient.</summary>
    static SendResult Retried(Message stored, SendCommand cmd) => stored.ReceiverId == cmd.ToUserId
        ? new SendResult.Sent(stored, IsNew: false)
        : new SendResult.Rejected("duplicate_client_message_id", "This clientMessageId was already used for another recipient.");

    /// <summary>The pair's conversation id; remembered, since a pair's conversation only goes away with one of its users.</summary>
    async ValueTask<long?> ConversationIdAsync(long sender, long recipient, CancellationToken ct)
    {
        if (knownConversations.TryGet(sender, recipient, out var id)) return id;
        await using var scope = scopes.CreateAsyncScope();
        if (await scope.ServiceProvider.GetRequiredService<ConversationDirectory>().EnsureAsync(sender, recipient, ct) is not PairResult.Found(var conversation))
            return null;
        knownConversations.Remember(sender, recipient, conversation.Id);
        return conversation.Id;
    }

    /// <summary>PostgreSQL keeps microseconds: a time cut to them reads back equal, so a retried ack is identical.</summary>
    static DateTime Microseconds(DateTime t) => t.AddTicks(-(t.Ticks % 10));

    async Task<Message?> FindRetryAsync(long senderId, string clientId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ChatDbContext>().Messages.AsNoTracking()
            .FirstOrDefaultAsync(m => m.SenderId == senderId && m.ClientMessageId == clientId, ct);
    }
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
