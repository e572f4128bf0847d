using System.Text;
using System.Text.Json;
using Chat.Web.Infrastructure;
using FluentValidation;

namespace Chat.Web.Features.Auth;

public sealed record RegisterRequest(string? Phone, string? DisplayName, string? Password, string? IdentityKey, JsonElement? PreKeys);

public sealed record LoginRequest(string? Phone, string? Password);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed class RegisterValidator : AbstractValidator<RegisterRequest>
{
    public const int MaxPreKeysBytes = 16 * 1024;

    public RegisterValidator()
    {
        // Stop at a field's first failure: later rules may assume the earlier ones held (e.g. not null).
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Phone).NotEmpty().Must(p => PhoneNumber.Normalize(p) is not null)
            .WithMessage("Phone must be an international number: + and 7 to 15 digits.");
        // Stop at the first failure: the later checks dereference the name.
        RuleFor(r => r.DisplayName).Cascade(CascadeMode.Stop).NotEmpty().Must(n => n!.Trim().Length is >= 1 and <= 64)
            .WithMessage("Display name must be 1 to 64 characters.")
            .Must(DisplayText.IsSafe).WithMessage("Display name must not contain control characters, direction overrides or invalid Unicode.");
        RuleFor(r => r.Password).NotEmpty().Length(8, 128).WithMessage("Password must be 8 to 128 characters.");
        RuleFor(r => r.IdentityKey).NotEmpty().MaximumLength(1024).Must(IsBase64)
            .WithMessage("Identity key must be base64 (1 to 768 bytes).");
        RuleFor(r => r.PreKeys).Must(p => p is null || p.Value.ValueKind == JsonValueKind.Null || Encoding.UTF8.GetByteCount(p.Value.GetRawText()) <= MaxPreKeysBytes)
            .WithMessage($"Pre-keys must be JSON of at most {MaxPreKeysBytes} bytes.");
    }

    /// <summary>Strict base64: Convert would also skip whitespace inside the key, which clients then fail to decode.</summary>
    static bool IsBase64(string? s)
    {
        if (string.IsNullOrEmpty(s) || s.Any(char.IsWhiteSpace)) return false;
        var buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out var n) && n > 0;
    }
}

public sealed class LoginValidator : AbstractValidator<LoginRequest>
{
    public LoginValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Phone).NotEmpty().MaximumLength(32);
        RuleFor(r => r.Password).NotEmpty().MaximumLength(128);
    }
}

public sealed class ChangePasswordValidator : AbstractValidator<ChangePasswordRequest>
{
    public ChangePasswordValidator()
    {
        RuleFor(r => r.CurrentPassword).NotEmpty().MaximumLength(128);
        RuleFor(r => r.NewPassword).NotEmpty().Length(8, 128).WithMessage("Password must be 8 to 128 characters.");
    }
}
