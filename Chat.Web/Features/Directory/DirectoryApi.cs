using Chat.Web.Features.Auth;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Directory;

public static class DirectoryApi
{
    public sealed record UserKeys(string Id, string Phone, string DisplayName, string IdentityKey, System.Text.Json.JsonElement? PreKeys);

    public static void MapDirectoryApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/users").WithTags("Directory").RequireAuthorization(AuthSetup.ApiPolicy)
            .Throttled(p => p.ApiPerUser, perUser: true);
        group.MapGet("/", List).Answers<Page<Data.PublicUser>>(200, 400, 401);
        group.MapGet("/{phone}", ByPhone).Answers<UserKeys>(200, 401, 404);
    }

    static async Task<IResult> List(CurrentUser me, UserDirectory directory, string? cursor, string? limit, string? q, CancellationToken ct)
    {
        if (!Cursor.TryDecode(cursor, out var after)) return ApiErrors.BadRequest("Invalid cursor.");
        if (!Cursor.TryLimit(limit, 20, 50, out var take)) return ApiErrors.BadRequest("limit must be a number from 1 to 50.");
        if (!DisplayText.TrySearch(q, out var search)) return ApiErrors.BadRequest($"q must be plain text of at most {DisplayText.MaxSearchLength} characters.");
        return TypedResults.Ok(await directory.ListAsync(me.Id, after, take, search, ct));
    }

    /// <summary>
    /// <c>preKeys</c> stays in the answer for the original API's clients, always null: pre-keys are handed out by
    /// <c>GET /users/{id}/keys</c>, which consumes a one-time pre-key per fetch.
    /// </summary>
    static async Task<IResult> ByPhone(string phone, UserDirectory directory, CancellationToken ct) =>
        await directory.FindByPhoneAsync(phone, ct) is { } u
            ? TypedResults.Ok(new UserKeys(u.Id.ToString(), u.Phone, u.DisplayName, u.IdentityKey, null))
            : ApiErrors.NotFound("No user with this phone number.");
}
