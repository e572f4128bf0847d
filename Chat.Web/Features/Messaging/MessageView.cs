using Chat.Web.Data;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// A message as the API and the socket send it: ids as strings, ciphertext as base64. <see cref="Kind"/> is "text",
/// "system" or "change"; a system message has an empty ciphertext and says what happened in <see cref="System"/>. A
/// change (an edit, a delete for everyone, a reaction) has its own seq, says what happened in <see cref="Change"/> and
/// carries the changed message as it is now in <see cref="Changed"/>. A group message has no <see cref="ReceiverId"/>.
/// </summary>
public sealed record MessageView(
    string Id, string ConversationId, long Seq, string SenderId, string? ReceiverId,
    string Ciphertext, string ClientMessageId, DateTime CreatedAt, DateTime? DeliveredAt, DateTime? ReadAt,
    string Kind = "text", SystemEvent? System = null, AttachmentList? Attachments = null)
{
    /// <summary>The message this one replies to, as the reply shows it.</summary>
    public QuoteView? ReplyTo { get; init; }
    public bool Forwarded { get; init; }
    public DateTime? EditedAt { get; init; }
    /// <summary>Deleted for everyone: <see cref="Ciphertext"/> is empty.</summary>
    public DateTime? DeletedAt { get; init; }
    /// <summary>One entry per emoji, with who chose it.</summary>
    public IReadOnlyList<ReactionView> Reactions { get; init; } = [];
    public MessageChange? Change { get; init; }
    public MessageView? Changed { get; init; }

    public static MessageView From(Message m) => new(
        m.Id.ToString(), m.ConversationId.ToString(), m.Seq, m.SenderId.ToString(), m.ReceiverId?.ToString(),
        m.Kind == MessageKind.Text ? Convert.ToBase64String(m.Ciphertext) : "", m.ClientMessageId, m.CreatedAt, m.DeliveredAt, m.ReadAt,
        m.Kind switch { MessageKind.System => "system", MessageKind.Change => "change", _ => "text" }, SystemEvent.Of(m),
        new AttachmentList(m.Attachments.Select(AttachmentView.From)))
    {
        Forwarded = m.Forwarded,
        EditedAt = m.EditedAt,
        DeletedAt = m.DeletedAt,
        Change = MessageChange.Of(m),
    };

    /// <summary>Whether a member of this period may see it: its seq, and for a change the changed message's too.</summary>
    public bool SeenBy(MemberPeriod member) => member.Sees(Seq) && (Changed is not { } target || member.Sees(target.Seq));
}

/// <summary>A replied-to message as a reply quotes it: its sender and the start of its text, or that it was deleted.</summary>
public sealed record QuoteView(string MessageId, string SenderId, string Snippet, bool Deleted)
{
    public const int SnippetLength = 120;

    public static QuoteView Of(Message m)
    {
        var text = m.DeletedAt is null ? System.Text.Encoding.UTF8.GetString(m.Ciphertext).ReplaceLineEndings(" ") : "";
        return new(m.Id.ToString(), m.SenderId.ToString(), text.Length > SnippetLength ? text[..SnippetLength] + "…" : text, m.DeletedAt is not null);
    }
}

public sealed record ReactionView(string Emoji, IReadOnlyList<string> UserIds);
