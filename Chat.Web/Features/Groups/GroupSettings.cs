namespace Chat.Web.Features.Groups;

public sealed class GroupSettings
{
    /// <summary>The most current members a group may have, its creator included.</summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("GROUP_MAX_MEMBERS")] public int MaxMembers { get; set; } = 1024;

    public const int MaxNameLength = 100;

    public static GroupSettings From(IConfiguration config) => config.Get<GroupSettings>() ?? new();
}
