namespace Chat.Web.Features.Actions;

public sealed class MessageActionSettings
{
    /// <summary>How long after sending its author may edit a message.</summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("MESSAGE_EDIT_WINDOW_MINUTES")] public int EditWindowMinutes { get; set; } = 15;
    /// <summary>How long after sending its author may delete a message for everyone (a group's admins may at any time).</summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("MESSAGE_DELETE_WINDOW_HOURS")] public int DeleteWindowHours { get; set; } = 48;

    /// <summary>The most conversations one forward goes to.</summary>
    public const int MaxForwardTargets = 10;

    public TimeSpan EditWindow => TimeSpan.FromMinutes(EditWindowMinutes);
    public TimeSpan DeleteWindow => TimeSpan.FromHours(DeleteWindowHours);

    public static MessageActionSettings From(IConfiguration config) => config.Get<MessageActionSettings>() ?? new();
}
