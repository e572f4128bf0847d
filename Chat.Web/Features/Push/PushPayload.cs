using System.Text;
using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Push;

/// <summary>
/// What the service worker shows (wwwroot/sw.js): one notification per conversation (<see cref="Tag"/>), replaced as
/// messages come in, with the unread count for the app badge. Without previews: no name, no text, just "New message".
/// </summary>
public sealed record PushPayload(string Title, string Body, string ConversationId, string Url, string Tag, int Unread)
{
    public const int MaxPreviewLength = 120;
    public const string AppName = "E2E Chat";

    public static PushPayload For(InboxEntry entry, long recipientId, bool showPreviews)
    {
        var url = entry.Kind switch { "group" => $"/chat/groups/{entry.Id}", "secret" => $"/chat/secret/{entry.Peer!.Id}", _ => $"/chat/{entry.Peer!.Id}" };
        var (title, body) = showPreviews ? WithPreview(entry, recipientId) : (AppName, entry.Unread == 1 ? "New message" : $"{entry.Unread} new messages");
        return new(title, body, entry.Id, url, $"conversation-{entry.Id}", entry.Unread);
    }

    /// <summary>One unread: the sender (in a group, "Ann in Team") and the text; more: "3 new messages from Ann".</summary>
    static (string, string) WithPreview(InboxEntry entry, long recipientId)
    {
        var fromOther = entry.LastMessage.SenderId != recipientId.ToString();
        var sender = fromOther ? entry.LastSenderName ?? "Someone" : "Someone";
        var title = entry.Kind == "group" ? $"{sender} in {entry.Name}" : sender;
        if (entry.Unread > 1) return (title, $"{entry.Unread} new messages from {sender}");
        // A secret message is ciphertext only its recipient's device can read: never a preview, whatever its bytes look like.
        if (entry.Kind == "secret") return (title, "New secret message");
        return (title, fromOther && Text(entry.LastMessage) is { } text ? text : "New message");
    }

    /// <summary>
    /// A normal conversation's "ciphertext" is the UTF-8 text; anything that does not decode as text (a client that
    /// really encrypts) has no preview.
    /// </summary>
    public static string? Text(MessageView m)
    {
        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(m.Ciphertext)).Trim();
            if (text.Length == 0 || text.Any(c => char.IsControl(c) && c is not ('\n' or '\t'))) return null;
            return text.Length <= MaxPreviewLength ? text : string.Concat(text.AsSpan(0, MaxPreviewLength - 1), "…");
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return null;
        }
    }
}
