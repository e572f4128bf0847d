namespace Chat.Web.Features.Push;

/// <summary>"Firefox on Android" from a User-Agent, for the settings page's list of devices; never the raw header.</summary>
public static class DeviceLabel
{
    public static string From(string? userAgent)
    {
        var ua = userAgent ?? "";
        var browser = ua.Contains("Edg/") ? "Edge" : ua.Contains("Firefox/") ? "Firefox" : ua.Contains("OPR/") ? "Opera"
            : ua.Contains("Chrome/") || ua.Contains("Chromium/") ? "Chrome" : ua.Contains("Safari/") ? "Safari" : "Browser";
        var os = ua.Contains("Android") ? "Android" : ua.Contains("iPhone") || ua.Contains("iPad") ? "iOS" : ua.Contains("Windows") ? "Windows"
            : ua.Contains("Mac OS X") ? "macOS" : ua.Contains("CrOS") ? "ChromeOS" : ua.Contains("Linux") ? "Linux" : null;
        return os is null ? browser : $"{browser} on {os}";
    }
}
