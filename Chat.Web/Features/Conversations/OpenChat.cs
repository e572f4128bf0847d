namespace Chat.Web.Features.Conversations;

/// <summary>
/// The conversation a chat tab has open: a pair by its peer (<c>?peer=&lt;user id&gt;</c> on the live channels), a group by
/// its id (<c>?c=&lt;conversation id&gt;</c>), a pair's secret conversation by its id too (<see cref="Secret"/>, which
/// the socket sets once it has checked the conversation's kind), or none (the list alone).
/// </summary>
public readonly record struct OpenChat(long? PeerId, long? GroupId, bool Secret = false)
{
    public static readonly OpenChat None = default;
    public static OpenChat Peer(long userId) => new(userId, null);
    public static OpenChat Group(long conversationId) => new(null, conversationId);
    public static OpenChat SecretOf(long conversationId) => new(null, conversationId, Secret: true);

    public bool IsNone => PeerId is null && GroupId is null;

    /// <summary>The query both live channels (the socket and <see cref="UserEvents"/>) are opened with; empty for none.</summary>
    public string Query => PeerId is { } p ? "?peer=" + p : GroupId is { } g ? "?c=" + g : "";

    /// <summary>What a request names; not yet checked against the user (the socket does that).</summary>
    public static OpenChat From(HttpRequest request) =>
        request.Query["peer"] is [{ } p] && long.TryParse(p, out var peer) ? Peer(peer)
        : request.Query["c"] is [{ } c] && long.TryParse(c, out var group) ? Group(group)
        : None;

    /// <summary>Whether a list row is this conversation (its row is highlighted, and shows no unread badge).</summary>
    public bool Shows(ConversationRow row) => row.GroupId is { } g ? g == GroupId
        : row.Secret ? Secret && GroupId is not null && row.PeerId == SecretPeer
        : PeerId is { } p && p == row.PeerId;

    /// <summary>The peer of an open secret conversation, for its list row (set by the page and the socket).</summary>
    public long? SecretPeer { get; init; }
}
