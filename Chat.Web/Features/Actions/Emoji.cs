using System.Globalization;
using System.Text;

namespace Chat.Web.Features.Actions;

/// <summary>What a reaction may be: one emoji (a single grapheme, flags, skin tones and ZWJ sequences included), nothing else.</summary>
public static class Emoji
{
    /// <summary>The small set the picker offers; any other single emoji is accepted too.</summary>
    public static readonly string[] Quick = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

    public const int MaxLength = 32;

    public static bool IsOne(string? s)
    {
        if (string.IsNullOrEmpty(s) || s.Length > MaxLength || new StringInfo(s).LengthInTextElements != 1) return false;
        var first = Rune.GetRuneAt(s, 0);
        // A keycap (1️⃣, #️⃣) starts with an ASCII character and ends with U+20E3.
        if (first.IsAscii) return s.EndsWith('\u20E3') && (Rune.IsDigit(first) || first.Value is '#' or '*');
        return Rune.GetUnicodeCategory(first) == UnicodeCategory.OtherSymbol
            || first.Value is >= 0x1F000 and <= 0x1FAFF // emoticons, symbols and pictographs, flags
            || first.Value is 0x00A9 or 0x00AE or 0x203C or 0x2049 or 0x2122 or 0x2139 or 0x3030 or 0x303D;
    }
}
