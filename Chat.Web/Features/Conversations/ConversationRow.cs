namespace Chat.Web.Features.Conversations;

/// <summary>
/// A row of the conversation list: a pair (<see cref="PeerId"/>; DOM id conversation_&lt;peerId&gt;), a person without a
/// conversation yet (<see cref="At"/> null), or a group (<see cref="GroupId"/>; DOM id conversation_group_&lt;id&gt;).
/// A pair's secret conversation is a row of its own (<see cref="Secret"/>; DOM id conversation_secret_&lt;peerId&gt;).
/// <see cref="Detail"/> is a person's phone or a group's member count, shown where a row has no preview.
/// </summary>
/// <param name="Online">
/// The peer's presence, or null where it is not shared: like the socket's presence events it is shown only to people
/// who have a conversation with them, so a directory row (someone you have not talked to) has no dot; a group has none.
/// </param>
public sealed record ConversationRow(long PeerId, string Name, string Detail, string? Preview, DateTime? At, int Unread, bool? Online, long? GroupId = null, bool Secret = false)
{
    public string DomId => GroupId is { } g ? $"conversation_group_{g}" : Secret ? $"conversation_secret_{PeerId}" : $"conversation_{PeerId}";
    public string Href => GroupId is { } g ? $"/chat/groups/{g}" : Secret ? $"/chat/secret/{PeerId}" : $"/chat/{PeerId}";
}
