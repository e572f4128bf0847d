using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chat.Web.Data;

/// <summary>
/// The model, shared by both providers. Each provider has its own subclass so that it
/// keeps its own migration set (Data/Migrations/Postgres, Data/Migrations/Sqlite).
/// </summary>
public abstract class ChatDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<User> Users => Set<User>();
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<ConversationMember> Members => Set<ConversationMember>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<Attachment> Attachments => Set<Attachment>();
    public DbSet<ReadMark> ReadMarks => Set<ReadMark>();
    public DbSet<Reaction> Reactions => Set<Reaction>();
    public DbSet<HiddenMessage> HiddenMessages => Set<HiddenMessage>();
    public DbSet<PushSubscription> PushSubscriptions => Set<PushSubscription>();
    public DbSet<Block> Blocks => Set<Block>();
    public DbSet<Report> Reports => Set<Report>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<AppState> AppState => Set<AppState>();
    public DbSet<Device> Devices => Set<Device>();
    public DbSet<OneTimePreKey> OneTimePreKeys => Set<OneTimePreKey>();
    /// <summary>The key ring every replica shares (<see cref="SharedKeyRing"/>).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder b) => b.ApplyConfigurationsFromAssembly(typeof(ChatDbContext).Assembly);
}

sealed class DeviceConfiguration : IEntityTypeConfiguration<Device>
{
    public void Configure(EntityTypeBuilder<Device> e)
    {
        e.ToTable("devices");
        e.HasKey(d => new { d.UserId, d.DeviceId });
        e.HasOne<User>().WithMany().HasForeignKey(d => d.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class OneTimePreKeyConfiguration : IEntityTypeConfiguration<OneTimePreKey>
{
    public void Configure(EntityTypeBuilder<OneTimePreKey> e)
    {
        e.ToTable("one_time_pre_keys");
        e.HasKey(k => new { k.UserId, k.DeviceId, k.KeyId });
        e.HasOne<Device>().WithMany().HasForeignKey(k => new { k.UserId, k.DeviceId }).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKey>
{
    public void Configure(EntityTypeBuilder<DataProtectionKey> e) => e.ToTable("data_protection_keys");
}

sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> e)
    {
        e.ToTable("users");
        e.HasIndex(u => u.Phone).IsUnique();
        e.Property(u => u.ShowPreviews).HasDefaultValue(true).HasSentinel(true); // true is "unset": an explicit false is written
        e.Property(u => u.Phone).HasMaxLength(16);
        e.Property(u => u.DisplayName).HasMaxLength(64);
        e.Property(u => u.PasswordHash).HasMaxLength(100);
        e.Property(u => u.IdentityKey).HasMaxLength(1024);
    }
}

sealed class ConversationConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> e)
    {
        e.ToTable("conversations");
        e.HasIndex(c => new { c.AId, c.BId, c.Kind }).IsUnique(); // a pair has one direct and one secret conversation
        e.HasIndex(c => c.BId);
        e.HasOne<User>().WithMany().HasForeignKey(c => c.AId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<User>().WithMany().HasForeignKey(c => c.BId).OnDelete(DeleteBehavior.Cascade);
        e.Property(c => c.Name).HasMaxLength(100);
    }
}

sealed class ConversationMemberConfiguration : IEntityTypeConfiguration<ConversationMember>
{
    public void Configure(EntityTypeBuilder<ConversationMember> e)
    {
        e.ToTable("conversation_members");
        e.HasKey(m => new { m.ConversationId, m.UserId });
        e.HasIndex(m => m.UserId);
        e.HasOne<Conversation>().WithMany().HasForeignKey(m => m.ConversationId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<User>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class ReadMarkConfiguration : IEntityTypeConfiguration<ReadMark>
{
    public void Configure(EntityTypeBuilder<ReadMark> e)
    {
        e.ToTable("read_marks");
        e.HasKey(m => new { m.ConversationId, m.UserId, m.UpToSeq });
        e.HasOne<ConversationMember>().WithMany().HasForeignKey(m => new { m.ConversationId, m.UserId }).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> e)
    {
        e.ToTable("messages");
        e.HasIndex(m => new { m.ConversationId, m.Seq }).IsUnique();
        e.HasIndex(m => new { m.SenderId, m.ClientMessageId }).IsUnique();
        e.Property(m => m.ClientMessageId).HasMaxLength(100);
        // No foreign key to conversations: the store's own UPDATE of the conversation row already proves it exists and
        // locks it until commit; AdminUsers.DeleteAsync removes a user's messages by conversation instead of a cascade
        // (docs/performance-log.md, "The send path, third round", item 15).
        // No index on ReceiverId: every query by receiver goes by conversation first, yet each insert paid for the entry
        // (docs/performance-log.md, "The send path, sixth round", item 18).
    }
}

sealed class ReactionConfiguration : IEntityTypeConfiguration<Reaction>
{
    public void Configure(EntityTypeBuilder<Reaction> e)
    {
        e.ToTable("reactions");
        e.HasKey(r => new { r.MessageId, r.UserId });
        e.HasOne<Message>().WithMany().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<User>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        e.HasIndex(r => r.UserId);
        e.Property(r => r.Emoji).HasMaxLength(32);
    }
}

sealed class HiddenMessageConfiguration : IEntityTypeConfiguration<HiddenMessage>
{
    public void Configure(EntityTypeBuilder<HiddenMessage> e)
    {
        e.ToTable("hidden_messages");
        e.HasKey(h => new { h.UserId, h.MessageId });
        e.HasOne<Message>().WithMany().HasForeignKey(h => h.MessageId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<User>().WithMany().HasForeignKey(h => h.UserId).OnDelete(DeleteBehavior.Cascade);
        e.HasIndex(h => h.MessageId);
    }
}

sealed class AttachmentConfiguration : IEntityTypeConfiguration<Attachment>
{
    public void Configure(EntityTypeBuilder<Attachment> e)
    {
        e.ToTable("attachments");
        e.Property(a => a.Id).HasMaxLength(32);
        e.Property(a => a.Name).HasMaxLength(255);
        e.Property(a => a.ContentType).HasMaxLength(100);
        // A deleted message leaves its attachment unlinked: the orphan sweep removes its blobs (MediaJanitor).
        e.HasOne<Message>().WithMany(m => m.Attachments).HasForeignKey(a => a.MessageId).OnDelete(DeleteBehavior.SetNull);
        e.HasIndex(a => a.MessageId);
        // Quota sums and a user's removal go by uploader; the orphan sweep by age.
        e.HasIndex(a => a.UploaderId);
        e.HasIndex(a => a.CreatedAt);
    }
}

sealed class PushSubscriptionConfiguration : IEntityTypeConfiguration<PushSubscription>
{
    public void Configure(EntityTypeBuilder<PushSubscription> e)
    {
        e.ToTable("push_subscriptions");
        // One row per browser: subscribing again with the same endpoint replaces its keys (and its user).
        e.HasIndex(p => p.Endpoint).IsUnique();
        e.HasIndex(p => p.UserId);
        e.HasOne<User>().WithMany().HasForeignKey(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
        e.Property(p => p.Endpoint).HasMaxLength(PushLimits.MaxEndpointLength);
        e.Property(p => p.P256dh).HasMaxLength(100);
        e.Property(p => p.Auth).HasMaxLength(50);
        e.Property(p => p.Device).HasMaxLength(100);
    }
}

sealed class BlockConfiguration : IEntityTypeConfiguration<Block>
{
    public void Configure(EntityTypeBuilder<Block> e)
    {
        e.ToTable("blocks");
        // The send path asks "did the recipient block the sender?": the key answers it.
        e.HasKey(b => new { b.BlockerId, b.BlockedId });
        e.HasIndex(b => b.BlockedId);
        e.HasOne<User>().WithMany().HasForeignKey(b => b.BlockerId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<User>().WithMany().HasForeignKey(b => b.BlockedId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class ReportConfiguration : IEntityTypeConfiguration<Report>
{
    public void Configure(EntityTypeBuilder<Report> e)
    {
        e.ToTable("reports");
        e.HasIndex(r => new { r.MessageId, r.ReporterId }).IsUnique();
        e.HasIndex(r => new { r.ResolvedAt, r.Id });
        e.HasOne<Message>().WithMany().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<User>().WithMany().HasForeignKey(r => r.ReporterId).OnDelete(DeleteBehavior.Cascade);
        e.Property(r => r.Reason).HasMaxLength(500);
        e.Property(r => r.Resolution).HasMaxLength(32);
    }
}

sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> e)
    {
        e.ToTable("audit_events");
        e.HasIndex(a => a.At);
        e.Property(a => a.Action).HasMaxLength(64);
        e.Property(a => a.Details).HasMaxLength(1000);
    }
}

sealed class AppStateConfiguration : IEntityTypeConfiguration<AppState>
{
    public void Configure(EntityTypeBuilder<AppState> e)
    {
        e.ToTable("app_state");
        e.Property(s => s.Id).ValueGeneratedNever();
        e.HasData(new AppState { Id = 1, AdminClaimed = false });
    }
}
