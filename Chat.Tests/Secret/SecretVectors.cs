using System.Text;
using System.Text.Json;

namespace Chat.Tests.Secret;

/// <summary>
/// The fixed key-derivation vectors both implementations are checked against (vectors.json): inputs, and the outputs
/// every step must give. Two anchors come from outside this project, RFC 7748's X25519 and RFC 5869's HKDF, so even a
/// mistake both implementations share in those primitives would show.
/// </summary>
public static class SecretVectors
{
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "Secret", "vectors.json");

    public static Dictionary<string, string> Inputs() => Load("inputs");
    public static Dictionary<string, string> Expected() => Load("expected");

    static Dictionary<string, string> Load(string part) =>
        JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(File.ReadAllText(Path))![part];

    static byte[] H(string hex) => Convert.FromHexString(hex);
    static string X(byte[] b) => Convert.ToHexStringLower(b);

    /// <summary>Every output, computed by the C# implementation; secret.js computes the same names in the browser test.</summary>
    public static Dictionary<string, string> Compute(Dictionary<string, string> i)
    {
        var o = new Dictionary<string, string>
        {
            ["rfc5869_okm"] = X(SecretProtocol.Hkdf(H(i["rfc5869_ikm"]), H(i["rfc5869_salt"]), H(i["rfc5869_info"]), 42)),
            ["rfc7748_shared"] = X(SecretProtocol.Dh(H(i["alice_ik_dh_priv"]), H(i["bob_ik_dh_pub"]))),
        };
        var (spk, opk, ek, ratchet) = (H(i["bob_spk_pub"]), H(i["bob_opk_pub"]), H(i["alice_ek_priv"]), H(i["alice_ratchet_priv"]));
        var sk = SecretProtocol.X3dhSecret(SecretProtocol.Dh(H(i["alice_ik_dh_priv"]), spk), SecretProtocol.Dh(ek, H(i["bob_ik_dh_pub"])),
            SecretProtocol.Dh(ek, spk), SecretProtocol.Dh(ek, opk));
        o["x3dh_sk"] = X(sk);
        var (rk, ck) = SecretProtocol.KdfRk(sk, SecretProtocol.Dh(ratchet, spk));
        (o["kdf_rk_root"], o["kdf_rk_chain"]) = (X(rk), X(ck));
        var (mk, next) = SecretProtocol.KdfCk(ck);
        (o["kdf_ck_message"], o["kdf_ck_chain"]) = (X(mk), X(next));
        var (key, nonce) = SecretProtocol.MessageKeys(mk);
        (o["message_key"], o["message_nonce"]) = (X(key), X(nonce));
        var header = new SecretProtocol.Header(H(i["alice_ratchet_pub"]), 0, 0);
        byte[] ad = [.. H(i["alice_ik"]), .. H(i["bob_ik"]), .. SecretProtocol.HeaderBytes(header, int.Parse(i["from"]), int.Parse(i["to"]))];
        o["ciphertext"] = X(SecretProtocol.Seal(mk, Encoding.UTF8.GetBytes(i["plaintext"]), ad));
        o["safety_number"] = SecretProtocol.SafetyNumber(H(i["alice_ik"]), i["alice_id"], H(i["bob_ik"]), i["bob_id"]);
        return o;
    }
}
