using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Chat.Web.Features.Shared;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// /chat/events: the chat screen's server-sent event stream for the htmx sse extension, cookie-authenticated like
/// the page. It carries the events about other people rather than about a conversation — someone joined (their row
/// goes to the top of the list) and someone's presence changed (their dot) — as out-of-band HTML fragments.
/// Fed by the same fan-out bus as the sockets, through <see cref="ConnectionRegistry.SubscribeAsync"/>; the
/// subscription only listens, so it does not make its user "online" (only a socket does).
/// </summary>
public static class UserEvents
{
    public const string Path = "/chat/events";

    /// <summary>The page names the events it swaps (sse-swap) and closes the stream on <see cref="SignedOut"/> (sse-close).</summary>
    public const string Ready = "ready", UserRegistered = "user-registered", Presence = "presence", SignedOut = "signed-out";

    public static IEndpointRouteBuilder MapUserEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, Stream).ExcludeFromDescription();
        return app;
    }

    static IResult Stream(HttpContext http, ConnectionRegistry registry, ListUpdates list)
    {
        if (http.User.Identity?.IsAuthenticated != true || Tokens.UserId(http.User) is not { } me) return TypedResults.Unauthorized();
        // ?peer= names the page's open conversation, whose header has the peer's status line. It only chooses which
        // fragments to render: presence events come here only from people the user has a conversation with.
        return TypedResults.ServerSentEvents(RenderAsync(me, OpenChat.From(http.Request).PeerId, registry, list, ViewerTime.From(http.Request), http.RequestAborted));
    }

    static async IAsyncEnumerable<SseItem<string>> RenderAsync(long me, long? peer, ConnectionRegistry registry, ListUpdates list, ViewerTime time,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var events = registry.SubscribeAsync(me, ct).GetAsyncEnumerator(ct);
        // An async iterator runs up to its first real wait inside MoveNextAsync, so once this returns the subscription
        // is registered. Only then "ready" goes out (and with it the response headers): whoever sees the stream open
        // — a test, a reconnecting page — misses nothing published after that.
        var next = events.MoveNextAsync();
        yield return new SseItem<string>("", Ready);
        while (await next)
        {
            switch (events.Current)
            {
                case SessionsRevokedEvent:
                    yield return new SseItem<string>("", SignedOut);
                    yield break;
                case UserRegisteredEvent { User: var user } when user.Id != me.ToString():
                    yield return new SseItem<string>(await list.RowAtTopAsync(ConversationList.DirectoryRow(user), active: false, time), UserRegistered);
                    break;
                case PresenceEvent p when long.TryParse(p.UserId, out var userId):
                    yield return new SseItem<string>(await list.PresenceAsync(p, userId, conversationOpen: userId == peer, time), Presence);
                    break;
            }
            next = events.MoveNextAsync();
        }
    }
}
