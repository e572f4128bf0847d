namespace Chat.Web.Features.Auth;

/// <summary>Phone numbers are stored as "+" and 7–15 digits (E.164); spaces, dashes, dots and brackets are dropped.</summary>
public static class PhoneNumber
{
    public static string? Normalize(string? raw)
    {
        var s = raw?.Trim();
        if (string.IsNullOrEmpty(s) || s.Length > 32) return null;
        if (s[0] == '+') s = s[1..];
        var digits = new System.Text.StringBuilder(16);
        foreach (var c in s)
        {
            if (char.IsAsciiDigit(c)) digits.Append(c);
            else if (c is not (' ' or '-' or '.' or '(' or ')')) return null;
        }
        if (digits.Length is < 7 or > 15 || digits[0] == '0') return null;
        return "+" + digits;
    }
}
