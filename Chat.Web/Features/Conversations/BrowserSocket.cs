using Chat.Web.Data;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Chat.Web.Features.Shared;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// The chat page's live socket at /chat/socket for the htmx ws extension: cookie-authenticated, same-origin only
/// (cross-site WebSocket hijacking defence), run by the same <see cref="SocketSession"/> as the JSON socket, and it
/// speaks HTML (<see cref="BrowserProtocol"/>). <c>?peer=</c> or <c>?c=</c> names the open conversation (<see cref="OpenChat"/>).
/// </summary>
public sealed class BrowserSocket(SocketSessions sessions, FragmentRenderer fragments, ListUpdates list, TypingSignals typing, IServiceScopeFactory scopes,
    IConfiguration config, IHostEnvironment env, ILogger<BrowserProtocol> log)
{
    public const string Path = "/chat/socket";

    readonly string[] allowedOrigins = ChatSettings.From(config).AllowedOrigins(env.IsDevelopment());

    /// <summary>The handshake's Origin must be this app (scheme + host of the request) or a configured origin.</summary>
    public bool IsAllowedOrigin(HttpRequest request)
    {
        if (request.Headers.Origin is not [{ Length: > 0 } origin]) return false;
        var own = $"{request.Scheme}://{request.Host.Value}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            || allowedOrigins.Any(o => string.Equals(o.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
    }

    public async Task HandleAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        if (!IsAllowedOrigin(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        if (Tokens.UserId(http.User) is not { } me || Tokens.Version(http.User) is not { } tokenVersion || http.User.Identity?.IsAuthenticated != true)
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        var open = await CheckedAsync(OpenChat.From(http.Request), me, http.RequestAborted);
        var socket = await sessions.AcceptAsync(http);
        var protocol = new BrowserProtocol(me, open, ViewerTime.From(http.Request), fragments, list, typing, scopes, log);
        await sessions.Open(socket, me, protocol).RunAsync(tokenVersion);
    }

    /// <summary>The conversation the tab names, if the user may have it open: a real peer, a group they are or were in, or their secret conversation.</summary>
    async Task<OpenChat> CheckedAsync(OpenChat open, long me, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        if (open.PeerId is { } peerId)
            return peerId != me && await services.GetRequiredService<Accounts>().FindAsync(peerId, ct) is not null ? open : OpenChat.None;
        if (open.GroupId is { } groupId)
            return await services.GetRequiredService<ConversationMembers>().GetAsync(groupId, ct) is { } list && list.Find(me) is not null
                ? list.Kind switch
                {
                    ConversationKind.Group => open,
                    ConversationKind.Secret => OpenChat.SecretOf(groupId) with { SecretPeer = list.Members.First(m => m.UserId != me).UserId },
                    _ => OpenChat.None,
                }
                : OpenChat.None;
        return OpenChat.None;
    }
}
