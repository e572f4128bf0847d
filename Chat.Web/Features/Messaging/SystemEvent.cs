using System.Text.Json;
using Chat.Web.Data;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// What a system message says happened in a group: "created", "renamed", "added", "removed", "left" or "promoted",
/// by <see cref="ActorId"/>, to <see cref="UserIds"/>; <see cref="Name"/> for "created" and "renamed". Stored as this
/// JSON in the message's ciphertext column (the server writes it; there is nothing secret in it).
/// </summary>
public sealed record SystemEvent(string Action, string ActorId, string[] UserIds, string? Name)
{
    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, EventJson.Options);

    public static SystemEvent? Of(Message m) => m.Kind == MessageKind.System ? JsonSerializer.Deserialize<SystemEvent>(m.Ciphertext, EventJson.Options) : null;
}
