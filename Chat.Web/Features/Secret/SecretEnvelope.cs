using System.Text.Json;
using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Secret;

/// <summary>
/// The outer shape of a secret message (docs/api.md, "Secret conversations"): UTF-8 JSON <c>{"v":1,…}</c> whose
/// contents only the recipient's device can check. The server looks no further than the shape: a browser's post
/// that is not one is refused, so nobody's plain text gets stored as if it were sealed.
/// </summary>
public static class SecretEnvelope
{
    public const int Version = 1;
    public const string Invalid = "A secret message must be an encrypted envelope (base64 of {\"v\":1,…}); nothing was sent.";

    /// <summary>The envelope's bytes, or null when <paramref name="base64"/> is not one.</summary>
    public static byte[]? Decode(string? base64)
    {
        if (string.IsNullOrEmpty(base64) || base64.Length > 4 * (MessageSender.MaxCiphertextBytes / 3 + 1)) return null;
        var buffer = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, buffer, out var n) || n is 0 or > MessageSender.MaxCiphertextBytes) return null;
        var bytes = buffer[..n];
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("v", out var v) && v.TryGetInt32(out var version) && version == Version
                && root.TryGetProperty("h", out var h) && h.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("ct", out var ct) && ct.ValueKind == JsonValueKind.String ? bytes : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
