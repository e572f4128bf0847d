using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Org.BouncyCastle.Math.EC.Rfc7748;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Chat.Tests.Secret;

/// <summary>
/// An independent C# implementation of what wwwroot-src/js/secret.js does (X3DH, the Double Ratchet, safety numbers,
/// the envelope), written from the specifications and docs/api.md rather than from the script: BouncyCastle for
/// X25519 and Ed25519, .NET for HKDF, HMAC-SHA256, AES-GCM and SHA-512. The tests exchange messages between the two.
/// </summary>
public static class SecretProtocol
{
    public const int MaxSkip = 1000;
    static readonly byte[] InfoX3dh = "E2EChat X3DH"u8.ToArray(), InfoRatchet = "E2EChat ratchet"u8.ToArray(), InfoMessage = "E2EChat message keys"u8.ToArray();
    static readonly byte[] Zero32 = new byte[32];

    public sealed record DhPair(byte[] Private, byte[] Public)
    {
        public static DhPair New() => From(RandomNumberGenerator.GetBytes(32));
        public static DhPair From(byte[] priv)
        {
            var pub = new byte[32];
            X25519.GeneratePublicKey(priv, 0, pub, 0);
            return new(priv, pub);
        }
    }

    public static byte[] Dh(byte[] priv, byte[] pub)
    {
        var shared = new byte[32];
        if (!X25519.CalculateAgreement(priv, 0, pub, 0, shared, 0)) throw new CryptographicException("X25519: low-order point.");
        return shared;
    }

    public static byte[] Hkdf(byte[] ikm, byte[] salt, byte[] info, int length) => HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, length, salt, info);

    public static byte[] X3dhSecret(params byte[][] dhs) => Hkdf([.. Enumerable.Repeat((byte)0xff, 32), .. dhs.SelectMany(d => d)], Zero32, InfoX3dh, 32);

    public static (byte[] RootKey, byte[] ChainKey) KdfRk(byte[] rk, byte[] dhOut)
    {
        var o = Hkdf(dhOut, rk, InfoRatchet, 64);
        return (o[..32], o[32..]);
    }

    public static (byte[] MessageKey, byte[] ChainKey) KdfCk(byte[] ck) => (HMACSHA256.HashData(ck, new byte[] { 1 }), HMACSHA256.HashData(ck, new byte[] { 2 }));

    public static (byte[] Key, byte[] Nonce) MessageKeys(byte[] mk)
    {
        var o = Hkdf(mk, Zero32, InfoMessage, 44);
        return (o[..32], o[32..]);
    }

    public static byte[] HeaderBytes(Header h, int from, int to)
    {
        var b = new byte[48];
        h.Dh.CopyTo(b, 0);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(32), (uint)h.Pn);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(36), (uint)h.N);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(40), (uint)from);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(44), (uint)to);
        return b;
    }

    public static byte[] Seal(byte[] mk, byte[] plaintext, byte[] ad)
    {
        var (key, nonce) = MessageKeys(mk);
        using var aes = new AesGcm(key, 16);
        var ct = new byte[plaintext.Length];
        var tag = new byte[16];
        aes.Encrypt(nonce, plaintext, ct, tag, ad);
        return [.. ct, .. tag];
    }

    public static byte[] Open(byte[] mk, byte[] sealedBytes, byte[] ad)
    {
        var (key, nonce) = MessageKeys(mk);
        using var aes = new AesGcm(key, 16);
        if (sealedBytes.Length < 16) throw new CryptographicException("Too short.");
        var pt = new byte[sealedBytes.Length - 16];
        aes.Decrypt(nonce, sealedBytes.AsSpan(0, pt.Length), sealedBytes.AsSpan(pt.Length), pt, ad);
        return pt;
    }

    /// <summary>Signal's numeric fingerprint (version 0, 5200 iterations of SHA-512), 30 digits.</summary>
    public static string Fingerprint(byte[] identityKey, string userId)
    {
        byte[] hash = [0, 0, .. identityKey, .. Encoding.UTF8.GetBytes(userId)];
        for (var i = 0; i < 5200; i++) hash = SHA512.HashData([.. hash, .. identityKey]);
        var digits = new StringBuilder();
        for (var i = 0; i < 30; i += 5)
        {
            ulong chunk = 0;
            for (var j = 0; j < 5; j++) chunk = chunk << 8 | hash[i + j];
            digits.Append((chunk % 100000).ToString("D5"));
        }
        return digits.ToString();
    }

    public static string SafetyNumber(byte[] myKey, string myId, byte[] theirKey, string theirId)
    {
        var (a, b) = (Fingerprint(myKey, myId), Fingerprint(theirKey, theirId));
        return string.CompareOrdinal(a, b) < 0 ? a + b : b + a;
    }

    public sealed record Header(byte[] Dh, int Pn, int N);
}

