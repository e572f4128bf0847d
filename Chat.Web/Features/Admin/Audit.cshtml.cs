using Chat.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Admin;

/// <summary>/admin/audit-log (the JSON API owns /admin/audit): the audit log, newest first.</summary>
public sealed class AuditModel(AuditLog audit) : PageModel
{
    public Page<AuditView> Events { get; private set; } = null!;
    public string? Cursor { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? cursor, CancellationToken ct)
    {
        if (!Infrastructure.Cursor.TryDecode(cursor, out var before)) return BadRequest();
        Cursor = cursor;
        Events = await audit.PageAsync(before, 50, ct);
        return Page();
    }
}
