using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Chat.Tests.Push;

/// <summary>
/// A browser's side of a push subscription: a P-256 key pair and a 16-byte auth secret, and the decryption of an
/// aes128gcm push message (RFC 8291 over RFC 8188), written here from the RFCs, independent of the app's library.
/// </summary>
public sealed class TestSubscriber(string endpoint) : IDisposable
{
    readonly ECDiffieHellman key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    readonly byte[] auth = RandomNumberGenerator.GetBytes(16);

    public string Endpoint { get; } = endpoint;
    public byte[] PublicKey => Point(key.ExportParameters(false));
    public string P256dh => WebEncoders.Base64UrlEncode(PublicKey);
    public string Auth => WebEncoders.Base64UrlEncode(auth);

    /// <summary>The body of POST /notifications/subscriptions, as a browser's PushSubscription.toJSON() gives it.</summary>
    public object Json => new { endpoint = Endpoint, expirationTime = (object?)null, keys = new { p256dh = P256dh, auth = Auth } };

    /// <summary>Decrypts a single-record aes128gcm body: salt(16) | rs(4) | idlen(1) | keyid = the sender's public key | record.</summary>
    public string Decrypt(byte[] body)
    {
        var salt = body[..16];
        var recordSize = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16, 4));
        int idLength = body[20];
        Assert.Equal(65, idLength);
        var senderPublic = body[21..(21 + idLength)];
        var record = body[(21 + idLength)..];
        Assert.True(record.Length <= recordSize, "one record");

        using var sender = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = senderPublic[1..33], Y = senderPublic[33..65] },
        });
        var ecdhSecret = key.DeriveRawSecretAgreement(sender.PublicKey);
        // RFC 8291 §3.4: IKM = HKDF(salt = auth secret, ikm = ECDH secret, info = "WebPush: info" 0x00 ua_public as_public, 32)
        byte[] keyInfo = [.. "WebPush: info\0"u8, .. PublicKey, .. senderPublic];
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, ecdhSecret, 32, auth, keyInfo);
        // RFC 8188 §2.2: CEK and nonce from the record's salt.
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt);
        var cek = HKDF.Expand(HashAlgorithmName.SHA256, prk, 16, "Content-Encoding: aes128gcm\0"u8.ToArray());
        var nonce = HKDF.Expand(HashAlgorithmName.SHA256, prk, 12, "Content-Encoding: nonce\0"u8.ToArray());
        var plain = new byte[record.Length - 16];
        using (var aes = new AesGcm(cek, 16)) aes.Decrypt(nonce, record[..^16], record[^16..], plain);
        // The last record ends with the delimiter 0x02, then any zero padding.
        var end = plain.Length - 1;
        while (end >= 0 && plain[end] == 0) end--;
        Assert.True(end >= 0 && plain[end] == 2, "the last record's padding delimiter");
        return Encoding.UTF8.GetString(plain, 0, end);
    }

    static byte[] Point(ECParameters p) => [0x04, .. p.Q.X!, .. p.Q.Y!];

    public void Dispose() => key.Dispose();
}
