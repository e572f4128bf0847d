namespace Chat.Web.Features.Search;

public static class SearchSetup
{
    public static WebApplicationBuilder AddSearch(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<MessageSearch>();
        return builder;
    }
}
