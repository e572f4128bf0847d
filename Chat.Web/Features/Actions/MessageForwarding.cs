using Chat.Web.Data;
using Chat.Web.Features.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Actions;

/// <summary>
/// Forwards a message's text to some of the user's conversations, as new messages marked "forwarded", through the
/// normal send path (durable before the answer, exactly once per client message id, in seq order). Every target is
/// checked first: one the user is not in refuses the whole forward, and nothing is sent.
/// </summary>
public sealed class MessageForwarding(ChatDbContext db, ConversationMembers members, MessageSender sender)
{
    public async Task<(IReadOnlyList<Message>? Sent, ChangeRefused? Refused)> ForwardAsync(long me, long messageId, IReadOnlyCollection<long> conversationIds,
        string? clientMessageId, CancellationToken ct)
    {
        if (clientMessageId is { Length: > 80 }) return (null, new(400, "invalid_client_message_id", "clientMessageId must be at most 80 characters."));
        if (conversationIds.Count is 0 or > MessageActionSettings.MaxForwardTargets)
            return (null, new(400, "invalid_request", $"Forward to 1 to {MessageActionSettings.MaxForwardTargets} conversations."));
        var original = await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == messageId && m.Kind == MessageKind.Text, ct);
        if (original is null || await members.GetAsync(original.ConversationId, ct) is not { } from || from.Find(me) is not { } period || !period.Sees(original.Seq))
            return (null, MessageActions.NotFound);
        if (original.DeletedAt is not null) return (null, new(409, "deleted", "The message was deleted."));
        if (from.Kind == ConversationKind.Secret) return (null, new(400, "secret_conversation", "A secret conversation's message cannot be forwarded: the server cannot read it."));
        foreach (var id in conversationIds)
            if (await members.GetAsync(id, ct) is not { } list || !list.IsCurrentMember(me) || list.Kind is not (ConversationKind.Direct or ConversationKind.Group))
                return (null, new(403, "not_member", $"You are not a member of conversation {id}."));
        var sent = new List<Message>();
        foreach (var id in conversationIds.Distinct())
        {
            // One client message id per target: a retried forward stores nothing twice.
            var clientId = clientMessageId is null ? null : $"{clientMessageId}:{id}";
            var result = await sender.SendAsync(new SendCommand(me, null, id, original.Ciphertext, clientId, Forwarded: true), ct);
            if (result is SendResult.Rejected r) return (sent, new(r.Code == "rate_limited" ? 429 : 400, r.Code, r.Error));
            sent.Add(((SendResult.Sent)result).Message);
        }
        return (sent, null);
    }
}
