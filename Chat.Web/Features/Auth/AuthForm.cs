using FluentValidation.Results;

namespace Chat.Web.Features.Auth;

/// <summary>What the register and login forms post, and the errors to show beside each field.</summary>
public sealed class AuthForm
{
    public string? Phone { get; set; }
    public string? DisplayName { get; set; }
    public string? Password { get; set; }
    public string? ReturnUrl { get; set; }

    public Dictionary<string, string> Errors { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>An error about the form as a whole (a taken phone, wrong credentials).</summary>
    public string? FormError { get; set; }

    public string? ErrorFor(string field) => Errors.GetValueOrDefault(field);

    public void AddErrors(ValidationResult result)
    {
        foreach (var e in result.Errors) Errors.TryAdd(e.PropertyName, e.ErrorMessage);
    }

    /// <summary>Only local paths: an open redirect is a phishing tool.</summary>
    public string SafeReturnUrl => ReturnUrl is { Length: > 1 } u && u[0] == '/' && u[1] != '/' && u[1] != '\\' ? u : "/chat";
}
