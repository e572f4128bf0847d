using Chat.Web.Data;

namespace Chat.Web.Features.Messaging;

/// <summary>A message as the API and the socket send it: ids as strings, ciphertext as base64.</summary>
public sealed record MessageView(
    string Id, string ConversationId, long Seq, string SenderId, string ReceiverId,
    string Ciphertext, string ClientMessageId, DateTime CreatedAt, DateTime? DeliveredAt, DateTime? ReadAt)
{
    public static MessageView From(Message m) => new(
        m.Id.ToString(), m.ConversationId.ToString(), m.Seq, m.SenderId.ToString(), m.ReceiverId.ToString(),
        Convert.ToBase64String(m.Ciphertext), m.ClientMessageId, m.CreatedAt, m.DeliveredAt, m.ReadAt);
}
