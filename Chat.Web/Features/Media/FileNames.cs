using System.Globalization;

namespace Chat.Web.Features.Media;

/// <summary>A file name as shown on a download card: one name, no path, nothing that could trick a reader or a shell.</summary>
public static class FileNames
{
    public const int MaxLength = 255;

    /// <summary>Null when the name is acceptable, else why not.</summary>
    public static string? Refusal(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return "The file needs a name.";
        if (name.Length > MaxLength) return $"The file name must be at most {MaxLength} characters.";
        if (name.Contains('/') || name.Contains('\\') || name is "." or "..") return "The file name must not contain a path.";
        // Control characters, and the invisible format ones (bidirectional overrides that make "gpj.exe" read as "exe.jpg").
        if (name.Any(c => char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format))
            return "The file name must not contain control characters.";
        return null;
    }
}
