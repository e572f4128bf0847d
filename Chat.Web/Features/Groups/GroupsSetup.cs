namespace Chat.Web.Features.Groups;

public static class GroupsSetup
{
    public static WebApplicationBuilder AddGroups(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(GroupSettings.From(builder.Configuration));
        builder.Services.AddScoped<Groups>();
        builder.Services.AddScoped<PeoplePicker>();
        return builder;
    }
}
