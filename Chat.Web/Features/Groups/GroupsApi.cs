using Chat.Web.Features.Auth;
using Chat.Web.Features.Messaging;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Groups;

/// <summary>
/// The JSON API of groups. A non-member is told a group does not exist (404), a member who is not admin that they may
/// not (403). A group's messages page like a pair's, within the caller's membership periods.
/// </summary>
public static class GroupsApi
{
    public static void MapGroupsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/groups").WithTags("Groups").RequireAuthorization(AuthSetup.ApiPolicy)
            .Throttled(p => p.ApiPerUser, perUser: true);
        group.MapPost("/", Create).Validate<CreateGroupRequest>().Answers<GroupView>(201, 400, 401);
        group.MapGet("/{id}", Get).Answers<GroupView>(200, 401, 404);
        group.MapPatch("/{id}", Rename).Validate<RenameGroupRequest>().Answers<GroupView>(200, 400, 401, 403, 404);
        group.MapPost("/{id}/members", Add).Validate<AddMembersRequest>().Answers<GroupView>(200, 400, 401, 403, 404);
        group.MapDelete("/{id}/members/{userId}", Remove).Answers<GroupView>(200, 400, 401, 403, 404);
        group.MapPost("/{id}/members/{userId}/promote", Promote).Answers<GroupView>(200, 400, 401, 403, 404);
        group.MapPost("/{id}/leave", Leave).Answers<GroupView>(200, 401, 404);
        group.MapGet("/{id}/messages", Messages).Answers<Page<MessageView>>(200, 400, 401, 404);
    }

    static async Task<IResult> Create(CreateGroupRequest body, CurrentUser me, Groups groups, CancellationToken ct)
    {
        var (id, refused) = await groups.CreateAsync(me.Id, body.Name!, GroupRules.Parsed(body.MemberIds), ct);
        if (refused is not null) return Refusal(refused);
        return TypedResults.Created($"/groups/{id}", await groups.ViewAsync(me.Id, id!.Value, ct));
    }

    static async Task<IResult> Get(string id, CurrentUser me, Groups groups, CancellationToken ct) =>
        Ids.TryParse(id, out var groupId) && await groups.ViewAsync(me.Id, groupId, ct) is { } view ? TypedResults.Ok(view) : NoSuchGroup();

    static Task<IResult> Rename(string id, RenameGroupRequest body, CurrentUser me, Groups groups, CancellationToken ct) =>
        ChangeAsync(id, me, groups, ct, groupId => groups.RenameAsync(me.Id, groupId, body.Name!, ct));

    static Task<IResult> Add(string id, AddMembersRequest body, CurrentUser me, Groups groups, CancellationToken ct) =>
        ChangeAsync(id, me, groups, ct, groupId => groups.AddAsync(me.Id, groupId, GroupRules.Parsed(body.UserIds), ct));

    static Task<IResult> Remove(string id, string userId, CurrentUser me, Groups groups, CancellationToken ct) =>
        Ids.TryParse(userId, out var user)
            ? ChangeAsync(id, me, groups, ct, groupId => groups.RemoveAsync(me.Id, groupId, user, ct))
            : Task.FromResult(ApiErrors.NotFound("They are not a member of this group."));

    static Task<IResult> Promote(string id, string userId, CurrentUser me, Groups groups, CancellationToken ct) =>
        Ids.TryParse(userId, out var user)
            ? ChangeAsync(id, me, groups, ct, groupId => groups.PromoteAsync(me.Id, groupId, user, ct))
            : Task.FromResult(ApiErrors.NotFound("They are not a member of this group."));

    static Task<IResult> Leave(string id, CurrentUser me, Groups groups, CancellationToken ct) =>
        ChangeAsync(id, me, groups, ct, groupId => groups.LeaveAsync(me.Id, groupId, ct));

    /// <summary>Newest first with ?cursor=&amp;limit=, or oldest first after a seq with ?afterSeq= (catch-up), within the caller's membership.</summary>
    static async Task<IResult> Messages(string id, CurrentUser me, ConversationMembers members, MessageHistory history,
        string? cursor, string? limit, string? afterSeq, CancellationToken ct)
    {
        if (!Cursor.TryLimit(limit, 20, 100, out var take)) return ApiErrors.BadRequest("limit must be a number from 1 to 100.");
        long after = 0;
        if (afterSeq is not null && (!long.TryParse(afterSeq, out after) || after < 0))
            return ApiErrors.BadRequest("afterSeq must be a number of 0 or more.");
        if (!Cursor.TryDecode(cursor, out var before)) return ApiErrors.BadRequest("Invalid cursor.");
        if (!Ids.TryParse(id, out var groupId) || await members.GetAsync(groupId, ct) is not { Kind: Data.ConversationKind.Group } list
            || list.Find(me.Id) is not { } period) return NoSuchGroup();
        return afterSeq is not null
            ? TypedResults.Ok(await history.AfterAsync(groupId, Math.Max(after, period.JoinedAfterSeq), take, ct, period.LeftAtSeq, period.JoinedAfterSeq))
            : TypedResults.Ok(await history.PageAsync(groupId, before, take, ct, period.JoinedAfterSeq, period.LeftAtSeq, me.Id));
    }

    static async Task<IResult> ChangeAsync(string id, CurrentUser me, Groups groups, CancellationToken ct, Func<long, Task<ChangeRefused?>> change)
    {
        if (!Ids.TryParse(id, out var groupId)) return NoSuchGroup();
        if (await change(groupId) is { } refused) return Refusal(refused);
        return await groups.ViewAsync(me.Id, groupId, ct) is { } view ? TypedResults.Ok(view) : NoSuchGroup();
    }

    static IResult NoSuchGroup() => ApiErrors.NotFound("No such group.");
    static IResult Refusal(ChangeRefused r) => ApiErrors.Result(r.Status, r.Error);
}
