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
        group.MapGet("/", List);
        group.MapGet("/{phone}", ByPhone);
    }

    static async Task<IResult> List(CurrentUser me, UserDirectory directory, string? cursor, string? limit, string? q, CancellationToken ct)
    {
        if (!Cursor.TryDecode(cursor, out var after)) return ApiErrors.BadRequest("Invalid cursor.");
        if (!Cursor.TryLimit(limit, 20, 50, out var take)) return ApiErrors.BadRequest("limit must be a number from 1 to 50.");
        return TypedResults.Ok(await directory.ListAsync(me.Id, after, take, q, ct));
    }

    static async Task<IResult> ByPhone(string phone, UserDirectory directory, CancellationToken ct)
    {
        if (await directory.FindByPhoneAsync(phone, ct) is not { } u) return ApiErrors.NotFound("No user with this phone number.");
        var preKeys = u.PreKeys is null ? (System.Text.Json.JsonElement?)null : System.Text.Json.JsonDocument.Parse(u.PreKeys).RootElement.Clone();
        return TypedResults.Ok(new UserKeys(u.Id.ToString(), u.Phone, u.DisplayName, u.IdentityKey, preKeys));
    }
}
