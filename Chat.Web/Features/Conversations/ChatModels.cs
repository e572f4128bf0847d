using System.Text;
using Chat.Web.Data;

namespace Chat.Web.Features.Conversations;

public enum TickState { Sent, Delivered, Read }

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

/// <summary>A row of the conversation list. DOM id conversation_&lt;PeerId&gt;.</summary>
/// <param name="Online">
/// The peer's presence, or null where it is not shared: like the socket's presence events, it is shown only to people
/// who have a conversation with them, so a directory row (someone you have not talked to) has no dot.
/// </param>
public sealed record ConversationRow(long PeerId, string PeerName, string PeerPhone, string? Preview, DateTime? At, int Unread, bool? Online);

/// <summary>
/// Messages are "E2E-ready ciphertext": opaque bytes to the server. Real end-to-end encryption is a later issue;
/// until then the browser UI stores the UTF-8 bytes of what the person typed as the ciphertext and decodes them
/// for display. Nothing here is encrypted — this is the one place to replace when it is.
/// </summary>
public static class BrowserText
{
    public static byte[] Encode(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Invalid UTF-8 (a real client's ciphertext) shows replacement characters, never throws.</summary>
    public static string Decode(byte[] ciphertext) => Encoding.UTF8.GetString(ciphertext);
}
