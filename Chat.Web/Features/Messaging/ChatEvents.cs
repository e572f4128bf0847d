using System.Text.Json;
using System.Text.Json.Serialization;
using Chat.Web.Data;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// What happened, as every renderer needs it: the JSON socket serialises an event as it is
/// (<c>{"type": ..., ...}</c>), the browser's socket renders it as an HTML fragment.
/// The "type" discriminator is also the event's name on the wire.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(MessageEvent), "message")]
[JsonDerivedType(typeof(AckEvent), "ack")]
[JsonDerivedType(typeof(ErrorEvent), "error")]
[JsonDerivedType(typeof(ReceiptEvent), "receipt")]
[JsonDerivedType(typeof(HiddenEvent), "message-hidden")]
[JsonDerivedType(typeof(TypingEvent), "typing")]
[JsonDerivedType(typeof(PresenceEvent), "presence")]
[JsonDerivedType(typeof(UserRegisteredEvent), "user-registered")]
[JsonDerivedType(typeof(SessionsRevokedEvent), "sessions-revoked")]
public abstract record ChatEvent;

/// <summary>A stored message, to its recipient and to the sender's other connections.</summary>
public sealed record MessageEvent(MessageView Message) : ChatEvent;

/// <summary>A stored message, to the connection that sent it (new or retried alike): built by <see cref="Delivery.ForOrigin"/>.</summary>
public sealed record AckEvent(string ClientMessageId, MessageView Message) : ChatEvent;

/// <summary>A refused request; <see cref="Ref"/> is the client's ref (or clientMessageId) for it.</summary>
public sealed record ErrorEvent(string Code, string Error, string? Ref) : ChatEvent;

/// <summary>
/// A message's delivered/read mark moved forward; goes to the message's sender. In a group the mark means "delivered to
/// all" / "read by all" current members, and <see cref="ReaderId"/> is the member whose receipt completed it.
/// </summary>
public sealed record ReceiptEvent(string MessageId, string ConversationId, long Seq, string SenderId, string ReaderId, string Kind, DateTime At) : ChatEvent;

/// <summary>A message this user deleted for themselves, to their own connections: their other tabs drop it too.</summary>
public sealed record HiddenEvent(string MessageId, string ConversationId, string ClientMessageId) : ChatEvent;

/// <summary>
/// "start" or "stop"; the server sends "stop" itself when a "start" is not repeated in time. To a peer
/// (<see cref="ToUserId"/>), or to a group's members (<see cref="ConversationId"/>).
/// </summary>
public sealed record TypingEvent(string FromUserId, string? ToUserId, string State, string? ConversationId = null) : ChatEvent;

/// <summary>A user came online (first connection on any node) or went offline (last one closed).</summary>
public sealed record PresenceEvent(string UserId, bool Online, DateTime? LastSeenAt) : ChatEvent;

/// <summary>A new account, with public fields only; goes to everyone connected.</summary>
public sealed record UserRegisteredEvent(PublicUser User) : ChatEvent;

/// <summary>
/// The user's sessions were revoked (log out everywhere, password change, account deleted): every
/// open connection of theirs, on every node, closes itself (4401) instead of being rendered.
/// </summary>
public sealed record SessionsRevokedEvent(string UserId) : ChatEvent;

public static class EventJson
{
    /// <summary>The same conventions as the REST API (camelCase, web defaults), so a message looks alike on both.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        MaxDepth = 16,
    };
}
