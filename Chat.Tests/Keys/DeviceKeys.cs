using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Chat.Tests.Keys;

/// <summary>A test device's key material: a real Ed25519 identity that signs its X25519 keys (random 32 bytes, as X25519 accepts any).</summary>
public sealed class DeviceKeys
{
    readonly byte[] secret = new byte[Ed25519.SecretKeySize];

    public DeviceKeys(int deviceId)
    {
        DeviceId = deviceId;
        RandomNumberGenerator.Fill(secret);
        var pk = new byte[Ed25519.PublicKeySize];
        Ed25519.GeneratePublicKey(secret, 0, pk, 0);
        IdentityKey = Convert.ToBase64String(pk);
    }

    public int DeviceId { get; }
    public string IdentityKey { get; }
    public string IdentityDhKey { get; } = Key();

    public static string Key() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Sign(string key)
    {
        var message = Convert.FromBase64String(key);
        var signature = new byte[Ed25519.SignatureSize];
        Ed25519.Sign(secret, 0, message, 0, message.Length, signature, 0);
        return Convert.ToBase64String(signature);
    }

    public object SignedPreKey(int keyId)
    {
        var key = Key();
        return new { keyId, publicKey = key, signature = Sign(key) };
    }

    public static object[] OneTime(int from, int count) => [.. Enumerable.Range(from, count).Select(id => new { keyId = id, publicKey = Key() })];

    /// <summary>The bundle as PUT /keys/devices/{id} takes it (with <c>deviceId</c>, as registration's <c>preKeys</c> needs it).</summary>
    public Dictionary<string, object?> Bundle(int oneTime = 3) => new()
    {
        ["deviceId"] = DeviceId,
        ["identityKey"] = IdentityKey,
        ["identityDhKey"] = IdentityDhKey,
        ["identityDhSignature"] = Sign(IdentityDhKey),
        ["signedPreKey"] = SignedPreKey(1),
        ["oneTimePreKeys"] = OneTime(1, oneTime),
    };
}
