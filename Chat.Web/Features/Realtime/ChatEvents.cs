using System.Text.Json;
using System.Text.Json.Serialization;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// What happened, as every renderer needs it: the JSON gateway serialises an event as it is
/// (<c>{"type": ..., ...}</c>), the browser's socket renders the same event as an HTML fragment.
/// The "type" discriminator is also the event's name on the wire.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(MessageEvent), "message")]
[JsonDerivedType(typeof(ReceiptEvent), "receipt")]
[JsonDerivedType(typeof(TypingEvent), "typing")]
[JsonDerivedType(typeof(PresenceEvent), "presence")]
[JsonDerivedType(typeof(UserRegisteredEvent), "user-registered")]
[JsonDerivedType(typeof(SessionsRevokedEvent), "sessions-revoked")]
public abstract record ChatEvent;

/// <summary>A stored message, to its recipient and to the sender's other connections.</summary>
public sealed record MessageEvent(MessageView Message) : ChatEvent;

/// <summary>A message's delivered/read mark moved forward; goes to the message's sender.</summary>
public sealed record ReceiptEvent(string MessageId, string ConversationId, long Seq, string SenderId, string ReaderId, string Kind, DateTime At) : ChatEvent;

/// <summary>"start" or "stop"; the server sends "stop" itself when a "start" is not repeated in time.</summary>
public sealed record TypingEvent(string FromUserId, string ToUserId, string State) : ChatEvent;

/// <summary>A user came online (first connection on any node) or went offline (last one closed).</summary>
public sealed record PresenceEvent(string UserId, bool Online, DateTime? LastSeenAt) : ChatEvent;

/// <summary>A new account, with public fields only; goes to everyone connected.</summary>
public sealed record UserRegisteredEvent(PublicUser User) : ChatEvent;

/// <summary>
/// The user's sessions were revoked (log out everywhere, password change, account deleted): every
/// open connection of theirs, on every node, closes itself (4401) instead of being rendered.
/// </summary>
public sealed record SessionsRevokedEvent(string UserId) : ChatEvent;

/// <summary>
/// An event and who gets it: the connections of <see cref="UserIds"/>, or every connection when
/// <see cref="Everyone"/>; <see cref="ExceptConnectionId"/> (the sending connection, which gets an ack instead) is skipped.
/// </summary>
public sealed record Delivery(ChatEvent Event, long[] UserIds, bool Everyone = false, string? ExceptConnectionId = null)
{
    public static Delivery To(ChatEvent e, params long[] userIds) => new(e, userIds.Distinct().ToArray());
    public static Delivery ToEveryone(ChatEvent e) => new(e, [], Everyone: true);
    /// <summary>Closes every open connection of the user, on every node.</summary>
    public static Delivery SessionsRevoked(long userId) => To(new SessionsRevokedEvent(userId.ToString()), userId);
}

public static class RealtimeJson
{
    /// <summary>The same conventions as the REST API (camelCase, web defaults), so a message looks alike on both.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        MaxDepth = 16,
    };
}