/// <summary>A device: Ed25519 identity, X25519 identity DH key signed by it, a signed pre-key and one-time pre-keys.</summary>
public sealed class SecretDevice
{
    readonly byte[] signing = RandomNumberGenerator.GetBytes(32);
    public int DeviceId { get; }
    public byte[] IdentityKey { get; } = new byte[32];
    public SecretProtocol.DhPair IdentityDh { get; } = SecretProtocol.DhPair.New();
    public SecretProtocol.DhPair SignedPreKey { get; } = SecretProtocol.DhPair.New();
    public Dictionary<int, SecretProtocol.DhPair> OneTime { get; } = Enumerable.Range(1, 3).ToDictionary(i => i, _ => SecretProtocol.DhPair.New());

    public SecretDevice(int deviceId)
    {
        DeviceId = deviceId;
        Ed25519.GeneratePublicKey(signing, 0, IdentityKey, 0);
    }

    public byte[] Sign(byte[] message)
    {
        var sig = new byte[64];
        Ed25519.Sign(signing, 0, message, 0, message.Length, sig, 0);
        return sig;
    }

    public static bool Verifies(byte[] identityKey, byte[] signature, byte[] message) => Ed25519.Verify(signature, 0, identityKey, 0, message, 0, message.Length);

    /// <summary>The device's bundle as GET /users/{id}/keys gives it, with one-time pre-key <paramref name="oneTime"/>.</summary>
    public JsonObject Bundle(int oneTime = 1) => new()
    {
        ["deviceId"] = DeviceId,
        ["identityKey"] = Convert.ToBase64String(IdentityKey),
        ["identityDhKey"] = Convert.ToBase64String(IdentityDh.Public),
        ["identityDhSignature"] = Convert.ToBase64String(Sign(IdentityDh.Public)),
        ["signedPreKey"] = new JsonObject { ["keyId"] = 1, ["publicKey"] = Convert.ToBase64String(SignedPreKey.Public), ["signature"] = Convert.ToBase64String(Sign(SignedPreKey.Public)) },
        ["oneTimePreKey"] = new JsonObject { ["keyId"] = oneTime, ["publicKey"] = Convert.ToBase64String(OneTime[oneTime].Public) },
    };
}

/// <summary>One side of a Double Ratchet session, set up by X3DH; envelopes as docs/api.md describes them.</summary>
public sealed class SecretSession
{
    SecretProtocol.DhPair dhs;
    byte[]? dhr;
    byte[] rk;
    byte[]? cks, ckr;
    int ns, nr, pn;
    readonly Dictionary<(string Dh, int N), byte[]> skipped = [];
    readonly HashSet<string> oldRatchetKeys = [];
    readonly byte[] ad;
    readonly int me, peer;
    JsonObject? x3dhHeader;

    SecretSession(SecretProtocol.DhPair dhs, byte[]? dhr, byte[] rk, byte[]? cks, byte[] ad, int me, int peer)
    {
        (this.dhs, this.dhr, this.rk, this.cks, this.ad, this.me, this.peer) = (dhs, dhr, rk, cks, ad, me, peer);
    }

