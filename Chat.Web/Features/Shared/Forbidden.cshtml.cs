using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Shared;

/// <summary>Where the cookie scheme sends a signed-in user who may not see a page; it answers 403, not 200.</summary>
public sealed class ForbiddenModel : PageModel
{
    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
