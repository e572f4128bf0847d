namespace Chat.Web.Infrastructure;

/// <summary>Rules for text that other people will see (display names) or that reaches a query (search terms).</summary>
public static class DisplayText
{
    /// <summary>
    /// False for text with control characters (PostgreSQL rejects NUL outright), unpaired surrogates
    /// (not valid Unicode, so no database can store them) or bidirectional overrides and isolates,
    /// which let a name display in a different order than it reads ("Trojan Source").
    /// Other format characters stay allowed: the zero-width joiner builds emoji sequences.
    /// </summary>
    public static bool IsSafe(string? text)
    {
        if (text is null) return true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(c) || char.IsControl(c) || IsBidiControl(c)) return false;
        }
        return true;
    }

    static bool IsBidiControl(char c) => c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C';

    public const int MaxSearchLength = 64;

    /// <summary>Parses ?q=: absent or blank is no filter; too long or unsafe text is an error.</summary>
    public static bool TrySearch(string? raw, out string? search)
    {
        search = string.IsNullOrWhiteSpace(raw) ? null : raw.Trim();
        return search is null || (search.Length <= MaxSearchLength && IsSafe(search));
    }

    /// <summary>A LIKE pattern (escape character '\\') matching names or phones that contain the search text, case-insensitively.</summary>
    public static string ContainsPattern(string search) =>
        "%" + search.Trim().ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
}
