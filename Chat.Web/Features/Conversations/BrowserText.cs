using System.Text;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// Messages are "E2E-ready ciphertext", opaque to the server. Until real end-to-end encryption (a later issue) the
/// browser UI stores the UTF-8 bytes of what was typed and decodes them for display: nothing here is encrypted, and
/// this is the one place to replace when it is.
/// </summary>
public static class BrowserText
{
    public static byte[] Encode(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Invalid UTF-8 (a real client's ciphertext) shows replacement characters, never throws.</summary>
    public static string Decode(byte[] ciphertext) => Encoding.UTF8.GetString(ciphertext);
}
