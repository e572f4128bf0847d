using Microsoft.AspNetCore.WebUtilities;

namespace Chat.Web.Features.Push;

static class PushKeys
{
    /// <summary>Whether the text is base64url (padding allowed) of exactly <paramref name="bytes"/> bytes.</summary>
    public static bool HasLength(string? text, int bytes)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 200) return false;
        try { return WebEncoders.Base64UrlDecode(text.TrimEnd('=')).Length == bytes; }
        catch (FormatException) { return false; }
    }
}
