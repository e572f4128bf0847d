using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Conversations;

/// <summary>People's names for what a group shows: senders above bubbles, who did what in system notes, who types.</summary>
public sealed class DisplayNames(ChatDbContext db)
{
    /// <summary>A deleted account's messages outlive it (in a group): its name reads as this.</summary>
    public const string Unknown = "Someone";

    public async Task<Dictionary<long, string>> OfAsync(IEnumerable<long> userIds, CancellationToken ct)
    {
        var ids = userIds.Distinct().ToList();
        if (ids.Count == 0) return [];
        return await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);
    }
}
