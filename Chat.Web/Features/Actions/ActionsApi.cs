using Chat.Web.Data;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Messaging;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Actions;

/// <summary>
/// Edit, delete (for everyone, for me), react and forward over REST. Each answers with the message as it is now; every
/// member's connections get the change as a "message" event of kind "change" (its own seq, so a sync brings it too).
/// </summary>
public static class ActionsApi
{
    public static void MapActionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/messages/{id}").WithTags("Message actions").RequireAuthorization(AuthSetup.ApiPolicy)
            .Throttled(p => p.ApiPerUser, perUser: true);
        group.MapPatch("/", Edit).Validate<EditMessageRequest>().Answers<MessageView>(200, 400, 401, 403, 404, 409);
        group.MapDelete("/", Delete).Answers<MessageView>(200, 401, 403, 404);
        group.MapPost("/hide", Hide).Answers<OkResponse>(200, 401, 404);
        group.MapPut("/reaction", React).Validate<ReactionRequest>().Answers<MessageView>(200, 400, 401, 404, 409);
        group.MapDelete("/reaction", Unreact).Answers<MessageView>(200, 401, 404, 409);
        group.MapPost("/forward", Forward).Validate<ForwardRequest>().Answers<ForwardResponse>(200, 400, 401, 403, 404, 409, 429);
    }

    static Task<IResult> Edit(string id, EditMessageRequest body, CurrentUser me, MessageActions actions, MessageViews views, ChatDbContext db, CancellationToken ct) =>
        ActAsync(id, views, db, ct, messageId => actions.EditAsync(me.Id, messageId, EditMessageValidator.Decode(body.Ciphertext)!, ct));

    static Task<IResult> Delete(string id, CurrentUser me, MessageActions actions, MessageViews views, ChatDbContext db, CancellationToken ct) =>
        ActAsync(id, views, db, ct, messageId => actions.DeleteForEveryoneAsync(me.Id, messageId, ct));

    static Task<IResult> React(string id, ReactionRequest body, CurrentUser me, MessageActions actions, MessageViews views, ChatDbContext db, CancellationToken ct) =>
        ActAsync(id, views, db, ct, messageId => actions.ReactAsync(me.Id, messageId, body.Emoji, ct));

    static Task<IResult> Unreact(string id, CurrentUser me, MessageActions actions, MessageViews views, ChatDbContext db, CancellationToken ct) =>
        ActAsync(id, views, db, ct, messageId => actions.ReactAsync(me.Id, messageId, null, ct));

    static async Task<IResult> Hide(string id, CurrentUser me, MessageActions actions, CancellationToken ct) =>
        !Ids.TryParse(id, out var messageId) ? NoSuchMessage()
        : await actions.HideAsync(me.Id, messageId, ct) is { } refused ? ApiErrors.Result(refused.Status, refused.Error) : TypedResults.Ok(new OkResponse(true));

    static async Task<IResult> Forward(string id, ForwardRequest body, CurrentUser me, MessageForwarding forwarding, MessageViews views, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var messageId)) return NoSuchMessage();
        var (sent, refused) = await forwarding.ForwardAsync(me.Id, messageId, [.. body.ConversationIds!.Select(long.Parse)], body.ClientMessageId, ct);
        return refused is not null ? ApiErrors.Result(refused.Status, refused.Error) : TypedResults.Ok(new ForwardResponse(await views.OfAsync(sent!, ct)));
    }

    static async Task<IResult> ActAsync(string id, MessageViews views, ChatDbContext db, CancellationToken ct, Func<long, Task<ChangeRefused?>> act)
    {
        if (!Ids.TryParse(id, out var messageId)) return NoSuchMessage();
        if (await act(messageId) is { } refused) return ApiErrors.Result(refused.Status, refused.Error);
        var message = await db.Messages.AsNoTracking().Include(m => m.Attachments).FirstAsync(m => m.Id == messageId, ct);
        return TypedResults.Ok(await views.OfAsync(message, ct));
    }

    static IResult NoSuchMessage() => ApiErrors.NotFound(MessageActions.NotFound.Error);
}
