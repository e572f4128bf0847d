using System.Diagnostics;
using System.Text.Json.Serialization;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// An event and who gets it: the connections of <see cref="UserIds"/>, or every connection when <see cref="Everyone"/>,
/// and, when <see cref="ConversationId"/> is set, of that conversation's members (those who see the message's seq, for
/// a message; the current ones otherwise) but <see cref="ExceptUserId"/>: each node finds them, so a group event is
/// published once, not once per member; by a member list as of <see cref="MembersChangedAtSeq"/> or later, when set. <see cref="Origin"/>, the connection a send came from, gets
/// <see cref="ForOrigin"/> instead; it is always on the publishing node, so it never travels on the bus.
/// </summary>
public sealed record Delivery(ChatEvent Event, long[] UserIds, bool Everyone = false, [property: JsonIgnore] string? Origin = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? ConversationId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? ExceptUserId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? MembersChangedAtSeq = null)
{
    public static Delivery To(ChatEvent e, params long[] userIds) => new(e, userIds.Distinct().ToArray());
    public static Delivery ToEveryone(ChatEvent e) => new(e, [], Everyone: true);
    /// <summary>To the conversation's members (of the message's seq, for a message event).</summary>
    public static Delivery ToMembers(ChatEvent e, long conversationId, long? exceptUserId = null, string? origin = null) =>
        new(e, [], Origin: origin, ConversationId: conversationId, ExceptUserId: exceptUserId);
    /// <summary>Closes every open connection of the user, on every node.</summary>
    public static Delivery SessionsRevoked(long userId) => To(new SessionsRevokedEvent(userId.ToString()), userId);
    /// <summary>To the origin connection only (a retried ack, a refusal after queueing).</summary>
    public static Delivery ToOrigin(ChatEvent e, string origin) => new(e, [], Origin: origin);

    /// <summary>The send's span on this node, for the delivery's own; not carried across nodes.</summary>
    [JsonIgnore] public ActivityContext Trace { get; init; }

    /// <summary>Whether anyone but the origin gets it, so that the bus carries it to other nodes.</summary>
    [JsonIgnore] public bool Addressed => Everyone || UserIds.Length > 0 || ConversationId is not null;

    /// <summary>What the origin connection gets: the ack of its message (the one place an ack is built), else the event itself.</summary>
    public ChatEvent ForOrigin() => Event is MessageEvent m ? new AckEvent(m.Message.ClientMessageId, m.Message) : Event;
}
