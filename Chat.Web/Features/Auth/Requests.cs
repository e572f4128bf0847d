using System.Text.Json;
using FluentValidation;

namespace Chat.Web.Features.Auth;

public sealed record RegisterRequest(string? Phone, string? DisplayName, string? Password, string? IdentityKey, JsonElement? PreKeys);

public sealed record LoginRequest(string? Phone, string? Password);

public sealed class RegisterValidator : AbstractValidator<RegisterRequest>
{
    public const int MaxPreKeysBytes = 16 * 1024;

    public RegisterValidator()
    {
        RuleFor(r => r.Phone).NotEmpty().Must(p => PhoneNumber.Normalize(p) is not null)
            .WithMessage("Phone must be an international number: + and 7 to 15 digits.");
        // Stop at the first failure: the later checks dereference the name.
        RuleFor(r => r.DisplayName).Cascade(CascadeMode.Stop).NotEmpty().Must(n => n!.Trim().Length is >= 1 and <= 64)
            .WithMessage("Display name must be 1 to 64 characters.")
            .Must(n => !n!.Any(char.IsControl)).WithMessage("Display name must not contain control characters.");
        RuleFor(r => r.Password).NotEmpty().Length(8, 128).WithMessage("Password must be 8 to 128 characters.");
        RuleFor(r => r.IdentityKey).NotEmpty().MaximumLength(1024).Must(IsBase64)
            .WithMessage("Identity key must be base64 (1 to 768 bytes).");
        RuleFor(r => r.PreKeys).Must(p => p is null || p.Value.ValueKind == JsonValueKind.Null || p.Value.GetRawText().Length <= MaxPreKeysBytes)
            .WithMessage($"Pre-keys must be JSON of at most {MaxPreKeysBytes} bytes.");
    }

    static bool IsBase64(string? s)
    {
        if (string.IsNullOrEmpty(s)) return false;
        var buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out var n) && n > 0;
    }
}

public sealed class LoginValidator : AbstractValidator<LoginRequest>
{
    public LoginValidator()
    {
        RuleFor(r => r.Phone).NotEmpty().MaximumLength(32);
        RuleFor(r => r.Password).NotEmpty().MaximumLength(128);
    }
}
