using FluentValidation;
using Htmx;
using Chat.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Auth;

/// <summary>Shares the API's per-IP auth rate limit, so password guessing cannot go round it through the page.</summary>
[ThrottledPost]
public sealed class LoginModel(Accounts accounts, IValidator<LoginRequest> validator, CookieSession session) : PageModel
{
    [BindProperty] public AuthForm Form { get; set; } = new();

    public IActionResult OnGet(string? returnUrl)
    {
        Form.ReturnUrl = returnUrl;
        return User.Identity?.IsAuthenticated == true ? Redirect(Form.SafeReturnUrl) : Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var validation = await validator.ValidateAsync(new LoginRequest(Form.Phone, Form.Password), ct);
        if (!validation.IsValid)
        {
            Form.AddErrors(validation);
            return Invalid();
        }
        var result = await accounts.LoginAsync(Form.Phone!, Form.Password!, ct);
        if (result is not LoginResult.SignedIn(var user))
        {
            // Same words for an unknown phone and a wrong password, like the API.
            Form.FormError = result is LoginResult.Throttled
                ? "Too many attempts for this number. Try again in a few minutes."
                : "Invalid phone number or password.";
            return Invalid();
        }
        await session.SignInAsync(user);
        return AuthRedirect.To(this, Form.SafeReturnUrl);
    }

    IActionResult Invalid()
    {
        Form.Password = null;
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Request.IsHtmx() ? Partial("/Features/Auth/_LoginForm.cshtml", Form) : Page();
    }
}
