using Chat.Web.Features.Auth;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Safety;

public sealed record BlockList(IReadOnlyList<BlockedUser> Items);

/// <summary>Blocking people (/blocks) and reporting messages (/messages/{id}/report, and /admin/reports for the admins).</summary>
public static class SafetyApi
{
    public static void MapSafetyApi(this IEndpointRouteBuilder app)
    {
        var user = app.MapGroup("").WithTags("Safety").RequireAuthorization(AuthSetup.ApiPolicy).Throttled(p => p.ApiPerUser, perUser: true);
        user.MapGet("/blocks", ListBlocks).Answers<BlockList>(200, 401);
        user.MapPut("/blocks/{userId}", Block).Answers<OkResponse>(200, 400, 401, 404);
        user.MapDelete("/blocks/{userId}", Unblock).Answers<OkResponse>(200, 400, 401, 404);
        user.MapPost("/messages/{id}/report", Report).Validate<ReportRequest>().Answers<OkResponse>(200, 400, 401, 404);

        var admin = app.MapGroup("/admin/reports").WithTags("Admin").RequireAuthorization(AuthSetup.AdminApiPolicy).Throttled(p => p.ApiPerUser, perUser: true);
        admin.MapGet("/", ListReports).Answers<Page<ReportView>>(200, 400, 401, 403);
        admin.MapPost("/{id}/resolve", Resolve).Validate<ResolveReportRequest>().Answers<OkResponse>(200, 400, 401, 403, 404, 409);
    }

    static async Task<IResult> ListBlocks(CurrentUser me, Blocks blocks, CancellationToken ct) =>
        TypedResults.Ok(new BlockList(await blocks.ListAsync(me.Id, ct)));

    static async Task<IResult> Block(string userId, CurrentUser me, Blocks blocks, CancellationToken ct) =>
        Changed(Ids.TryParse(userId, out var id) ? await blocks.BlockAsync(me.Id, id, ct) : BlockChange.UnknownUser);

    static async Task<IResult> Unblock(string userId, CurrentUser me, Blocks blocks, CancellationToken ct) =>
        Changed(Ids.TryParse(userId, out var id) ? await blocks.UnblockAsync(me.Id, id, ct) : BlockChange.UnknownUser);

    static IResult Changed(BlockChange change) => change switch
    {
        BlockChange.Done => TypedResults.Ok(new OkResponse()),
        BlockChange.WithSelf => ApiErrors.BadRequest("You cannot block yourself."),
        _ => ApiErrors.NotFound("User not found."),
    };

    static async Task<IResult> Report(string id, ReportRequest body, CurrentUser me, Reports reports, CancellationToken ct) =>
        (Ids.TryParse(id, out var messageId) ? await reports.ReportAsync(me.Id, messageId, body.Reason, ct) : ReportOutcome.NotFound) switch
        {
            ReportOutcome.Reported => TypedResults.Ok(new OkResponse()),
            ReportOutcome.OwnMessage => ApiErrors.BadRequest("You cannot report your own message."),
            _ => ApiErrors.NotFound("No such message in your conversations."),
        };

    /// <summary>Open reports newest first (?all=true: resolved ones too), ?cursor=&amp;limit=.</summary>
    static async Task<IResult> ListReports(Reports reports, string? cursor, string? limit, bool? all, CancellationToken ct)
    {
        if (!Cursor.TryDecode(cursor, out var before)) return ApiErrors.BadRequest("Invalid cursor.");
        if (!Cursor.TryLimit(limit, 20, 100, out var take)) return ApiErrors.BadRequest("limit must be a number from 1 to 100.");
        return TypedResults.Ok(await reports.PageAsync(all != true, before, take, ct));
    }

    static async Task<IResult> Resolve(string id, ResolveReportRequest body, CurrentUser me, Reports reports, CancellationToken ct)
    {
        Reports.TryAction(body.Action, out var action);
        return (Ids.TryParse(id, out var reportId) ? await reports.ResolveAsync(me.Id, reportId, action, ct) : ResolveOutcome.NotFound) switch
        {
            ResolveOutcome.Done => TypedResults.Ok(new OkResponse()),
            ResolveOutcome.LastAdmin => ApiErrors.Result(StatusCodes.Status409Conflict, "The last admin cannot be removed."),
            _ => ApiErrors.NotFound("No such report."),
        };
    }
}
