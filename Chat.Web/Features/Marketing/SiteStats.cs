using Chat.Web.Data;
using Chat.Web.Features.Realtime;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Marketing;

public sealed record SiteCounts(int Users, int Admins, int Conversations, long Messages, int OnlineNow);

/// <summary>The numbers the landing page and the admin dashboard show: from the database, and "online now" from presence.</summary>
public sealed class SiteStats(ChatDbContext db, OnlineCount online)
{
    public async Task<SiteCounts> CountAsync(CancellationToken ct) => new(
        await db.Users.CountAsync(ct),
        await db.Users.CountAsync(u => u.IsAdmin, ct),
        await db.Conversations.CountAsync(ct),
        await db.Messages.LongCountAsync(ct),
        await online.CountAsync(ct));
}
