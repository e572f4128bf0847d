using System.Text.Json.Serialization;

namespace Chat.Bench.Relay;

/// <summary>The app's message shape (MessageView), so both targets put the same bytes on the wire.</summary>
sealed record RelayMessage(string Id, string ConversationId, long Seq, string SenderId, string ReceiverId,
    string Ciphertext, string ClientMessageId, DateTime CreatedAt, DateTime? DeliveredAt, DateTime? ReadAt);

sealed record RelayAck(string Type, string ClientMessageId, RelayMessage Message);
sealed record RelayDelivery(string Type, RelayMessage Message);
sealed record RelayError(string Type, string Code, string Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RelayAck))]
[JsonSerializable(typeof(RelayDelivery))]
[JsonSerializable(typeof(RelayError))]
sealed partial class RelayJson : JsonSerializerContext;
