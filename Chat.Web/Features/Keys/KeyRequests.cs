using FluentValidation;

namespace Chat.Web.Features.Keys;

public sealed record SignedPreKeyUpload(int? KeyId, string? PublicKey, string? Signature);

public sealed record OneTimePreKeyUpload(int? KeyId, string? PublicKey);

/// <summary>A device's whole bundle: <c>PUT /keys/devices/{deviceId}</c>, or <c>preKeys</c> at registration (its identity key then being <c>identityKey</c>).</summary>
public sealed record DeviceBundleUpload(int? DeviceId, string? IdentityKey, string? IdentityDhKey, string? IdentityDhSignature,
    SignedPreKeyUpload? SignedPreKey, OneTimePreKeyUpload[]? OneTimePreKeys);

public sealed record OneTimePreKeysUpload(OneTimePreKeyUpload[]? OneTimePreKeys);

/// <summary>The shapes and sizes of the key directory; signatures are checked here too, so a bundle that does not verify never reaches storage.</summary>
public static class KeyRules
{
    public const int PublicKeyBytes = 32, SignatureBytes = 64, MaxOneTimePerUpload = 100, MaxOneTimePerDevice = 200, MaxDevices = 10;

    /// <summary>Strict base64 of exactly <paramref name="length"/> bytes (no whitespace, which Convert would skip).</summary>
    public static byte[]? Decode(string? s, int length)
    {
        if (string.IsNullOrEmpty(s) || s.Length > 4 * ((length + 2) / 3) || s.Any(char.IsWhiteSpace)) return null;
        var buffer = new byte[length + 3];
        return Convert.TryFromBase64String(s, buffer, out var n) && n == length ? buffer[..n] : null;
    }

    public static bool IsKey(string? s) => Decode(s, PublicKeyBytes) is not null;

    public static bool IsKeyId(int? id) => id is >= 0;

    /// <summary>An Ed25519 signature (RFC 8032, as WebCrypto makes it) by <paramref name="identityKey"/> over the 32 bytes of <paramref name="signedKey"/>.</summary>
    public static bool Signs(string? identityKey, string? signedKey, string? signature) =>
        Decode(identityKey, PublicKeyBytes) is { } pk && Decode(signedKey, PublicKeyBytes) is { } message && Decode(signature, SignatureBytes) is { } sig
        && Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Verify(sig, 0, pk, 0, message, 0, message.Length);

    public static void OneTimeKeys<T>(this AbstractValidator<T> v, Func<T, OneTimePreKeyUpload[]?> keys)
    {
        v.RuleFor(r => keys(r)).Must(k => k is null || k.Length <= MaxOneTimePerUpload)
            .WithMessage($"At most {MaxOneTimePerUpload} one-time pre-keys at a time.")
            .Must(k => k is null || k.All(o => o is not null && IsKeyId(o.KeyId) && IsKey(o.PublicKey)))
            .WithMessage("Each one-time pre-key needs a keyId (0 or more) and a publicKey: base64 of 32 bytes (X25519).")
            .Must(k => k is null || k.Select(o => o?.KeyId).Distinct().Count() == k.Length)
            .WithMessage("One-time pre-key ids must be distinct.")
            .OverridePropertyName("oneTimePreKeys");
    }
}

public sealed class SignedPreKeyValidator : AbstractValidator<SignedPreKeyUpload>
{
    public SignedPreKeyValidator()
    {
        RuleFor(k => k.KeyId).Must(KeyRules.IsKeyId).WithMessage("keyId must be a number of 0 or more.");
        RuleFor(k => k.PublicKey).Must(KeyRules.IsKey).WithMessage("publicKey must be base64 of 32 bytes (X25519).");
        RuleFor(k => k.Signature).Must(s => KeyRules.Decode(s, KeyRules.SignatureBytes) is not null).WithMessage("signature must be base64 of 64 bytes (Ed25519).");
    }
}

public sealed class DeviceBundleValidator : AbstractValidator<DeviceBundleUpload>
{
    public DeviceBundleValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(b => b.IdentityKey).Must(KeyRules.IsKey).WithMessage("identityKey must be base64 of 32 bytes (Ed25519).");
        RuleFor(b => b.IdentityDhKey).Must(KeyRules.IsKey).WithMessage("identityDhKey must be base64 of 32 bytes (X25519).");
        RuleFor(b => b.IdentityDhSignature).Must((b, s) => KeyRules.Signs(b.IdentityKey, b.IdentityDhKey, s))
            .WithMessage("identityDhSignature must be the identity key's Ed25519 signature of identityDhKey.");
        RuleFor(b => b.SignedPreKey).NotNull().WithMessage("signedPreKey is required.").SetValidator(new SignedPreKeyValidator()!)
            .Must((b, k) => KeyRules.Signs(b.IdentityKey, k!.PublicKey, k.Signature))
            .WithMessage("signedPreKey.signature must be the identity key's Ed25519 signature of signedPreKey.publicKey.");
        this.OneTimeKeys(b => b.OneTimePreKeys);
    }
}

public sealed class OneTimePreKeysValidator : AbstractValidator<OneTimePreKeysUpload>
{
    public OneTimePreKeysValidator()
    {
        RuleFor(b => b.OneTimePreKeys).NotEmpty().WithMessage("oneTimePreKeys must hold at least one key.");
        this.OneTimeKeys(b => b.OneTimePreKeys);
    }
}
