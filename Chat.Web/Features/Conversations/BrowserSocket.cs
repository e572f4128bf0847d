using Chat.Web.Features.Auth;
using Chat.Web.Features.Realtime;
using Chat.Web.Features.Shared;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// The chat page's live socket at /chat/socket for the htmx ws extension: cookie-authenticated, same-origin only
/// (cross-site WebSocket hijacking defence), run by the same <see cref="SocketSession"/> as the JSON socket, and it
/// speaks HTML (<see cref="BrowserProtocol"/>). <c>?peer=</c> names the open conversation.
/// </summary>
public sealed class BrowserSocket(SocketSessions sessions, FragmentRenderer fragments, ListUpdates list, TypingSignals typing, IServiceScopeFactory scopes,
    IConfiguration config, IHostEnvironment env, ILogger<BrowserProtocol> log)
{
    public const string Path = "/chat/socket";

    /// <summary>
    /// The chat page names its open conversation on both live channels (this socket and <see cref="UserEvents"/>) as
    /// <c>?peer=&lt;user id&gt;</c>: the query for <paramref name="peerId"/> (empty for none), and the id read back from a request.
    /// </summary>
    public static string PeerQuery(long? peerId) => peerId is { } id ? "?peer=" + id : "";
    public static long? PeerOf(HttpRequest request) => request.Query["peer"] is [{ } p] && long.TryParse(p, out var id) ? id : null;
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
        long? peer = null;
        if (PeerOf(http.Request) is { } peerId && peerId != me)
        {
            await using var scope = scopes.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<Accounts>().FindAsync(peerId, http.RequestAborted) is not null) peer = peerId;
        }
        var socket = await sessions.AcceptAsync(http);
        var protocol = new BrowserProtocol(me, peer, ViewerTime.From(http.Request), fragments, list, typing, scopes, log);
        await sessions.Open(socket, me, protocol).RunAsync(tokenVersion);
    }
}
