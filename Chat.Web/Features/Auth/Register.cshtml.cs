using System.Security.Cryptography;
using FluentValidation;
using Htmx;
using Chat.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Auth;

/// <summary>Shares the API's per-IP auth rate limit, so password guessing cannot go round it through the page.</summary>
[ThrottledPost]
public sealed class RegisterModel(Accounts accounts, IValidator<RegisterRequest> validator, CookieSession session) : PageModel
{
    [BindProperty] public AuthForm Form { get; set; } = new();

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? Redirect("/chat") : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        // The browser has no key pair yet (end-to-end encryption is a later issue): it gets a random
        // placeholder identity key so the account satisfies the same rules as an API registration.
        var request = new RegisterRequest(Form.Phone, Form.DisplayName, Form.Password,
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), null);
        var validation = await validator.ValidateAsync(request, ct);
        if (!validation.IsValid)
        {
            Form.AddErrors(validation);
            return Invalid();
        }
        if (await accounts.RegisterAsync(request, ct) is not RegisterResult.Created(var user))
        {
            Form.Errors["Phone"] = "An account with this phone number already exists.";
            return Invalid();
        }
        await session.SignInAsync(user);
        return AuthRedirect.To(this, "/chat");
    }

    IActionResult Invalid()
    {
        Form.Password = null;
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Request.IsHtmx() ? Partial("/Features/Auth/_RegisterForm.cshtml", Form) : Page();
    }
}

static class AuthRedirect
{
    /// <summary>htmx follows HX-Redirect with a full page load (the new cookie and layout); a plain POST gets a 303.</summary>
    public static IActionResult To(PageModel page, string url)
    {
        if (!page.Request.IsHtmx()) return new RedirectResult(url) { PreserveMethod = false };
        page.Response.Htmx(h => h.Redirect(url));
        return new NoContentResult();
    }
}
