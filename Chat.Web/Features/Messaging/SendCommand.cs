using Chat.Web.Data;

namespace Chat.Web.Features.Messaging;

/// <param name="ToUserId">A direct message's recipient; null for a message into <paramref name="ConversationId"/> (a group, or a pair by its id).</param>
/// <param name="Origin">
/// The connection the send came from, or null for a form post. It gets the outcome as an event through its own queue:
/// an <see cref="AckEvent"/> (in seq order with the fan-out) or an <see cref="ErrorEvent"/>.
/// </param>
/// <param name="ReplyToId">An earlier message of the same conversation, which this one quotes.</param>
/// <param name="Forwarded">A copy of another message's text (<see cref="MessageForwarding"/>), marked so.</param>
/// <param name="AttachmentIds">Uploads of the sender's (Media) that the message carries; with any, the ciphertext (a caption) may be empty.</param>
public sealed record SendCommand(long SenderId, long? ToUserId, long? ConversationId, byte[] Ciphertext, string? ClientMessageId, string? Origin = null,
    long? ReplyToId = null, bool Forwarded = false, IReadOnlyList<string>? AttachmentIds = null);

public abstract record SendResult
{
    /// <summary>Stored (or, for a retried client message id, stored before: <see cref="IsNew"/> is false).</summary>
    public sealed record Sent(Message Message, bool IsNew) : SendResult;
    public sealed record Rejected(string Code, string Error) : SendResult;
}
