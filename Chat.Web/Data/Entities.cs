namespace Chat.Web.Data;

public sealed class User
{
    public long Id { get; set; }
    /// <summary>Normalised E.164: "+" and 7–15 digits.</summary>
    public required string Phone { get; set; }
    public required string DisplayName { get; set; }
    public required string PasswordHash { get; set; }
    /// <summary>Base64 of the Ed25519 public identity key of the device that registered (each device's is in <see cref="Device"/>).</summary>
    public required string IdentityKey { get; set; }
    public bool IsAdmin { get; set; }
    /// <summary>Bumped to revoke every token and cookie issued before.</summary>
    public int TokenVersion { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastSeenAt { get; set; }
    /// <summary>Whether push notifications carry the sender's name and a preview of the text; otherwise just "New message".</summary>
    public bool ShowPreviews { get; set; } = true;
}

/// <summary>
/// One device's public keys for secret conversations (X3DH): an Ed25519 identity key, the X25519 identity key it signs,
/// and a signed X25519 pre-key. The private keys never leave the device. <see cref="DeviceId"/> is the client's choice.
/// </summary>
public sealed class Device
{
    public long UserId { get; set; }
    public int DeviceId { get; set; }
    public required byte[] IdentityKey { get; set; }
    public required byte[] IdentityDhKey { get; set; }
    public required byte[] IdentityDhSignature { get; set; }
    public int SignedPreKeyId { get; set; }
    public required byte[] SignedPreKey { get; set; }
    public required byte[] SignedPreKeySignature { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>An X25519 one-time pre-key of a device, handed to one fetcher and deleted in the same statement.</summary>
public sealed class OneTimePreKey
{
    public long UserId { get; set; }
    public int DeviceId { get; set; }
    public int KeyId { get; set; }
    public required byte[] PublicKey { get; set; }
}

/// <summary>
/// A secret conversation is a pair's end-to-end encrypted one, beside (not instead of) their direct conversation: its
/// messages are Double Ratchet envelopes the server cannot read (docs/security.md).
/// </summary>
public enum ConversationKind { Direct = 0, Group = 1, Secret = 2 }

/// <summary>A direct conversation (its two members, also as the unique pair AId, BId) or a group (members and a name).</summary>
public sealed class Conversation
{
    public long Id { get; set; }
    public ConversationKind Kind { get; set; }
    /// <summary>A group's name; null for a direct conversation.</summary>
    public string? Name { get; set; }
    /// <summary>A direct or secret conversation's pair, the smaller user id first; (AId, BId, Kind) is unique. Null for a group.</summary>
    public long? AId { get; set; }
    public long? BId { get; set; }
    /// <summary>The last seq handed out; the next message gets LastSeq + 1 in the same transaction.</summary>
    public long LastSeq { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>When its last message (or system event) was stored: the conversation list's order.</summary>
    public DateTime? LastMessageAt { get; set; }
    /// <summary>The seq of its last membership change: a node whose member list is older reads it again before delivering.</summary>
    public long MembersChangedAtSeq { get; set; }
}

public enum MemberRole { Member = 0, Admin = 1 }

/// <summary>A user's membership of a conversation: who may read and send there, and from which seq on.</summary>
public sealed class ConversationMember
{
    public long ConversationId { get; set; }
    public long UserId { get; set; }
    public MemberRole Role { get; set; }
    public DateTime JoinedAt { get; set; }
    /// <summary>The conversation's last seq when they joined: they see the messages after it.</summary>
    public long JoinedAfterSeq { get; set; }
    /// <summary>When they left or were removed; they keep the history up to <see cref="LeftAtSeq"/>.</summary>
    public DateTime? LeftAt { get; set; }
    public long? LeftAtSeq { get; set; }
    /// <summary>A group member's receipts as watermarks: every message up to this seq is delivered to them (read implies delivered).</summary>
    public long DeliveredUpToSeq { get; set; }
    public long ReadUpToSeq { get; set; }
    /// <summary>Which of this conversation's messages push notifies them of.</summary>
    public NotificationLevel Notifications { get; set; }

    public bool Sees(long seq) => Covers(JoinedAfterSeq, LeftAtSeq, seq);

    /// <summary>The one rule of what a member sees: the seqs after they joined, up to where they left.</summary>
    public static bool Covers(long joinedAfterSeq, long? leftAtSeq, long seq) => seq > joinedAfterSeq && (leftAtSeq is not { } left || seq <= left);
}

public enum NotificationLevel { All = 0, MentionsOnly = 1, Muted = 2 }

/// <summary>
/// A browser's Web Push subscription (RFC 8030): where the push service takes messages for it, and the keys that
/// encrypt them for that browser (RFC 8291). The endpoint URL is a bearer capability: never logged.
/// </summary>
public sealed class PushSubscription
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public required string Endpoint { get; set; }
    /// <summary>The browser's P-256 public key (65 bytes, uncompressed point), base64url.</summary>
    public required string P256dh { get; set; }
    /// <summary>The 16-byte authentication secret, base64url.</summary>
    public required string Auth { get; set; }
    /// <summary>A label for the settings page ("Chrome on Android"), derived from the User-Agent when subscribing.</summary>
    public required string Device { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// A group member's read watermark moved to <see cref="UpToSeq"/> at <see cref="At"/>: one row per reading, not per
/// message, from which a message's info finds when each member read it (the first mark at or past its seq).
/// </summary>
public sealed class ReadMark
{
    public long ConversationId { get; set; }
    public long UserId { get; set; }
    public long UpToSeq { get; set; }
    public DateTime At { get; set; }
}

/// <summary>
/// A text message, a system message (a group's membership change), or a change of an earlier message (an edit, a
/// delete for everyone, a reaction): a change takes the conversation's next seq like a message, so it reaches every
/// member live and in a sync, in order, through the same stream. Its payload (Features/Messaging/MessageChange) names the
/// message it changed; the message's row holds the result.
/// </summary>
public enum MessageKind { Text = 0, System = 1, Change = 2 }

public sealed class Message
{
    public long Id { get; set; }
    public long ConversationId { get; set; }
    public long Seq { get; set; }
    public long SenderId { get; set; }
    /// <summary>A direct message's recipient; null in a group, where the members at its seq receive it.</summary>
    public long? ReceiverId { get; set; }
    /// <summary>A system message is a group's membership change ("Ann added Bea"), its payload JSON in <see cref="Ciphertext"/>, written by the server.</summary>
    public MessageKind Kind { get; set; }
    /// <summary>Unique per sender: a retried send with the same id is the same message.</summary>
    public required string ClientMessageId { get; set; }
    public required byte[] Ciphertext { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>When every recipient had it (in a group: every current member but the sender), and when every one had read it.</summary>
    public DateTime? DeliveredAt { get; set; }
    public DateTime? ReadAt { get; set; }
    /// <summary>The earlier message of the same conversation this one replies to.</summary>
    public long? ReplyToId { get; set; }
    /// <summary>Sent as a forward of another message (its text copied; where it came from is not kept).</summary>
    public bool Forwarded { get; set; }
    /// <summary>When its author last edited it; the text before is not kept.</summary>
    public DateTime? EditedAt { get; set; }
    /// <summary>Deleted for everyone: the text is gone (an empty ciphertext), a tombstone stays in its seq.</summary>
    public DateTime? DeletedAt { get; set; }
    /// <summary>Its photos, files and voice notes, linked in the transaction that stores it.</summary>
    public List<Attachment> Attachments { get; set; } = [];
}

/// <summary>A person's one reaction to a message (choosing another replaces it).</summary>
public sealed class Reaction
{
    public long MessageId { get; set; }
    public long UserId { get; set; }
    public required string Emoji { get; set; }
    public DateTime At { get; set; }
}

/// <summary>A message one person deleted for themselves only: hidden from their history, nobody else's.</summary>
public sealed class HiddenMessage
{
    public long UserId { get; set; }
    public long MessageId { get; set; }
}

public enum AttachmentKind { Image = 0, File = 1, Voice = 2 }

/// <summary>
/// An uploaded photo, file or voice note. Its bytes are in the media store (disk or S3) under <see cref="Id"/>, its
/// preview (images only) under Id + ".preview". Unsent (no <see cref="MessageId"/>) it is its uploader's alone; sent,
/// it belongs to the message's conversation.
/// </summary>
public sealed class Attachment
{
    /// <summary>128 random bits, base64url: the unguessable part of its URL (access is still checked on every request).</summary>
    public required string Id { get; set; }
    public long UploaderId { get; set; }
    public long? MessageId { get; set; }
    public long? ConversationId { get; set; }
    public AttachmentKind Kind { get; set; }
    /// <summary>The file name as shown, cleaned of path separators and control characters.</summary>
    public required string Name { get; set; }
    /// <summary>Decided from the content (magic bytes), never from the name or the client.</summary>
    public required string ContentType { get; set; }
    public long Size { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    public int? DurationMs { get; set; }
    public int? PreviewWidth { get; set; }
    public int? PreviewHeight { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// <see cref="BlockerId"/> blocked <see cref="BlockedId"/>: the blocked person can no longer start a conversation with
/// them or send them direct messages, and sees no presence or typing from them. Groups are not affected.
/// </summary>
public sealed class Block
{
    public long BlockerId { get; set; }
    public long BlockedId { get; set; }
    public DateTime At { get; set; }
}

/// <summary>A message reported to the site admins by a member who could read it; open until an admin resolves it.</summary>
public sealed class Report
{
    public long Id { get; set; }
    public long MessageId { get; set; }
    public long ReporterId { get; set; }
    /// <summary>The reporter's words, optional.</summary>
    public string? Reason { get; set; }
    public DateTime At { get; set; }
    /// <summary>When an admin dealt with it (deleted the message or its sender, or dismissed it), and how.</summary>
    public DateTime? ResolvedAt { get; set; }
    public long? ResolvedById { get; set; }
    public string? Resolution { get; set; }
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
