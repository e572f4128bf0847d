using Chat.Web.Features.Messaging;
using Chat.Web.Data;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Media;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Admin;

public enum DeleteUserResult { Deleted, NotFound, LastAdmin }

public enum SetAdminResult { Changed, Unchanged, NotFound, LastAdmin }

/// <summary>The admin's view of every user, and the removal of one.</summary>
public sealed class AdminUsers(ChatDbContext db, AuditLog audit, WriteGate writes, IFanout fanout, MediaRemoval media)
{
    public async Task<Page<AccountView>> PageAsync(long afterId, int limit, string? search, CancellationToken ct)
    {
        var query = db.Users.AsNoTracking().Where(u => u.Id > afterId);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = DisplayText.ContainsPattern(search);
            query = query.Where(u => EF.Functions.Like(u.DisplayName.ToLower(), pattern, "\\") || EF.Functions.Like(u.Phone, pattern, "\\"));
        }
        var rows = await query.OrderBy(u => u.Id).Take(limit + 1).ToListAsync(ct);
        return new Page<AccountView>(rows.Take(limit).Select(AccountView.From).ToList(), rows.Count > limit ? Cursor.Encode(rows[limit - 1].Id) : null);
    }

    /// <summary>
    /// Removes the user, their conversations and every message in them, and writes the audit event,
    /// all in one transaction. The app_state row lock serialises admin removals, so two admins
    /// removing each other cannot leave none.
    /// </summary>
    public async Task<DeleteUserResult> DeleteAsync(long actorId, long userId, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.AppState.Where(s => s.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(x => x.AdminClaimed, x => x.AdminClaimed), ct);
        // Nobody may start a new conversation with them from here on: on PostgreSQL the lookup locks the user's row,
        // which a new conversation's foreign key check waits for (and then fails, the user being gone); on SQLite the
        // app_state update above already holds the database's only write lock.
        var user = db.Database.IsNpgsql()
            ? (await db.Users.FromSql($"""SELECT * FROM users WHERE "Id" = {userId} FOR UPDATE""").ToListAsync(ct)).SingleOrDefault()
            : await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null) return DeleteUserResult.NotFound;
        if (user.IsAdmin && await db.Users.CountAsync(u => u.IsAdmin, ct) == 1) return DeleteUserResult.LastAdmin;

        // Every message they sent or received is in one of their conversations, so the messages go by conversation
        // (messages have no foreign key, and no index by receiver). Deleting a conversation waits for a message batch
        // that holds it (its seq UPDATE) to commit, and a batch after that finds no conversation and stores nothing;
        // so the last statement, which sees everything committed before it, finds every message of those conversations.
        var theirs = db.Members.Where(m => m.UserId == userId).Select(m => m.ConversationId);
        var conversationIds = await db.Conversations.Where(c => c.Kind != ConversationKind.Group && theirs.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
        var conversations = await db.Conversations.Where(c => conversationIds.Contains(c.Id)).ExecuteDeleteAsync(ct);
        // Their groups stay (with their messages, from a deleted sender); one they were the only admin of gets one, as when an admin leaves.
        var adminOf = await db.Members.Where(m => m.UserId == userId && m.Role == MemberRole.Admin && m.LeftAt == null).Select(m => m.ConversationId).ToListAsync(ct);
        await db.Users.Where(u => u.Id == userId).ExecuteDeleteAsync(ct);
        foreach (var group in adminOf)
        {
            var current = db.Members.Where(m => m.ConversationId == group && m.LeftAt == null);
            if (await current.AnyAsync(m => m.Role == MemberRole.Admin, ct)) continue;
            var next = await current.OrderBy(m => m.JoinedAt).ThenBy(m => m.UserId).Select(m => (long?)m.UserId).FirstOrDefaultAsync(ct);
            if (next is { } heir) await current.Where(m => m.UserId == heir).ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, MemberRole.Admin), ct);
        }
        // Their uploads (sent anywhere, or not yet) and every attachment of the conversations that go: rows now, blobs after the commit.
        var attachments = await media.RemoveRowsOfUserAsync(userId, conversationIds, ct);
        var messages = await db.Messages.Where(m => conversationIds.Contains(m.ConversationId)).ExecuteDeleteAsync(ct);
        audit.Add("user.deleted", actorId, userId, $"phone={user.Phone}; conversations={conversations}; messages={messages}");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await media.DeleteBlobsAsync(attachments);
        // Their open sockets close within moments, on every node.
        await fanout.PublishAsync(Delivery.SessionsRevoked(userId), ct);
        return DeleteUserResult.Deleted;
    }

    /// <summary>
    /// Promotes or demotes a user and writes the audit event. Like deletion it takes the app_state row lock,
    /// so concurrent demotions can never leave the system without an admin.
    /// </summary>
    public async Task<SetAdminResult> SetAdminAsync(long actorId, long userId, bool isAdmin, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.AppState.Where(s => s.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(x => x.AdminClaimed, x => x.AdminClaimed), ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null) return SetAdminResult.NotFound;
        if (user.IsAdmin == isAdmin) return SetAdminResult.Unchanged;
        if (!isAdmin && await db.Users.CountAsync(u => u.IsAdmin, ct) == 1) return SetAdminResult.LastAdmin;
        user.IsAdmin = isAdmin;
        audit.Add(isAdmin ? "user.promoted" : "user.demoted", actorId, userId, $"phone={user.Phone}");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return SetAdminResult.Changed;
    }
}
