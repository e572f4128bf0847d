using System.Text;
using System.Text.Json;
using Chat.Web.Features.Keys;
using Chat.Web.Infrastructure;
using FluentValidation;

namespace Chat.Web.Features.Auth;

public sealed record RegisterRequest(string? Phone, string? DisplayName, string? Password, string? IdentityKey, JsonElement? PreKeys)
{
    /// <summary>
    /// <c>preKeys</c> as the registering device's bundle (its identity key being <c>identityKey</c>); null when absent,
    /// null or <c>{}</c> (the original API's placeholder). Not a bundle's shape: an upload that fails validation.
    /// </summary>
    public DeviceBundleUpload? Bundle()
    {
        if (PreKeys is not { ValueKind: JsonValueKind.Object } keys || !keys.EnumerateObject().Any()) return null;
        try
        {
            return keys.Deserialize<DeviceBundleUpload>(JsonSerializerOptions.Web)! with { IdentityKey = IdentityKey };
        }
        catch (JsonException)
        {
            return new DeviceBundleUpload(null, IdentityKey, null, null, null, null);
        }
    }
}

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
        RuleFor(r => r.IdentityKey).Must(KeyRules.IsKey).WithMessage("Identity key must be base64 of 32 bytes (an Ed25519 public key).");
        RuleFor(r => r.PreKeys).Cascade(CascadeMode.Stop)
            .Must(p => p is null || p.Value.ValueKind == JsonValueKind.Null || Encoding.UTF8.GetByteCount(p.Value.GetRawText()) <= MaxPreKeysBytes)
            .WithMessage($"Pre-keys must be JSON of at most {MaxPreKeysBytes} bytes.")
            .Must(p => p is null || p.Value.ValueKind is JsonValueKind.Null or JsonValueKind.Object)
            .WithMessage("Pre-keys must be a device's key bundle (docs/api.md, \"Keys\"), or {}.");
        RuleFor(r => r.Bundle()).Must(b => b is null || KeysApi.TryDevice(b.DeviceId?.ToString(), out _))
            .WithMessage("preKeys.deviceId must be a number from 1 to 2147483647.").OverridePropertyName("preKeys")
            .SetValidator(new DeviceBundleValidator()!).When(r => r.IdentityKey is not null && KeyRules.IsKey(r.IdentityKey));
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
