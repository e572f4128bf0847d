using System.Text.RegularExpressions;

namespace Chat.Web.Features.Shared;

/// <summary>
/// The time zone a person reads times in. Pages and socket fragments render every time on the server, so the
/// browser names its IANA zone once, in the <see cref="Cookie"/> cookie (set by theme.js on every page); without
/// it (JavaScript off, the very first page) times are UTC. Only the display changes: <c>datetime</c> attributes
/// and everything stored stay UTC.
/// </summary>
public sealed partial record ViewerTime(TimeZoneInfo Zone)
{
    public const string Cookie = "tz";
    public static readonly ViewerTime Utc = new(TimeZoneInfo.Utc);

    // IANA ids only ("Europe/Berlin", "Etc/GMT+5"): the id becomes a file path under /usr/share/zoneinfo.
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$")]
    private static partial Regex ZoneId();

    public static ViewerTime From(HttpRequest request) =>
        request.Cookies[Cookie] is { Length: <= 64 } id && ZoneId().IsMatch(id) && Find(id) is { } zone ? new(zone) : Utc;

    static TimeZoneInfo? Find(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    /// <summary>A stored (UTC) time on this person's clock.</summary>
    public DateTime Local(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone);
}
