namespace Chat.Web.Features.Realtime;

public static class RealtimeSetup
{
    public static WebApplicationBuilder AddRealtime(this WebApplicationBuilder builder) => builder;

    public static WebApplication MapRealtime(this WebApplication app) => app;
}
