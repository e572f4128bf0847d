namespace Chat.Web.Data;

public sealed class User
{
    public long Id { get; set; }
    /// <summary>Normalised E.164: "+" and 7–15 digits.</summary>
    public required string Phone { get; set; }
    public required string DisplayName { get; set; }
    public required string PasswordHash { get; set; }
    /// <summary>Base64 public identity key, opaque to the server.</summary>
    public required string IdentityKey { get; set; }
    /// <summary>The client's pre-key bundle as raw JSON, opaque to the server.</summary>
    public string? PreKeys { get; set; }
    public bool IsAdmin { get; set; }
    /// <summary>Bumped to revoke every token and cookie issued before.</summary>
    public int TokenVersion { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastSeenAt { get; set; }
}

public sealed class Conversation
{
    public long Id { get; set; }
    /// <summary>The smaller user id of the pair; (AId, BId) is unique.</summary>
    public long AId { get; set; }
    public long BId { get; set; }
    /// <summary>The last seq handed out; the next message gets LastSeq + 1 in the same transaction.</summary>
    public long LastSeq { get; set; }
    public DateTime CreatedAt { get; set; }

    public long PeerOf(long userId) => userId == AId ? BId : AId;
    public bool Has(long userId) => userId == AId || userId == BId;
}

public sealed class Message
{
    public long Id { get; set; }
    public long ConversationId { get; set; }
    public long Seq { get; set; }
    public long SenderId { get; set; }
    public long ReceiverId { get; set; }
    /// <summary>Unique per sender: a retried send with the same id is the same message.</summary>
    public required string ClientMessageId { get; set; }
    public required byte[] Ciphertext { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public DateTime? ReadAt { get; set; }
}

public sealed class AuditEvent
{
    public long Id { get; set; }
    public long? ActorId { get; set; }
    public required string Action { get; set; }
    public long? TargetId { get; set; }
    public string? Details { get; set; }
    public DateTime At { get; set; }
}

/// <summary>
/// A single row (Id = 1) whose row lock serialises decisions that span many rows,
/// such as "the first user becomes admin" and "never remove the last admin".
/// </summary>
public sealed class AppState
{
    public int Id { get; set; }
    public bool AdminClaimed { get; set; }
}
