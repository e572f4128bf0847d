using Chat.Web.Data;
using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// What a bubble shows. DOM id message_&lt;ClientMessageId&gt;: the optimistic bubble and the server's copy share it.
/// In a group, <see cref="SenderName"/> is set on other people's messages, and a system message is a timeline
/// <see cref="Note"/> ("Ann added Bea") rather than a bubble. A secret conversation's bubble has no text, only its
/// <see cref="Sealed"/> envelope (base64), which the browser's secret.js decrypts.
/// </summary>
public sealed record Bubble(long Id, long Seq, string ClientMessageId, string Text, DateTime CreatedAt, bool Own, TickState Delivery,
    string? SenderName = null, long SenderId = 0, string? Note = null, string? Sealed = null)
{
    /// <summary>A message as the bus carries it (base64 ciphertext), for the page and the browser socket.</summary>
    public static Bubble From(MessageView m, long viewerId, Names? names = null, bool secret = false)
    {
        var bubble = Make(long.Parse(m.Id), m.Seq, m.ClientMessageId, long.Parse(m.SenderId), m.CreatedAt, m.ReadAt, m.DeliveredAt, viewerId, names,
            m.System, secret ? () => "" : () => BrowserText.Decode(Convert.FromBase64String(m.Ciphertext)));
        return secret && m.System is null ? bubble with { Sealed = m.Ciphertext } : bubble;
    }

    /// <summary>The names a group's bubbles need; null for a pair (whose bubbles name nobody).</summary>
    public sealed record Names(IReadOnlyDictionary<long, string> ById);

    /// <summary>Whose names these messages need: other senders and the people in system notes.</summary>
    public static IEnumerable<long> People(IEnumerable<MessageView> messages, long viewerId) =>
        messages.SelectMany(m => m.System is { } e ? TimelineNotes.People(e) : [long.Parse(m.SenderId)]).Where(id => id != viewerId);

    static Bubble Make(long id, long seq, string clientId, long senderId, DateTime at, DateTime? readAt, DateTime? deliveredAt, long viewerId,
        Names? names, SystemEvent? system, Func<string> text)
    {
        var own = senderId == viewerId;
        var delivery = readAt is not null ? TickState.Read : deliveredAt is not null ? TickState.Delivered : TickState.Sent;
        if (system is not null)
            return new(id, seq, clientId, "", at, own, delivery, SenderId: senderId,
                Note: TimelineNotes.Text(system, viewerId, names?.ById ?? new Dictionary<long, string>()));
        var sender = own || names is null ? null : names.ById.GetValueOrDefault(senderId, DisplayNames.Unknown);
        return new(id, seq, clientId, text(), at, own, delivery, sender, senderId);
    }
}
