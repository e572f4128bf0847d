namespace Chat.Web.Data;

public static class PushLimits
{
    /// <summary>Push services' endpoints are a few hundred characters; this bounds what one row may hold.</summary>
    public const int MaxEndpointLength = 1000;
    /// <summary>A user's browsers; subscribing one more drops the oldest (a reinstalled browser leaves one behind).</summary>
    public const int MaxPerUser = 20;
}
