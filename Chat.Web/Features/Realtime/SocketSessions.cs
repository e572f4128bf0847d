using System.Net.WebSockets;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Messaging;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// Where every <see cref="SocketSession"/> of this node starts and ends, whichever socket it is: accepted with the same
/// keep-alive, registered for fan-out and presence, unregistered, and closed with 1012 at shutdown.
/// </summary>
public sealed class SocketSessions(ConnectionRegistry registry, PresenceTracker presence, TypingSignals typing, RealtimeSettings settings,
    IServiceScopeFactory scopes, TimeProvider clock, ILogger<SocketSession> log)
{
    internal RealtimeSettings Settings => settings;
    internal TimeProvider Clock => clock;
    internal IServiceScopeFactory Scopes => scopes;
    internal ILogger Log => log;

    /// <summary>Accepts the upgrade; the server pings, and drops a client that does not answer within twice the interval.</summary>
    public Task<WebSocket> AcceptAsync(HttpContext http) => http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
    {
        KeepAliveInterval = TimeSpan.FromSeconds(settings.KeepAliveSeconds),
        KeepAliveTimeout = TimeSpan.FromSeconds(settings.KeepAliveSeconds * 2),
    });

    /// <summary>A session for an accepted socket of <paramref name="userId"/>; run it with <see cref="SocketSession.RunAsync"/>.</summary>
    public SocketSession Open(WebSocket socket, long userId, ISocketProtocol protocol) =>
        new(socket, registry.NewConnectionId(), userId, protocol, this);

    internal async Task RegisterAsync(SocketSession session, int tokenVersion)
    {
        registry.Add(session);
        ChatTelemetry.OpenSockets.Add(1, KindTag(session));
        // A revocation committed between the handshake's session check and this registration reached no
        // sink; checking once more, now that the session is registered, leaves no such window.
        await using (var scope = scopes.CreateAsyncScope())
            if (await scope.ServiceProvider.GetRequiredService<Accounts>().SessionAsync(session.UserId, tokenVersion, CancellationToken.None) is null)
                session.TryEnqueue(new SessionsRevokedEvent(session.UserId.ToString()));
        try
        {
            await presence.ConnectedAsync(session, CancellationToken.None);
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Presence update failed for WebSocket {ConnectionId}", session.Id);
        }
    }

    /// <summary>The session leaves fan-out; presence goes offline and typing stops when it was the user's last connection here.</summary>
    internal async Task UnregisterAsync(SocketSession session)
    {
        registry.Remove(session);
        ChatTelemetry.OpenSockets.Add(-1, KindTag(session));
        try
        {
            await presence.DisconnectedAsync(session, CancellationToken.None);
            if (registry.CountFor(session.UserId) == 0) await typing.StopAllFromAsync(session.UserId);
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Presence update failed after WebSocket {ConnectionId} closed", session.Id);
        }
    }

    static KeyValuePair<string, object?> KindTag(SocketSession session) => new("kind", session.Protocol is JsonProtocol ? "api" : "browser");

    /// <summary>Asks every socket on this node to close with 1012 ("service restart"): clients reconnect, elsewhere if need be, and sync.</summary>
    public void CloseAllForShutdown()
    {
        foreach (var session in registry.All.OfType<SocketSession>())
            session.Close(SocketSession.ServiceRestart, "server shutting down");
    }

    public static async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await socket.CloseAsync(status, reason, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            socket.Abort();
        }
    }
}
