using Chat.Web.Features.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Safety;

/// <summary>/chat/report/{messageId}: report a message of someone else to the site admins, with an optional reason.</summary>
public sealed class ReportModel(Reports reports) : PageModel
{
    public long MessageId { get; private set; }
    public string? Error { get; private set; }
    public bool Reported { get; private set; }

    public void OnGet(long messageId) => MessageId = messageId;

    public async Task<IActionResult> OnPostAsync(long messageId, string? reason, CancellationToken ct)
    {
        MessageId = messageId;
        if (reason is { Length: > Reports.MaxReasonLength } || reason is not null && !Infrastructure.DisplayText.IsSafe(reason))
        {
            Error = $"Say why in at most {Reports.MaxReasonLength} characters of plain text.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        switch (await reports.ReportAsync(Tokens.UserId(User)!.Value, messageId, reason, ct))
        {
            case ReportOutcome.Reported:
                Reported = true;
                return Page();
            case ReportOutcome.OwnMessage:
                Error = "You cannot report your own message.";
                Response.StatusCode = StatusCodes.Status400BadRequest;
                return Page();
            default:
                return NotFound();
        }
    }
}
