namespace Chat.Web.Features.Messaging;

/// <summary>Times as the database keeps them (PostgreSQL: microseconds), so a time read back compares equal to the one written.</summary>
public static class StoredTime
{
    public static DateTime Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % 10));
    }
}