    /// <summary>Alice: X3DH against <paramref name="bundle"/> (its signatures checked), then her first sending chain.</summary>
    public static SecretSession Initiate(SecretDevice alice, JsonNode bundle)
    {
        byte[] B(string path) => Convert.FromBase64String(path.Split('.').Aggregate(bundle, (n, p) => n[p]!).GetValue<string>());
        var (ikB, ikDhB, spkB) = (B("identityKey"), B("identityDhKey"), B("signedPreKey.publicKey"));
        if (!SecretDevice.Verifies(ikB, B("identityDhSignature"), ikDhB) || !SecretDevice.Verifies(ikB, B("signedPreKey.signature"), spkB))
            throw new CryptographicException("Bundle signature does not verify.");
        var ek = SecretProtocol.DhPair.New();
        var dhs = new List<byte[]> { SecretProtocol.Dh(alice.IdentityDh.Private, spkB), SecretProtocol.Dh(ek.Private, ikDhB), SecretProtocol.Dh(ek.Private, spkB) };
        int? opk = bundle["oneTimePreKey"] is { } o ? o["keyId"]!.GetValue<int>() : null;
        if (opk is not null) dhs.Add(SecretProtocol.Dh(ek.Private, B("oneTimePreKey.publicKey")));
        var sk = SecretProtocol.X3dhSecret([.. dhs]);
        var first = SecretProtocol.DhPair.New();
        var (rk, cks) = SecretProtocol.KdfRk(sk, SecretProtocol.Dh(first.Private, spkB));
        return new SecretSession(first, spkB, rk, cks, [.. alice.IdentityKey, .. ikB], alice.DeviceId, bundle["deviceId"]!.GetValue<int>())
        {
            x3dhHeader = new JsonObject
            {
                ["ik"] = Convert.ToBase64String(alice.IdentityKey), ["ikDh"] = Convert.ToBase64String(alice.IdentityDh.Public),
                ["ikDhSig"] = Convert.ToBase64String(alice.Sign(alice.IdentityDh.Public)), ["ek"] = Convert.ToBase64String(ek.Public),
                ["spk"] = bundle["signedPreKey"]!["keyId"]!.GetValue<int>(), ["opk"] = opk,
            },
        };
    }

    /// <summary>Bob: from the first envelope's x3dh header; the one-time pre-key it names is used up.</summary>
    public static SecretSession Respond(SecretDevice bob, string envelopeBase64)
    {
        var e = JsonNode.Parse(Convert.FromBase64String(envelopeBase64))!;
        var x = e["x3dh"]!;
        byte[] X(string k) => Convert.FromBase64String(x[k]!.GetValue<string>());
        var (ikA, ikDhA, ekA) = (X("ik"), X("ikDh"), X("ek"));
        if (!SecretDevice.Verifies(ikA, X("ikDhSig"), ikDhA)) throw new CryptographicException("Sender signature does not verify.");
        var dhs = new List<byte[]> { SecretProtocol.Dh(bob.SignedPreKey.Private, ikDhA), SecretProtocol.Dh(bob.IdentityDh.Private, ekA), SecretProtocol.Dh(bob.SignedPreKey.Private, ekA) };
        if (x["opk"] is { } opk && bob.OneTime.Remove(opk.GetValue<int>(), out var pair)) dhs.Add(SecretProtocol.Dh(pair.Private, ekA));
        return new SecretSession(bob.SignedPreKey, null, SecretProtocol.X3dhSecret([.. dhs]), null, [.. ikA, .. bob.IdentityKey], bob.DeviceId, e["from"]!.GetValue<int>());
    }

