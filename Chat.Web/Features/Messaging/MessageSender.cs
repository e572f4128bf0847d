using Chat.Web.Data;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// Checks a send (limits, recipient, conversation) and hands it to <see cref="MessageWriter"/>, which stores it
/// durably, exactly once per client message id, with the conversation's next gapless seq, then fans it out.
/// The socket and the browser's form post both send through here. A singleton: a send takes a database scope
/// only for a pair's first conversation lookup and for a retried client message id.
/// </summary>
public sealed class MessageSender(IServiceScopeFactory scopes, KnownConversations knownConversations, ConversationMembers members,
    MessageWriter writer, IFanout fanout, Throttle throttle, ThrottlePolicies limits, TimeProvider clock, ILogger<MessageSender> log)
{
    public const int MaxCiphertextBytes = 64 * 1024;
    public const int MaxClientMessageIdLength = 100;
    public const int MaxAttachments = 10;

    /// <summary>Checks and stores a send; returns once it is committed (or refused). For a form post.</summary>
    public async Task<SendResult> SendAsync(SendCommand cmd, CancellationToken ct)
    {
        using var span = StartSpan(cmd);
        var (decided, pending) = await AdmitAsync(cmd, ct);
        if (pending is null) return decided!;
        await writer.QueueAsync(pending, ct);
        return await OutcomeAsync(pending, cmd, ct);
    }

    /// <summary>
    /// Checks a send and queues it for the writer; returns once it is queued, or with the refusal. Sends queued one
    /// after another are stored in that order, and the caller need not wait for each commit: the origin connection
    /// gets the outcome as an event (an ack, or an error whose ref is the client message id).
    /// </summary>
    public async Task<SendResult.Rejected?> QueueAsync(SendCommand cmd, CancellationToken ct)
    {
        using var span = StartSpan(cmd);
        var (decided, pending) = await AdmitAsync(cmd, ct);
        if (decided is SendResult.Rejected rejected) return rejected;
        if (pending is null)
        {
            await ReportAsync(decided!, cmd); // a retry over the rate limit: its ack
            return null;
        }
        await writer.QueueAsync(pending, ct);
        _ = ReportWhenStoredAsync(pending, cmd);
        return null;
    }

    /// <summary>Either a send to queue, or the result decided without storing anything (a refusal, or a retry's earlier message).</summary>
    async Task<(SendResult? Decided, PendingSend? Pending)> AdmitAsync(SendCommand cmd, CancellationToken ct)
    {
        var attachmentIds = cmd.AttachmentIds ?? [];
        if (cmd.Ciphertext.Length > MaxCiphertextBytes || (cmd.Ciphertext.Length == 0 && attachmentIds.Count == 0))
            return Refused("invalid_ciphertext", $"ciphertext must be base64 of 1 to {MaxCiphertextBytes} bytes (it may be empty when the message has attachments).");
        if (attachmentIds.Count > MaxAttachments || attachmentIds.Distinct().Count() != attachmentIds.Count)
            return Refused("invalid_attachments", $"attachments must be at most {MaxAttachments} distinct upload ids.");
        if (cmd.ClientMessageId is { Length: 0 or > MaxClientMessageIdLength })
            return Refused("invalid_client_message_id", $"clientMessageId must be 1 to {MaxClientMessageIdLength} characters.");

        var clientId = cmd.ClientMessageId ?? Guid.NewGuid().ToString("N");
        // Per user across all their connections and nodes, counted in Redis a lease of hits at a time (most sends
        // cost no round trip). A retry of a stored message is not a new message: over the limit it still gets its ack.
        if (!(await throttle.HitLeasedAsync(limits.MessagesPerUser, cmd.SenderId.ToString())).Allowed)
            return (cmd.ClientMessageId is not null && await FindRetryAsync(cmd.SenderId, clientId, ct) is { } earlier
                ? Retried(earlier, cmd)
                : new SendResult.Rejected("rate_limited", "Too many messages; slow down."), null);

        var (conversationId, receiverId, refusal) = await AddresseeAsync(cmd, ct);
        if (refusal is not null) return (refusal, null);
        QuoteView? quote = null;
        if (cmd.ReplyToId is { } replyTo && (quote = await QuoteAsync(cmd.SenderId, conversationId, replyTo, ct)) is null)
            return Refused("invalid_reply", "replyToId is not a message of this conversation that you can see.");
        List<Attachment> attachments = [];
        if (attachmentIds.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            (attachments, var unusable) = await scope.ServiceProvider.GetRequiredService<Attachable>().FindAsync(cmd.SenderId, attachmentIds, ct);
            // An upload already sent: a retry of that message gets its ack; any other use of it is refused.
            if (unusable is not null)
                return (cmd.ClientMessageId is not null && await FindRetryAsync(cmd.SenderId, clientId, ct) is { } earlier ? Retried(earlier, cmd) : unusable, null);
        }

        return (null, new PendingSend(new Message
        {
            ConversationId = conversationId,
            SenderId = cmd.SenderId,
            ReceiverId = receiverId,
            ClientMessageId = clientId,
            Ciphertext = cmd.Ciphertext,
            CreatedAt = StoredTime.Now(clock), // a retried ack reads back identical
            ReplyToId = cmd.ReplyToId,
            Forwarded = cmd.Forwarded,
            Attachments = attachments,
        }, cmd.Origin, quote));
    }

    /// <summary>The quote of a message the sender may reply to: a text message of the same conversation, of their membership.</summary>
    async Task<QuoteView?> QuoteAsync(long senderId, long conversationId, long messageId, CancellationToken ct)
    {
        // A secret conversation's text is the devices' alone: the server has no snippet to quote.
        if (await members.GetAsync(conversationId, ct) is not { Kind: not ConversationKind.Secret } list || list.Find(senderId) is not { } period) return null;
        await using var scope = scopes.CreateAsyncScope();
        var original = await scope.ServiceProvider.GetRequiredService<ChatDbContext>().Messages.AsNoTracking()
            .FirstOrDefaultAsync(m => m.Id == messageId && m.ConversationId == conversationId && m.Kind == MessageKind.Text, ct);
        return original is not null && period.Sees(original.Seq) ? QuoteView.Of(original) : null;
    }

    /// <summary>The conversation a send goes into and its direct recipient (none in a group), or why it may not go.</summary>
    async Task<(long ConversationId, long? ReceiverId, SendResult.Rejected? Refused)> AddresseeAsync(SendCommand cmd, CancellationToken ct)
    {
        if (cmd.ToUserId is { } to)
        {
            if (cmd.SenderId == to) return Refuse("invalid_recipient", "You cannot send a message to yourself.");
            var (pair, blocked) = await ConversationIdAsync(cmd.SenderId, to, ct);
            if (blocked is { } refusal) return (0, null, refusal);
            if (pair == 0) return Refuse("unknown_recipient", "The recipient does not exist.");
            if (cmd.ConversationId is { } given && given != pair)
                return Refuse("conversation_mismatch", "conversationId is not the conversation between you and the recipient.");
            return (pair, to, null);
        }
        if (cmd.ConversationId is not { } id) return Refuse("invalid_request", "\"toUserId\" or \"conversationId\" is required.");
        // From this node's member list; the store checks again, in the transaction that takes the seq.
        if (await members.GetAsync(id, ct) is not { } list || !list.IsCurrentMember(cmd.SenderId)) return Refuse("not_member", NotMemberError);
        return (id, list.Kind != ConversationKind.Group ? list.Members.First(m => m.UserId != cmd.SenderId).UserId : null, null);

        static (long, long?, SendResult.Rejected) Refuse(string code, string error) => (0, null, new SendResult.Rejected(code, error));
    }

    const string NotMemberError = "You are not a member of this conversation.";

    async Task<SendResult> OutcomeAsync(PendingSend pending, SendCommand cmd, CancellationToken ct)
    {
        var outcome = await pending.Stored;
        // Not stored in a pair: a block, if either blocked the other (read only now, off the common path), else gone.
        if (outcome == StoreOutcome.NotMember && pending.Message.ReceiverId is { } receiver && await BlockedAsync(cmd.SenderId, receiver, ct) is { } blocked)
            return blocked;
        switch (outcome)
        {
            case StoreOutcome.Stored:
                return new SendResult.Sent(pending.Message, IsNew: true);
            case StoreOutcome.NotMember when cmd.ToUserId is { } to:
                knownConversations.Forget(cmd.SenderId, to);
                return new SendResult.Rejected("unknown_recipient", "The conversation was removed (its user was deleted).");
            case StoreOutcome.NotMember:
                members.Forget(pending.Message.ConversationId);
                return new SendResult.Rejected("not_member", NotMemberError);
            default:
                // This client message id is stored already: a retry, or the same send racing in from another connection.
                return await FindRetryAsync(cmd.SenderId, pending.Message.ClientMessageId, ct) is { } earlier
                    ? Retried(earlier, cmd)
                    : throw new InvalidOperationException("A client message id stored before, but not found.");
        }
    }

    async Task ReportWhenStoredAsync(PendingSend pending, SendCommand cmd)
    {
        SendResult result;
        try
        {
            result = await OutcomeAsync(pending, cmd, CancellationToken.None);
        }
        catch (Exception e)
        {
            log.LogError(e, "A send of user {UserId} failed", cmd.SenderId);
            result = new SendResult.Rejected("server_error", "The server could not store the message; send it again.");
        }
        await ReportAsync(result, cmd);
    }

    /// <summary>
    /// The outcome to the origin connection, unless it went with the fan-out already (a new message's ack). Nothing
    /// to report for a form post, which awaits its outcome.
    /// </summary>
    async Task ReportAsync(SendResult result, SendCommand cmd)
    {
        if (cmd.Origin is not { } origin || result is SendResult.Sent { IsNew: true }) return;
        ChatEvent e = result switch
        {
            SendResult.Sent retried => new MessageEvent(await ViewAsync(retried.Message)),
            SendResult.Rejected r => new ErrorEvent(r.Code, r.Error, cmd.ClientMessageId),
            _ => throw new InvalidOperationException("Unknown outcome."),
        };
        await fanout.PublishAsync(Delivery.ToOrigin(e, origin));
    }

    async Task<MessageView> ViewAsync(Message m)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MessageViews>().OfAsync(m, CancellationToken.None);
    }

    static System.Diagnostics.Activity? StartSpan(SendCommand cmd) =>
        ChatTelemetry.Source.StartActivity("chat.send")?.SetTag("chat.client_message_id", cmd.ClientMessageId).SetTag("chat.conversation_id", cmd.ConversationId);

    static (SendResult, PendingSend?) Refused(string code, string error) => (new SendResult.Rejected(code, error), null);

    /// <summary>The stored message answers its retry (same ack, nothing new), unless the id was used for another recipient.</summary>
    static SendResult Retried(Message stored, SendCommand cmd) => (cmd.ToUserId is { } to ? stored.ReceiverId == to : stored.ConversationId == cmd.ConversationId)
        ? new SendResult.Sent(stored, IsNew: false)
        : new SendResult.Rejected("duplicate_client_message_id", "This clientMessageId was already used for another recipient.");

    /// <summary>
    /// The pair's conversation id (0: no such recipient), or the refusal of a block that keeps it from starting;
    /// remembered, since a pair's conversation only goes away with one of its users.
    /// </summary>
    async ValueTask<(long Id, SendResult.Rejected? Blocked)> ConversationIdAsync(long sender, long recipient, CancellationToken ct)
    {
        if (knownConversations.TryGet(sender, recipient, out var id)) return (id, null);
        await using var scope = scopes.CreateAsyncScope();
        switch (await scope.ServiceProvider.GetRequiredService<PairConversations>().EnsureAsync(sender, recipient, ct))
        {
            case PairResult.Found(var conversation):
                knownConversations.Remember(sender, recipient, conversation.Id);
                return (conversation.Id, null);
            case PairResult.Blocked(var byMe):
                return (0, Blocked(byMe));
            default:
                return (0, null);
        }
    }

    /// <summary>The refusal of a direct message that a block stops, if one of the pair blocked the other.</summary>
    async Task<SendResult.Rejected?> BlockedAsync(long sender, long receiver, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ChatDbContext>().BlockBetweenAsync(sender, receiver, ct) is { } byMe ? Blocked(byMe) : null;
    }

    static SendResult.Rejected Blocked(bool byMe) => byMe
        ? new("blocked", "You blocked this person: unblock them to send a message.")
        : new("blocked", "You cannot send messages to this person.");

    async Task<Message?> FindRetryAsync(long senderId, string clientId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ChatDbContext>().Messages.AsNoTracking().Include(m => m.Attachments)
            .FirstOrDefaultAsync(m => m.SenderId == senderId && m.ClientMessageId == clientId, ct);
    }
}
