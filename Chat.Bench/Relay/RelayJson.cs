using System.Text.Json.Serialization;

namespace Chat.Bench.Relay;

/// <summary>The app's message shape (MessageView), so both targets put the same bytes on the wire.</summary>
sealed record RelayMessage(string Id, string ConversationId, long Seq, string SenderId, string? ReceiverId,
    string Ciphertext, string ClientMessageId, DateTime CreatedAt, DateTime? DeliveredAt, DateTime? ReadAt,
    string Kind = "text", string? System = null);

sealed record RelayAck(string Type, string ClientMessageId, RelayMessage Message);
sealed record RelayDelivery(string Type, RelayMessage Message);
sealed record RelayError(string Type, string Code, string Error);
/// <summary>The app's POST /groups body and the part of its answer the bench reads.</summary>
sealed record RelayCreateGroup(string? Name, string[]? MemberIds);
sealed record RelayGroupCreated(string Id, string Name, int MemberCount);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RelayAck))]
[JsonSerializable(typeof(RelayDelivery))]
[JsonSerializable(typeof(RelayError))]
[JsonSerializable(typeof(RelayCreateGroup))]
[JsonSerializable(typeof(RelayGroupCreated))]
sealed partial class RelayJson : JsonSerializerContext;
