using System.Text.RegularExpressions;

namespace Chat.Web.Features.Search;

/// <summary>
/// What someone typed into search, as words: runs of letters, marks and digits. Everything else (quotes, "*", ":",
/// parentheses, "-", operators) only separates words, so no input is ever query syntax to either database.
/// </summary>
public sealed partial record SearchWords(IReadOnlyList<string> Words)
{
    public const int MaxLength = 200;
    public const int MaxWords = 8;
    /// <summary>Longer runs are not words anyone types, and would only cost the index a long lookup.</summary>
    const int MaxWordLength = 64;

    [GeneratedRegex(@"[\p{L}\p{M}\p{N}]+")]
    private static partial Regex WordPattern();

    /// <summary>The words of <paramref name="input"/>, or why there are none to search for.</summary>
    public static bool TryParse(string? input, out SearchWords words, out string error)
    {
        words = new([]);
        error = "";
        if (input is { Length: > MaxLength })
        {
            error = $"Search for at most {MaxLength} characters.";
            return false;
        }
        var found = WordPattern().Matches(input ?? "").Select(m => m.Value.ToLowerInvariant())
            .Where(w => w.Length <= MaxWordLength).Distinct().Take(MaxWords).ToList();
        if (found.Count == 0)
        {
            error = "Type a word to search for.";
            return false;
        }
        words = new(found);
        return true;
    }
}
