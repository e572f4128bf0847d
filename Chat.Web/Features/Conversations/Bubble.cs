using Chat.Web.Data;

namespace Chat.Web.Features.Conversations;

/// <summary>What a bubble shows. DOM id message_&lt;ClientMessageId&gt;: the optimistic bubble and the server's copy share it.</summary>
public sealed record Bubble(long Id, long Seq, string ClientMessageId, string Text, DateTime CreatedAt, bool Own, TickState Delivery)
{
    public static Bubble From(Message m, long viewerId) => new(
        m.Id, m.Seq, m.ClientMessageId, BrowserText.Decode(m.Ciphertext), m.CreatedAt, m.SenderId == viewerId,
        m.ReadAt is not null ? TickState.Read : m.DeliveredAt is not null ? TickState.Delivered : TickState.Sent);

    /// <summary>A message as the bus carries it (base64 ciphertext), for the browser socket.</summary>
    public static Bubble From(Chat.Web.Features.Messaging.MessageView m, long viewerId) => new(
        long.Parse(m.Id), m.Seq, m.ClientMessageId, BrowserText.Decode(Convert.FromBase64String(m.Ciphertext)), m.CreatedAt,
        m.SenderId == viewerId.ToString(),
        m.ReadAt is not null ? TickState.Read : m.DeliveredAt is not null ? TickState.Delivered : TickState.Sent);
}
