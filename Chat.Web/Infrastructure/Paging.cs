using System.Buffers.Text;
using System.Text;

namespace Chat.Web.Infrastructure;

/// <summary>A page of items and the opaque cursor of the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Opaque keyset cursors: base64url of a position, so clients never build or parse them.</summary>
public static class Cursor
{
    public static string Encode(long position) => Base64Url.EncodeToString(Encoding.ASCII.GetBytes("p" + position));

    public static bool TryDecode(string? cursor, out long position)
    {
        position = 0;
        if (string.IsNullOrEmpty(cursor)) return true;
        if (cursor.Length > 40) return false;
        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith('p') && long.TryParse(text.AsSpan(1), out position) && position > 0;
        }
        catch (FormatException) { return false; }
    }

    /// <summary>A position of two numbers (a time's ticks and an id, say), for a keyset of two columns.</summary>
    public static string Encode(long first, long second) => Base64Url.EncodeToString(Encoding.ASCII.GetBytes($"q{first}.{second}"));

    public static bool TryDecode(string? cursor, out long first, out long second)
    {
        (first, second) = (0, 0);
        if (string.IsNullOrEmpty(cursor)) return true;
        if (cursor.Length > 60) return false;
        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            var dot = text.IndexOf('.');
            return text.StartsWith('q') && dot > 1 && long.TryParse(text.AsSpan(1, dot - 1), out first) && long.TryParse(text.AsSpan(dot + 1), out second)
                && first > 0 && second > 0;
        }
        catch (FormatException) { return false; }
    }

    /// <summary>Parses ?limit=: absent gives the default; outside [1, max] or not a number is an error.</summary>
    public static bool TryLimit(string? raw, int @default, int max, out int limit)
    {
        limit = @default;
        if (string.IsNullOrEmpty(raw)) return true;
        return int.TryParse(raw, out limit) && limit >= 1 && limit <= max;
    }
}

/// <summary>Ids are numbers in the database and strings on the wire.</summary>
public static class Ids
{
    public static bool TryParse(string? raw, out long id) => long.TryParse(raw, out id) && id > 0;
}
