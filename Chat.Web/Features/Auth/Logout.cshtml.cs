using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Auth;

/// <summary>Logging out is a POST (with antiforgery): a GET only asks, so a link elsewhere cannot sign anyone out.</summary>
public sealed class LogoutModel(CookieSession session) : PageModel
{
    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        await session.SignOutAsync();
        return Redirect("/");
    }
}
