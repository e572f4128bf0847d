using Chat.Web.Features.Auth;
using Chat.Web.Features.Safety;
using Chat.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Admin;

/// <summary>/admin/reported-messages: the open reports with the reported message; delete it for everyone, delete its sender, or dismiss (Safety/Reports, audited).</summary>
public sealed class ReportsModel(Reports reports) : PageModel
{
    public const int PageSize = 20;

    public Page<ReportView> Reports { get; private set; } = null!;
    [TempData] public string? Notice { get; set; }

    public async Task<IActionResult> OnGetAsync(string? cursor, CancellationToken ct)
    {
        if (!Cursor.TryDecode(cursor, out var before)) return BadRequest();
        Reports = await reports.PageAsync(openOnly: true, before, PageSize, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostResolveAsync(long id, string? action, CancellationToken ct)
    {
        if (!Safety.Reports.TryAction(action, out var chosen)) return BadRequest();
        Notice = await reports.ResolveAsync(Tokens.UserId(User)!.Value, id, chosen, ct) switch
        {
            ResolveOutcome.Done => chosen switch
            {
                ReportAction.DeleteMessage => "Message deleted for everyone.",
                ReportAction.DeleteUser => "User deleted, with their conversations and messages.",
                _ => "Report dismissed.",
            },
            ResolveOutcome.LastAdmin => "The last admin cannot be deleted.",
            _ => "That report no longer exists.",
        };
        return RedirectToPage();
    }
}
