using Chat.Web.Data;
using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// What a bubble shows. DOM id message_&lt;ClientMessageId&gt;: the optimistic bubble and the server's copy share it.
/// In a group, <see cref="SenderName"/> is set on other people's messages, and a system message is a timeline
/// <see cref="Note"/> ("Ann added Bea") rather than a bubble. A message may quote the one it replies to, be marked
/// forwarded or edited, be a tombstone (deleted for everyone), and carry reactions. <see cref="ChangedSeq"/> is set when
/// the bubble is the result of a change (an edit, a reaction) delivered live: the page counts that seq as seen. A secret
/// conversation's bubble has no text, only its <see cref="Sealed"/> envelope (base64), which the browser's secret.js decrypts.
/// </summary>
public sealed record Bubble(long Id, long Seq, string ClientMessageId, string Text, DateTime CreatedAt, bool Own, TickState Delivery,
    string? SenderName = null, long SenderId = 0, string? Note = null, IReadOnlyList<AttachmentView>? Attachments = null, string? Sealed = null)
{
    public const string DeletedText = "This message was deleted";

    public Quote? ReplyTo { get; init; }
    public bool Forwarded { get; init; }
    public bool Edited { get; init; }
    public bool Deleted { get; init; }
    public IReadOnlyList<ReactionChip> Reactions { get; init; } = [];
    public long ChangedSeq { get; init; }

    public sealed record Quote(long MessageId, string SenderName, string Snippet, bool Deleted);
    /// <summary>One emoji under a bubble: how many chose it, who (for hover and tap), and whether the viewer did.</summary>
    public sealed record ReactionChip(string Emoji, int Count, string People, bool Mine);

    public static Bubble From(Message m, long viewerId, Names? names = null, bool secret = false) => From(MessageView.From(m), viewerId, names, secret);

    /// <summary>
    /// A message as the bus carries it (base64 ciphertext); a change as the message it changed, as it is now. In a
    /// secret conversation the server has no text to show: the bubble carries the envelope.
    /// </summary>
    public static Bubble From(MessageView m, long viewerId, Names? names = null, bool secret = false)
    {
        if (m.Changed is { } changed) return From(changed, viewerId, names, secret) with { ChangedSeq = m.Seq };
        var senderId = long.Parse(m.SenderId);
        var own = senderId == viewerId;
        var delivery = m.ReadAt is not null ? TickState.Read : m.DeliveredAt is not null ? TickState.Delivered : TickState.Sent;
        var known = names?.ById ?? new Dictionary<long, string>();
        if (m.System is { } system)
            return new(long.Parse(m.Id), m.Seq, m.ClientMessageId, "", m.CreatedAt, own, delivery, SenderId: senderId, Note: TimelineNotes.Text(system, viewerId, known));
        var sender = own || names is not { InGroup: true } ? null : known.GetValueOrDefault(senderId, DisplayNames.Unknown);
        var deleted = m.DeletedAt is not null;
        var text = deleted ? DeletedText : secret ? "" : BrowserText.Decode(Convert.FromBase64String(m.Ciphertext));
        return new(long.Parse(m.Id), m.Seq, m.ClientMessageId, text, m.CreatedAt, own, delivery, sender, senderId,
            Attachments: deleted ? null : m.Attachments, Sealed: secret && !deleted ? m.Ciphertext : null)
        {
            ReplyTo = m.ReplyTo is { } q ? new Quote(long.Parse(q.MessageId), NameOf(long.Parse(q.SenderId), viewerId, known), q.Snippet, q.Deleted) : null,
            Forwarded = m.Forwarded,
            Edited = m.EditedAt is not null && !deleted,
            Deleted = deleted,
            Reactions = [.. m.Reactions.Select(r => new ReactionChip(r.Emoji, r.UserIds.Count,
                string.Join(", ", r.UserIds.Select(id => NameOf(long.Parse(id), viewerId, known))), r.UserIds.Contains(viewerId.ToString())))],
        };
    }

    static string NameOf(long userId, long viewerId, IReadOnlyDictionary<long, string> known) =>
        userId == viewerId ? "You" : known.GetValueOrDefault(userId, DisplayNames.Unknown);

    /// <summary>The names the bubbles need; <see cref="InGroup"/> when other people's bubbles are labelled with their sender.</summary>
    public sealed record Names(IReadOnlyDictionary<long, string> ById, bool InGroup = true);

    /// <summary>Whose names these messages need: other senders, the people in system notes, quoted senders and those who reacted.</summary>
    public static IEnumerable<long> People(IEnumerable<MessageView> messages, long viewerId) =>
        messages.Select(m => m.Changed ?? m).SelectMany(m => m.System is { } e ? TimelineNotes.People(e)
            : [long.Parse(m.SenderId), .. m.ReplyTo is { } q ? [long.Parse(q.SenderId)] : Array.Empty<long>(), .. m.Reactions.SelectMany(r => r.UserIds).Select(long.Parse)])
            .Where(id => id != viewerId);
}
