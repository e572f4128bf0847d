using Chat.Web.Features.Auth;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Push;

public sealed record VapidPublicKeyResponse(string PublicKey);

/// <summary>
/// The JSON API of notifications: the server's VAPID key, my browsers' push subscriptions, my preview preference and
/// each conversation's notification level. When push is off the subscription endpoints answer 404.
/// </summary>
public static class PushApi
{
    public static void MapPushApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/notifications").WithTags("Notifications").RequireAuthorization(AuthSetup.ApiPolicy)
            .Throttled(p => p.ApiPerUser, perUser: true);
        group.MapGet("/vapid-public-key", PublicKey).Answers<VapidPublicKeyResponse>(200, 401, 404);
        group.MapGet("/subscriptions", List).Answers<Page<PushSubscriptionView>>(200, 401);
        group.MapPost("/subscriptions", Subscribe).Validate<SubscribeRequest>().Answers<PushSubscriptionView>(201, 400, 401, 404);
        group.MapDelete("/subscriptions/{id}", Remove).Answers<OkResponse>(200, 401, 404);
        group.MapGet("/preferences", Preferences).Answers<PreferencesView>(200, 401);
        group.MapPut("/preferences", SetPreferences).Validate<PreferencesRequest>().Answers<PreferencesView>(200, 400, 401);
        group.MapGet("/conversations/{conversationId}", Level).Answers<ConversationNotificationsView>(200, 401, 404);
        group.MapPut("/conversations/{conversationId}", SetLevel).Validate<NotificationLevelRequest>().Answers<ConversationNotificationsView>(200, 400, 401, 404);
    }

    static IResult PublicKey(PushOptions push) =>
        push.Keys is { } keys ? TypedResults.Ok(new VapidPublicKeyResponse(keys.PublicKey)) : PushOff();

    static async Task<IResult> List(CurrentUser me, PushSubscriptions subscriptions, CancellationToken ct) =>
        TypedResults.Ok(new Page<PushSubscriptionView>(await subscriptions.ListAsync(me.Id, ct), null));

    static async Task<IResult> Subscribe(SubscribeRequest body, CurrentUser me, PushOptions push, PushSubscriptions subscriptions, HttpRequest request, CancellationToken ct)
    {
        if (push.Keys is null) return PushOff();
        var (view, refusal) = await subscriptions.SubscribeAsync(me.Id, body, request.Headers.UserAgent, ct);
        return view is not null
            ? TypedResults.Created($"/notifications/subscriptions/{view.Id}", view)
            : ApiErrors.Result(StatusCodes.Status400BadRequest, "Validation failed", new Dictionary<string, string[]> { ["endpoint"] = [refusal!] });
    }

    static async Task<IResult> Remove(string id, CurrentUser me, PushSubscriptions subscriptions, CancellationToken ct) =>
        Ids.TryParse(id, out var subscriptionId) && await subscriptions.RemoveAsync(me.Id, subscriptionId, ct)
            ? TypedResults.Ok(new OkResponse(true))
            : ApiErrors.NotFound("No such subscription of yours.");

    static async Task<IResult> Preferences(CurrentUser me, NotificationPreferences preferences, CancellationToken ct) =>
        TypedResults.Ok(await preferences.GetAsync(me.Id, ct));

    static async Task<IResult> SetPreferences(PreferencesRequest body, CurrentUser me, NotificationPreferences preferences, CancellationToken ct) =>
        TypedResults.Ok(await preferences.SetShowPreviewsAsync(me.Id, body.ShowPreviews!.Value, ct));

    static async Task<IResult> Level(string conversationId, CurrentUser me, NotificationPreferences preferences, CancellationToken ct) =>
        Ids.TryParse(conversationId, out var id) && await preferences.LevelAsync(me.Id, id, ct) is { } level
            ? TypedResults.Ok(new ConversationNotificationsView(conversationId, NotificationLevels.Name(level)))
            : NotAMember();

    static async Task<IResult> SetLevel(string conversationId, NotificationLevelRequest body, CurrentUser me, NotificationPreferences preferences, CancellationToken ct)
    {
        NotificationLevels.TryParse(body.Level, out var level);
        return Ids.TryParse(conversationId, out var id) && await preferences.SetLevelAsync(me.Id, id, level, ct)
            ? TypedResults.Ok(new ConversationNotificationsView(conversationId, NotificationLevels.Name(level)))
            : NotAMember();
    }

    static IResult PushOff() => ApiErrors.NotFound("Push notifications are not enabled on this server.");
    static IResult NotAMember() => ApiErrors.NotFound("No such conversation of yours.");
}
