using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Chat.Web.Features.Push;

/// <summary>The application server's VAPID key pair (RFC 8292), base64url, and the subject its tokens name.</summary>
public sealed record VapidKeys(string PublicKey, string PrivateKey, string Subject)
{
    /// <summary>
    /// The configured pair, or null when push is off. Outside Production a pair is generated once and kept in
    /// App_Data/vapid-keys.json, so browsers' subscriptions survive restarts; Production never makes up keys.
    /// </summary>
    public static VapidKeys? Load(PushSettings settings, IHostEnvironment env)
    {
        if (!Uri.TryCreate(settings.Subject, UriKind.Absolute, out var subject) || subject.Scheme is not ("mailto" or "https"))
            throw new InvalidOperationException("VAPID_SUBJECT must be a mailto: or https: URL.");
        var configured = !string.IsNullOrEmpty(settings.PublicKey) || !string.IsNullOrEmpty(settings.PrivateKey);
        if (settings.Enabled == false) return null;
        if (configured) return Checked(new(settings.PublicKey ?? "", settings.PrivateKey ?? "", settings.Subject));
        if (env.IsProduction())
            return settings.Enabled == true
                ? throw new InvalidOperationException("PUSH_ENABLED is true but VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are not set (make a pair with `npx web-push generate-vapid-keys`).")
                : null;
        return Checked(Generated(Path.Combine(env.ContentRootPath, "App_Data", "vapid-keys.json"), settings.Subject));
    }

    public static VapidKeys Create(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(includePrivateParameters: true);
        byte[] point = [0x04, .. p.Q.X!, .. p.Q.Y!];
        return new(WebEncoders.Base64UrlEncode(point), WebEncoders.Base64UrlEncode(p.D!), subject);
    }

    static VapidKeys Generated(string file, string subject)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        try
        {
            // CreateNew: of two nodes (or tests) starting at once, one writes the pair and the other reads it.
            using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write);
            JsonSerializer.Serialize(stream, Create(subject));
        }
        catch (IOException) when (File.Exists(file)) { }
        for (var attempt = 0; ; attempt++)
        {
            try { return JsonSerializer.Deserialize<VapidKeys>(File.ReadAllText(file))! with { Subject = subject }; }
            catch (JsonException) when (attempt < 20) { Thread.Sleep(50); } // the other writer is not done yet
        }
    }

    static VapidKeys Checked(VapidKeys keys)
    {
        if (!PushKeys.HasLength(keys.PublicKey, 65) || !PushKeys.HasLength(keys.PrivateKey, 32))
            throw new InvalidOperationException("VAPID_PUBLIC_KEY must be base64url of a 65-byte P-256 point and VAPID_PRIVATE_KEY of a 32-byte key; set both.");
        return keys;
    }
}
