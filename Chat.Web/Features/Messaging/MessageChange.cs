using System.Text.Json;
using Chat.Web.Data;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// What a change row says happened to an earlier message: "edited", "deleted" (for everyone) or "reacted" by
/// <see cref="ActorId"/>, to <see cref="MessageId"/>; <see cref="Emoji"/> is the reaction, null when it was taken back.
/// Stored as this JSON in the change row's ciphertext column. It never holds the text: the edited message's row does,
/// so an edit leaves no copy of the text before.
/// </summary>
public sealed record MessageChange(string Action, string MessageId, string ActorId, string? Emoji = null)
{
    public const string Edited = "edited", Deleted = "deleted", Reacted = "reacted";

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, EventJson.Options);

    public static MessageChange? Of(Message m) => m.Kind == MessageKind.Change ? JsonSerializer.Deserialize<MessageChange>(m.Ciphertext, EventJson.Options) : null;
}
