namespace Chat.Web.Features.Keys;

/// <summary>One of my devices as the directory holds it: what a client checks to know when to replenish or rotate.</summary>
public sealed record DeviceKeysView(int DeviceId, string IdentityKey, int SignedPreKeyId, int OneTimePreKeys, DateTime UpdatedAt);

public sealed record SignedPreKeyView(int KeyId, string PublicKey, string Signature);

public sealed record OneTimePreKeyView(int KeyId, string PublicKey);

/// <summary>A device's bundle for X3DH, with one of its one-time pre-keys (null when none is left), now consumed.</summary>
public sealed record DeviceBundleView(int DeviceId, string IdentityKey, string IdentityDhKey, string IdentityDhSignature,
    SignedPreKeyView SignedPreKey, OneTimePreKeyView? OneTimePreKey);

public sealed record UserBundlesView(string UserId, IReadOnlyList<DeviceBundleView> Devices);
