using Chat.Web.Data;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Messaging;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Conversations;

public sealed record ConversationIdResponse(string ConversationId);

public static class ConversationsApi
{
    public static void MapConversationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/conversations").WithTags("Conversations").RequireAuthorization(AuthSetup.ApiPolicy)
            .Throttled(p => p.ApiPerUser, perUser: true);
        group.MapGet("/", List).Answers<Page<InboxEntry>>(200, 400, 401);
        group.MapGet("/{peerId}", Ensure).Answers<ConversationIdResponse>(200, 400, 401, 403, 404);
        group.MapGet("/{peerId}/messages", Messages).Answers<Page<MessageView>>(200, 400, 401, 404);
        // The pair's secret conversation (docs/api.md, "Secret conversations"): its messages are envelopes only its devices read.
        group.MapPost("/{peerId}/secret", EnsureSecret).Answers<ConversationIdResponse>(200, 400, 401, 404);
        group.MapGet("/{peerId}/secret/messages", SecretMessages).Answers<Page<MessageView>>(200, 400, 401, 404);
        app.MapGet("/messages/{id}/info", Info).WithTags("Conversations").RequireAuthorization(AuthSetup.ApiPolicy)
            .Throttled(p => p.ApiPerUser, perUser: true).Answers<MessageInfoView>(200, 401, 404);
    }

    /// <summary>My conversations, pairs and groups, newest activity first: ?cursor=&amp;limit=.</summary>
    static async Task<IResult> List(CurrentUser me, Inbox inbox, string? cursor, string? limit, CancellationToken ct)
    {
        if (!Cursor.TryLimit(limit, 20, 100, out var take)) return ApiErrors.BadRequest("limit must be a number from 1 to 100.");
        if (!Cursor.TryDecode(cursor, out _, out _)) return ApiErrors.BadRequest("Invalid cursor.");
        return TypedResults.Ok(await inbox.PageAsync(me.Id, cursor, take, ct));
    }

    /// <summary>Who has my message and who read it when; anyone else's message is not found.</summary>
    static async Task<IResult> Info(string id, CurrentUser me, MessageInfo info, CancellationToken ct) =>
        Ids.TryParse(id, out var messageId) && await info.ForSenderAsync(me.Id, messageId, ct) is { } view
            ? TypedResults.Ok(view)
            : ApiErrors.NotFound("No such message of yours.");

    static Task<IResult> Ensure(string peerId, CurrentUser me, PairConversations conversations, CancellationToken ct) =>
        EnsureAsync(peerId, me, conversations, ConversationKind.Direct, ct);

    static Task<IResult> EnsureSecret(string peerId, CurrentUser me, PairConversations conversations, CancellationToken ct) =>
        EnsureAsync(peerId, me, conversations, ConversationKind.Secret, ct);

    static async Task<IResult> EnsureAsync(string peerId, CurrentUser me, PairConversations conversations, ConversationKind kind, CancellationToken ct)
    {
        if (!Ids.TryParse(peerId, out var peer)) return ApiErrors.NotFound("User not found.");
        return await conversations.EnsureAsync(me.Id, peer, ct, kind) switch
        {
            PairResult.Found(var c) => TypedResults.Ok(new ConversationIdResponse(c.Id.ToString())),
            PairResult.WithSelf => ApiErrors.BadRequest("You cannot start a conversation with yourself."),
            PairResult.Blocked(var byMe) => ApiErrors.Result(StatusCodes.Status403Forbidden,
                byMe ? "You blocked this person: unblock them to start a conversation." : "You cannot start a conversation with this person."),
            _ => ApiErrors.NotFound("User not found."),
        };
    }

    /// <summary>Newest first with ?cursor=&amp;limit=, or oldest first after a seq with ?afterSeq= (catch-up).</summary>
    static Task<IResult> Messages(string peerId, CurrentUser me, PairConversations conversations, MessageHistory history,
        string? cursor, string? limit, string? afterSeq, CancellationToken ct) =>
        MessagesAsync(peerId, me, conversations, history, cursor, limit, afterSeq, ConversationKind.Direct, ct);

    static Task<IResult> SecretMessages(string peerId, CurrentUser me, PairConversations conversations, MessageHistory history,
        string? cursor, string? limit, string? afterSeq, CancellationToken ct) =>
        MessagesAsync(peerId, me, conversations, history, cursor, limit, afterSeq, ConversationKind.Secret, ct);

    static async Task<IResult> MessagesAsync(string peerId, CurrentUser me, PairConversations conversations, MessageHistory history,
        string? cursor, string? limit, string? afterSeq, ConversationKind kind, CancellationToken ct)
    {
        if (!Ids.TryParse(peerId, out var peer)) return ApiErrors.NotFound("User not found.");
        if (!Cursor.TryLimit(limit, 20, 100, out var take)) return ApiErrors.BadRequest("limit must be a number from 1 to 100.");
        long after = 0;
        if (afterSeq is not null && (!long.TryParse(afterSeq, out after) || after < 0))
            return ApiErrors.BadRequest("afterSeq must be a number of 0 or more.");
        if (!Cursor.TryDecode(cursor, out var before)) return ApiErrors.BadRequest("Invalid cursor.");
        var pair = await conversations.FindAsync(me.Id, peer, ct, kind);
        return pair switch
        {
            PairResult.Found(var c) when afterSeq is not null => TypedResults.Ok(await history.AfterAsync(c.Id, after, take, ct)),
            PairResult.Found(var c) => TypedResults.Ok(await history.PageAsync(c.Id, before, take, ct, viewerId: me.Id)),
            PairResult.NotStarted => TypedResults.Ok(new Page<MessageView>([], null)),
            PairResult.WithSelf => ApiErrors.BadRequest("You have no conversation with yourself."),
            _ => ApiErrors.NotFound("User not found."),
        };
    }
}
