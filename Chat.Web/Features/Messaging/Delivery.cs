using System.Text.Json.Serialization;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// An event and who gets it: the connections of <see cref="UserIds"/>, or every connection when <see cref="Everyone"/>.
/// <see cref="Origin"/>, the connection a send came from, gets <see cref="ForOrigin"/> instead; it is always on the
/// publishing node, so it never travels on the bus.
/// </summary>
public sealed record Delivery(ChatEvent Event, long[] UserIds, bool Everyone = false, [property: JsonIgnore] string? Origin = null)
{
    public static Delivery To(ChatEvent e, params long[] userIds) => new(e, userIds.Distinct().ToArray());
    public static Delivery ToEveryone(ChatEvent e) => new(e, [], Everyone: true);
    /// <summary>Closes every open connection of the user, on every node.</summary>
    public static Delivery SessionsRevoked(long userId) => To(new SessionsRevokedEvent(userId.ToString()), userId);
    /// <summary>To the origin connection only (a retried ack, a refusal after queueing).</summary>
    public static Delivery ToOrigin(ChatEvent e, string origin) => new(e, [], Origin: origin);

    /// <summary>Whether anyone but the origin gets it, so that the bus carries it to other nodes.</summary>
    [JsonIgnore] public bool Addressed => Everyone || UserIds.Length > 0;

    /// <summary>What the origin connection gets: the ack of its message (the one place an ack is built), else the event itself.</summary>
    public ChatEvent ForOrigin() => Event is MessageEvent m ? new AckEvent(m.Message.ClientMessageId, m.Message) : Event;
}