    public string Encrypt(string text)
    {
        var (mk, next) = SecretProtocol.KdfCk(cks!);
        cks = next;
        var h = new SecretProtocol.Header(dhs.Public, pn, ns++);
        var ct = SecretProtocol.Seal(mk, Encoding.UTF8.GetBytes(text), [.. ad, .. SecretProtocol.HeaderBytes(h, me, peer)]);
        var envelope = new JsonObject { ["v"] = 1, ["from"] = me, ["to"] = peer };
        if (x3dhHeader is not null) envelope["x3dh"] = x3dhHeader.DeepClone();
        envelope["h"] = new JsonObject { ["dh"] = Convert.ToBase64String(h.Dh), ["pn"] = h.Pn, ["n"] = h.N };
        envelope["ct"] = Convert.ToBase64String(ct);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(envelope.ToJsonString()));
    }

    /// <summary>Decrypts an envelope; throws (and changes nothing) for a tampered, replayed or foreign one.</summary>
    public string Decrypt(string envelopeBase64)
    {
        var e = JsonNode.Parse(Convert.FromBase64String(envelopeBase64))!;
        var hn = e["h"]!;
        var h = new SecretProtocol.Header(Convert.FromBase64String(hn["dh"]!.GetValue<string>()), hn["pn"]!.GetValue<int>(), hn["n"]!.GetValue<int>());
        var body = Convert.FromBase64String(e["ct"]!.GetValue<string>());
        var headerAd = (byte[])[.. ad, .. SecretProtocol.HeaderBytes(h, e["from"]!.GetValue<int>(), e["to"]!.GetValue<int>())];
        var dhKey = Convert.ToBase64String(h.Dh);
        if (skipped.Remove((dhKey, h.N), out var kept))
        {
            try { return Encoding.UTF8.GetString(SecretProtocol.Open(kept, body, headerAd)); }
            catch { skipped[(dhKey, h.N)] = kept; throw; }
        }
        if (oldRatchetKeys.Contains(dhKey) || (dhr is not null && h.Dh.SequenceEqual(dhr) && h.N < nr)) throw new CryptographicException("Replayed.");
        // On a copy of the state: a failure leaves the session as it was.
        var (sDhs, sDhr, sRk, sCks, sCkr, sNs, sNr, sPn) = (dhs, dhr, rk, cks, ckr, ns, nr, pn);
        var newSkipped = new Dictionary<(string, int), byte[]>();
        string? retired = null;
        if (sDhr is null || !h.Dh.SequenceEqual(sDhr))
        {
            Skip(ref sCkr, ref sNr, sDhr, h.Pn, newSkipped);
            retired = sDhr is null ? null : Convert.ToBase64String(sDhr);
            sPn = sNs; sNs = 0; sNr = 0; sDhr = h.Dh;
            (sRk, sCkr) = SecretProtocol.KdfRk(sRk, SecretProtocol.Dh(sDhs.Private, sDhr));
            sDhs = SecretProtocol.DhPair.New();
            (sRk, sCks) = SecretProtocol.KdfRk(sRk, SecretProtocol.Dh(sDhs.Private, sDhr));
        }
        Skip(ref sCkr, ref sNr, sDhr, h.N, newSkipped);
        var (mk, next) = SecretProtocol.KdfCk(sCkr!);
        var plain = SecretProtocol.Open(mk, body, headerAd); // throws on tampering, before anything is kept
        (dhs, dhr, rk, cks, ckr, ns, nr, pn) = (sDhs, sDhr, sRk, sCks, next, sNs, sNr + 1, sPn);
        foreach (var (k, v) in newSkipped) skipped[k] = v;
        if (retired is not null) oldRatchetKeys.Add(retired);
        x3dhHeader = null; // the peer has the session
        return Encoding.UTF8.GetString(plain);
    }

    static void Skip(ref byte[]? ck, ref int n, byte[]? dh, int until, Dictionary<(string, int), byte[]> into)
    {
        if (ck is null) return;
        if (until - n > SecretProtocol.MaxSkip) throw new CryptographicException("Too many skipped.");
        while (n < until)
        {
            var (mk, next) = SecretProtocol.KdfCk(ck);
            into[(Convert.ToBase64String(dh!), n)] = mk;
            ck = next;
            n++;
        }
    }
}
