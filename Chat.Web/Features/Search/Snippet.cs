namespace Chat.Web.Features.Search;

/// <summary>One run of a snippet's text; <see cref="Match"/> marks a searched word. Text only: whoever renders it encodes it.</summary>
public sealed record SnippetPart(string Text, bool Match);

/// <summary>
/// The piece of a message around its first match, cut into plain and matched runs. Made here rather than by either
/// database (ts_headline, FTS5 highlight) so both give the same snippet, and so no HTML ever comes from the database.
/// </summary>
public static class Snippet
{
    const int Before = 40;
    const int Length = 160;

    public static IReadOnlyList<SnippetPart> Of(string text, SearchWords search)
    {
        text = text.ReplaceLineEndings(" ");
        var matches = Matches(text, search.Words).ToList();
        var start = matches.Count == 0 ? 0 : Math.Max(0, matches[0].Start - Before);
        if (start > 0 && text.LastIndexOf(' ', start) is var space and > 0 && start - space < 15) start = space + 1;
        var end = Math.Min(text.Length, start + Length);
        var parts = new List<SnippetPart>();
        if (start > 0) parts.Add(new("…", false));
        var at = start;
        foreach (var (s, l) in matches.Where(m => m.Start >= start && m.Start < end))
        {
            if (s > at) parts.Add(new(text[at..s], false));
            var stop = Math.Min(s + l, end);
            parts.Add(new(text[s..stop], true));
            at = stop;
        }
        if (at < end) parts.Add(new(text[at..end], false));
        if (end < text.Length) parts.Add(new("…", false));
        return parts;
    }

    /// <summary>
    /// Words of the text that a searched word starts (the databases match English stems too: "run" finds "running"),
    /// compared without case.
    /// </summary>
    static IEnumerable<(int Start, int Length)> Matches(string text, IReadOnlyList<string> words)
    {
        for (var i = 0; i < text.Length;)
        {
            if (!char.IsLetterOrDigit(text[i])) { i++; continue; }
            var j = i;
            while (j < text.Length && (char.IsLetterOrDigit(text[j]) || char.GetUnicodeCategory(text[j]) is System.Globalization.UnicodeCategory.NonSpacingMark)) j++;
            var word = text.AsSpan(i, j - i);
            foreach (var w in words)
                if (word.StartsWith(Stem(w), StringComparison.OrdinalIgnoreCase)) { yield return (i, j - i); break; }
            i = j;
        }
    }

    /// <summary>A crude English stem, enough to highlight "runs" for "running": the databases decide what matches.</summary>
    static string Stem(string word) =>
        word.Length > 5 && word.EndsWith("ing") ? word[..^3]
        : word.Length > 4 && word.EndsWith("ed") ? word[..^2]
        : word.Length > 3 && word.EndsWith('s') ? word[..^1]
        : word;
}
