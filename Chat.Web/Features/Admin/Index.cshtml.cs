using Chat.Web.Features.Auth;
using Chat.Web.Features.Marketing;
using Chat.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Admin;

/// <summary>/admin: stats and the user table, with delete and promote/demote through AdminUsers (audited there).</summary>
public sealed class IndexModel(AdminUsers users, SiteStats stats) : PageModel
{
    public const int PageSize = 20;

    public SiteCounts Counts { get; private set; } = null!;
    public Page<AccountView> Users { get; private set; } = null!;
    public string? Search { get; private set; }
    public string? Cursor { get; private set; }
    public long Me { get; private set; }
    /// <summary>What the last action did, shown once after the redirect.</summary>
    [TempData] public string? Notice { get; set; }

    public async Task<IActionResult> OnGetAsync(string? q, string? cursor, CancellationToken ct)
    {
        if (!Infrastructure.Cursor.TryDecode(cursor, out var after)) return BadRequest();
        Me = Tokens.UserId(User)!.Value;
        Search = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        Cursor = cursor;
        Counts = await stats.CountAsync(ct);
        Users = await users.PageAsync(after, PageSize, Search, ct);
        return Page();
    }

    /// <summary>Just the stats, for the dashboard's polling.</summary>
    public async Task<IActionResult> OnGetStatsAsync(CancellationToken ct) =>
        Partial("/Features/Admin/_Stats.cshtml", await stats.CountAsync(ct));

    public async Task<IActionResult> OnPostDeleteAsync(long id, string? q, CancellationToken ct)
    {
        Notice = await users.DeleteAsync(Tokens.UserId(User)!.Value, id, ct) switch
        {
            DeleteUserResult.Deleted => "User deleted, with their conversations and messages.",
            DeleteUserResult.LastAdmin => "The last admin cannot be deleted.",
            _ => "That user no longer exists.",
        };
        return RedirectToPage(new { q });
    }

    public async Task<IActionResult> OnPostRoleAsync(long id, bool admin, string? q, CancellationToken ct)
    {
        Notice = await users.SetAdminAsync(Tokens.UserId(User)!.Value, id, admin, ct) switch
        {
            SetAdminResult.Changed => admin ? "User promoted to admin." : "User is no longer an admin.",
            SetAdminResult.Unchanged => "Nothing to change.",
            SetAdminResult.LastAdmin => "The last admin cannot be demoted.",
            _ => "That user no longer exists.",
        };
        return RedirectToPage(new { q });
    }
}
