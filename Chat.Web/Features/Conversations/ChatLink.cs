namespace Chat.Web.Features.Conversations;

/// <summary>
/// Addresses of the chat screen. <see cref="At"/> opens a conversation around one message, highlighted and scrolled to,
/// with the usual loading of older pages above it (search results and quoted replies link here).
/// </summary>
public static class ChatLink
{
    public static string Of(long? peerId, long? groupId) => groupId is { } g ? $"/chat/groups/{g}" : $"/chat/{peerId}";

    public static string At(long? peerId, long? groupId, long messageId) => $"{Of(peerId, groupId)}?at={messageId}";
}
