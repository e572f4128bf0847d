using Chat.Web.Data;
using Chat.Web.Features.Directory;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Groups;

/// <summary>
/// Checkboxes of people for a new group or for adding to one: those already ticked first (kept across searches, which
/// send them along), then the directory's matches for the search, or its newest people without one.
/// </summary>
public sealed record PeoplePick(string? Search, IReadOnlyList<PublicUser> Chosen, IReadOnlyList<PublicUser> Found, string SearchUrl)
{
    /// <summary>The form field the ticked ids go in, on both screens.</summary>
    public const string Field = "userIds";
}

public sealed class PeoplePicker(UserDirectory directory, ChatDbContext db, GroupSettings settings)
{
    const int Shown = 20;

    public async Task<PeoplePick> PickAsync(long me, string? search, IReadOnlyCollection<long> chosen, IReadOnlyCollection<long> except, string searchUrl,
        CancellationToken ct)
    {
        search = string.IsNullOrWhiteSpace(search) ? null : search.Trim();
        var ticked = chosen.Where(id => id != me && !except.Contains(id)).Distinct().Take(settings.MaxMembers).ToList();
        var chosenUsers = (await db.Users.AsNoTracking().Where(u => ticked.Contains(u.Id)).OrderBy(u => u.DisplayName).ToListAsync(ct))
            .ConvertAll(PublicUser.From);
        var hidden = except.Concat(ticked).ToHashSet();
        var found = search is null
            ? await directory.NewestAsync(me, hidden, Shown, ct)
            : (await directory.ListAsync(me, 0, Shown + hidden.Count, search, ct)).Items.Where(u => !hidden.Contains(long.Parse(u.Id))).Take(Shown).ToList();
        return new PeoplePick(search, chosenUsers, found, searchUrl);
    }
}
