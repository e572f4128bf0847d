using Chat.Web.Data;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Admin;

public sealed record AuditView(string Id, string? ActorId, string Action, string? TargetId, string? Details, DateTime At)
{
    public static AuditView From(AuditEvent e) => new(e.Id.ToString(), e.ActorId?.ToString(), e.Action, e.TargetId?.ToString(), e.Details, e.At);
}

/// <summary>Who did what to whom. Details never hold secrets: no passwords, tokens or message bodies.</summary>
public sealed class AuditLog(ChatDbContext db, TimeProvider clock)
{
    /// <summary>Adds the event to the caller's unit of work; it is stored with the caller's SaveChanges.</summary>
    public void Add(string action, long? actorId, long? targetId, string? details = null) =>
        db.AuditEvents.Add(new AuditEvent { Action = action, ActorId = actorId, TargetId = targetId, Details = details, At = clock.GetUtcNow().UtcDateTime });

    public async Task<Page<AuditView>> PageAsync(long beforeId, int limit, CancellationToken ct)
    {
        var query = db.AuditEvents.AsNoTracking();
        if (beforeId > 0) query = query.Where(e => e.Id < beforeId);
        var rows = await query.OrderByDescending(e => e.Id).Take(limit + 1).ToListAsync(ct);
        return new Page<AuditView>(rows.Take(limit).Select(AuditView.From).ToList(), rows.Count > limit ? Cursor.Encode(rows[limit - 1].Id) : null);
    }
}
