using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Marketing;

public sealed record SiteCounts(int Users, int Admins, int Conversations, long Messages, int OnlineNow);

/// <summary>The numbers the landing page and the admin dashboard show, straight from the database.</summary>
public sealed class SiteStats(ChatDbContext db)
{
    public async Task<SiteCounts> CountAsync(CancellationToken ct) => new(
        await db.Users.CountAsync(ct),
        await db.Users.CountAsync(u => u.IsAdmin, ct),
        await db.Conversations.CountAsync(ct),
        await db.Messages.LongCountAsync(ct),
        // Presence lives in the realtime gateway (issue 3); until it lands nobody is counted as online.
        OnlineNow: 0);
}
