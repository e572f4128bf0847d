using Chat.Web.Features.Auth;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Search;

public static class SearchApi
{
    public static void MapSearchApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/search", Find).WithTags("Search").RequireAuthorization(AuthSetup.ApiPolicy)
            .Throttled(p => p.ApiPerUser, perUser: true).Answers<Page<SearchHit>>(200, 400, 401);

    /// <summary>My messages that have every word of ?q=, newest first: ?q=&amp;cursor=&amp;limit=.</summary>
    static async Task<IResult> Find(CurrentUser me, MessageSearch search, string? q, string? cursor, string? limit, CancellationToken ct)
    {
        if (!SearchWords.TryParse(q, out var words, out var error)) return ApiErrors.BadRequest(error);
        if (!Cursor.TryLimit(limit, 20, 50, out var take)) return ApiErrors.BadRequest("limit must be a number from 1 to 50.");
        if (!Cursor.TryDecode(cursor, out var before)) return ApiErrors.BadRequest("Invalid cursor.");
        return TypedResults.Ok(await search.FindAsync(me.Id, words, before, take, ct));
    }
}
