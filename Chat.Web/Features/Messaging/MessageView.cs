using Chat.Web.Data;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// A message as the API and the socket send it: ids as strings, ciphertext as base64. <see cref="Kind"/> is "text" or
/// "system"; a system message has an empty ciphertext and says what happened in <see cref="System"/>. A group message
/// has no <see cref="ReceiverId"/>.
/// </summary>
public sealed record MessageView(
    string Id, string ConversationId, long Seq, string SenderId, string? ReceiverId,
    string Ciphertext, string ClientMessageId, DateTime CreatedAt, DateTime? DeliveredAt, DateTime? ReadAt,
    string Kind = "text", SystemEvent? System = null, AttachmentList? Attachments = null)
{
    public static MessageView From(Message m) => new(
        m.Id.ToString(), m.ConversationId.ToString(), m.Seq, m.SenderId.ToString(), m.ReceiverId?.ToString(),
        m.Kind == MessageKind.System ? "" : Convert.ToBase64String(m.Ciphertext), m.ClientMessageId, m.CreatedAt, m.DeliveredAt, m.ReadAt,
        m.Kind == MessageKind.System ? "system" : "text", SystemEvent.Of(m), new AttachmentList(m.Attachments.Select(AttachmentView.From)));
}
