using Chat.Web.Data;
using Chat.Web.Features.Admin;
using Chat.Web.Features.Conversations;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Safety;

public enum ReportOutcome { Reported, NotFound, OwnMessage }

public enum ReportAction { DeleteMessage, DeleteUser, Dismiss }

public enum ResolveOutcome { Done, NotFound, LastAdmin }

/// <summary>A report as the admins see it: the message as it is now (null once deleted), who sent it, who reported it and why.</summary>
public sealed record ReportView(
    string Id, string MessageId, string ConversationId, string SenderId, string SenderName, string? Text,
    string ReporterId, string ReporterName, string? Reason, DateTime At, DateTime? ResolvedAt, string? Resolution);

/// <summary>
/// Members report messages to the site admins; admins see the open reports and delete the message for everyone, or
/// its sender's account, or dismiss the report. Every report and every decision goes to the audit log (never the text).
/// </summary>
public sealed class Reports(ChatDbContext db, WriteGate writes, AuditLog audit, TimeProvider clock, MessageRemoval removal, AdminUsers users)
{
    public const int MaxReasonLength = 500;

    /// <summary>
    /// Only a message the reporter can read (a text message of their direct or group conversation, in their membership
    /// period, not deleted) and not their own; reporting it again changes nothing.
    /// </summary>
    public async Task<ReportOutcome> ReportAsync(long me, long messageId, string? reason, CancellationToken ct)
    {
        var message = await (from m in db.Messages.AsNoTracking()
                             join c in db.Conversations on m.ConversationId equals c.Id
                             join cm in db.Members on m.ConversationId equals cm.ConversationId
                             where m.Id == messageId && cm.UserId == me && m.Kind == MessageKind.Text && m.DeletedAt == null
                                 && (c.Kind == ConversationKind.Direct || c.Kind == ConversationKind.Group)
                                 && m.Seq > cm.JoinedAfterSeq && (cm.LeftAtSeq == null || m.Seq <= cm.LeftAtSeq)
                             select new { m.Id, m.SenderId, m.ConversationId }).FirstOrDefaultAsync(ct);
        if (message is null) return ReportOutcome.NotFound;
        if (message.SenderId == me) return ReportOutcome.OwnMessage;
        using var _ = await writes.EnterAsync(ct);
        if (await db.Reports.AnyAsync(r => r.MessageId == messageId && r.ReporterId == me, ct)) return ReportOutcome.Reported;
        var report = new Report { MessageId = messageId, ReporterId = me, Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), At = clock.GetUtcNow().UtcDateTime };
        db.Reports.Add(report);
        audit.Add("message.reported", me, messageId, $"conversation={message.ConversationId}; sender={message.SenderId}");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear(); // the same report from another tab at the same moment
        }
        return ReportOutcome.Reported;
    }

    /// <summary>Open reports (or all), newest first, keyset-paged by id.</summary>
    public async Task<Page<ReportView>> PageAsync(bool openOnly, long beforeId, int limit, CancellationToken ct)
    {
        var query = db.Reports.AsNoTracking();
        if (openOnly) query = query.Where(r => r.ResolvedAt == null);
        if (beforeId > 0) query = query.Where(r => r.Id < beforeId);
        var rows = await (from r in query
                          join m in db.Messages on r.MessageId equals m.Id
                          orderby r.Id descending
                          select new { Report = r, m.ConversationId, m.SenderId, m.Ciphertext, m.DeletedAt }).Take(limit + 1).ToListAsync(ct);
        var found = rows.Take(limit).ToList();
        var names = await db.Users.AsNoTracking().Where(u => found.Select(f => f.SenderId).Contains(u.Id) || found.Select(f => f.Report.ReporterId).Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);
        var items = found.ConvertAll(f => new ReportView(f.Report.Id.ToString(), f.Report.MessageId.ToString(), f.ConversationId.ToString(),
            f.SenderId.ToString(), names.GetValueOrDefault(f.SenderId, DisplayNames.Unknown), f.DeletedAt is null ? BrowserText.Decode(f.Ciphertext) : null,
            f.Report.ReporterId.ToString(), names.GetValueOrDefault(f.Report.ReporterId, DisplayNames.Unknown), f.Report.Reason, f.Report.At,
            f.Report.ResolvedAt, f.Report.Resolution));
        return new Page<ReportView>(items, rows.Count > limit ? Cursor.Encode(found[^1].Report.Id) : null);
    }

    /// <summary>
    /// Acts on a report: deletes the message for everyone, or its sender's account (with their direct conversations,
    /// and so this report), or dismisses it; every open report of the same message is resolved with it.
    /// </summary>
    public async Task<ResolveOutcome> ResolveAsync(long adminId, long reportId, ReportAction action, CancellationToken ct)
    {
        var report = await db.Reports.AsNoTracking().FirstOrDefaultAsync(r => r.Id == reportId, ct);
        if (report is null) return ResolveOutcome.NotFound;
        var senderId = await db.Messages.Where(m => m.Id == report.MessageId).Select(m => m.SenderId).FirstAsync(ct);
        switch (action)
        {
            case ReportAction.DeleteMessage:
                await removal.DeleteForEveryoneAsync(adminId, report.MessageId, ct);
                break;
            case ReportAction.DeleteUser:
                var deleted = await users.DeleteAsync(adminId, senderId, ct);
                if (deleted == DeleteUserResult.LastAdmin) return ResolveOutcome.LastAdmin;
                break;
        }
        var resolution = action switch { ReportAction.DeleteMessage => "message-deleted", ReportAction.DeleteUser => "user-deleted", _ => "dismissed" };
        using var _ = await writes.EnterAsync(ct);
        // A deleted user's direct messages, and their reports, are gone already; a group message's stay, resolved.
        await db.Reports.Where(r => r.MessageId == report.MessageId && r.ResolvedAt == null).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.ResolvedAt, clock.GetUtcNow().UtcDateTime).SetProperty(r => r.ResolvedById, adminId).SetProperty(r => r.Resolution, resolution), ct);
        audit.Add("report.resolved", adminId, reportId, $"message={report.MessageId}; resolution={resolution}");
        await db.SaveChangesAsync(ct);
        return ResolveOutcome.Done;
    }

    public static bool TryAction(string? raw, out ReportAction action)
    {
        (var ok, action) = raw switch
        {
            "delete-message" => (true, ReportAction.DeleteMessage),
            "delete-user" => (true, ReportAction.DeleteUser),
            "dismiss" => (true, ReportAction.Dismiss),
            _ => (false, ReportAction.Dismiss),
        };
        return ok;
    }
}
