using Chat.Web.Features.Auth;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Admin;

public static class AdminApi
{
    public static void MapAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin").WithTags("Admin").RequireAuthorization(AuthSetup.AdminApiPolicy)
            .Throttled(p => p.ApiPerUser, perUser: true);
        group.MapGet("/users", List).Answers<Page<AccountView>>(200, 400, 401, 403);
        group.MapDelete("/users/{id}", Delete).Answers<OkResponse>(200, 401, 403, 404, 409);
        group.MapGet("/audit", Audit).Answers<Page<AuditView>>(200, 400, 401, 403);
    }

    static async Task<IResult> List(AdminUsers users, string? cursor, string? limit, string? q, CancellationToken ct)
    {
        if (!Cursor.TryDecode(cursor, out var after)) return ApiErrors.BadRequest("Invalid cursor.");
        if (!Cursor.TryLimit(limit, 20, 100, out var take)) return ApiErrors.BadRequest("limit must be a number from 1 to 100.");
        if (!DisplayText.TrySearch(q, out var search)) return ApiErrors.BadRequest($"q must be plain text of at most {DisplayText.MaxSearchLength} characters.");
        return TypedResults.Ok(await users.PageAsync(after, take, search, ct));
    }

    static async Task<IResult> Delete(string id, CurrentUser me, AdminUsers users, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var userId)) return ApiErrors.NotFound("User not found.");
        return await users.DeleteAsync(me.Id, userId, ct) switch
        {
            DeleteUserResult.Deleted => TypedResults.Ok(new OkResponse()),
            DeleteUserResult.LastAdmin => ApiErrors.Result(StatusCodes.Status409Conflict, "The last admin cannot be removed."),
            _ => ApiErrors.NotFound("User not found."),
        };
    }

    static async Task<IResult> Audit(AuditLog audit, string? cursor, string? limit, CancellationToken ct)
    {
        if (!Cursor.TryDecode(cursor, out var before)) return ApiErrors.BadRequest("Invalid cursor.");
        if (!Cursor.TryLimit(limit, 50, 200, out var take)) return ApiErrors.BadRequest("limit must be a number from 1 to 200.");
        return TypedResults.Ok(await audit.PageAsync(before, take, ct));
    }
}
