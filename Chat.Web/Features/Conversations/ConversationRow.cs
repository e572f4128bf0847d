namespace Chat.Web.Features.Conversations;

/// <summary>A row of the conversation list. DOM id conversation_&lt;PeerId&gt;.</summary>
/// <param name="Online">
/// The peer's presence, or null where it is not shared: like the socket's presence events it is shown only to people
/// who have a conversation with them, so a directory row (someone you have not talked to) has no dot.
/// </param>
public sealed record ConversationRow(long PeerId, string PeerName, string PeerPhone, string? Preview, DateTime? At, int Unread, bool? Online);
