using System.Net.WebSockets;
using System.Security.Claims;
using Chat.Web.Features.Auth;
using Chat.Web.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// Accepts the API's WebSocket at /ws (and at /, where the original web client connects), only for
/// upgrade requests: a plain GET / still reaches the landing page. Authenticates with ?token= or
/// "Authorization: Bearer", registers the connection for fan-out and presence, and runs it.
/// </summary>
public sealed class SocketGateway(
    ConnectionRegistry registry, PresenceTracker presence, TypingSignals typing, ClientFrameHandler handler,
    Tokens tokens, RealtimeSettings settings, IServiceScopeFactory scopes, TimeProvider clock, ILogger<SocketConnection> connectionLog, ILogger<SocketGateway> log)
{
    public static bool IsGatewayPath(PathString path) => path == "/ws" || path == "/";

    public async Task HandleAsync(HttpContext http)
    {
        var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = TimeSpan.FromSeconds(settings.KeepAliveSeconds),
            KeepAliveTimeout = TimeSpan.FromSeconds(settings.KeepAliveSeconds * 2),
        });
        // Accept first, then refuse: a browser sees the 4401 close code, never a failed handshake it cannot read.
        if (await AuthenticateAsync(http) is not var (userId, tokenVersion))
        {
            await CloseQuietlyAsync(socket, SocketConnection.Unauthorized, "unauthorized");
            return;
        }
        await using var connection = new SocketConnection(socket, registry.NewConnectionId(), userId, settings, handler, scopes, clock, connectionLog);
        try
        {
            await RegisterAsync(connection, tokenVersion);
            await connection.RunAsync();
        }
        finally
        {
            await UnregisterAsync(connection);
        }
    }

    /// <summary>
    /// Every live socket (the JSON gateway and the browser's htmx socket) runs between this and
    /// <see cref="UnregisterAsync"/>, called in a finally: registered for fan-out and presence, then unregistered.
    /// Two calls around the caller's own run, not one method that runs it: an idle socket keeps one awaiting frame fewer.
    /// </summary>
    public async Task RegisterAsync(IChatEventSink connection, int tokenVersion)
    {
        registry.Add(connection);
        // A revocation committed between the handshake's session check and this registration reached no
        // sink; checking once more, now that the connection is registered, leaves no such window.
        await using (var scope = scopes.CreateAsyncScope())
            if (await scope.ServiceProvider.GetRequiredService<Accounts>().SessionAsync(connection.UserId, tokenVersion, CancellationToken.None) is null)
                connection.TryEnqueue(new SessionsRevokedEvent(connection.UserId.ToString()));
        try
        {
            await presence.ConnectedAsync(connection, CancellationToken.None);
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Presence update failed for WebSocket {ConnectionId}", connection.Id);
        }
    }

    /// <summary>The connection leaves fan-out; presence goes offline and typing stops when it was the user's last connection here.</summary>
    public async Task UnregisterAsync(IChatEventSink connection)
    {
        registry.Remove(connection);
        try
        {
            await presence.DisconnectedAsync(connection, CancellationToken.None);
            if (registry.CountFor(connection.UserId) == 0) await typing.StopAllFromAsync(connection.UserId);
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Presence update failed after WebSocket {ConnectionId} closed", connection.Id);
        }
    }

    async Task<(long UserId, int TokenVersion)?> AuthenticateAsync(HttpContext http)
    {
        // The raw query string parsed on the side rather than through Request.Query, whose parsed collection (with a
        // second copy of the token) would stay cached on the request for as long as the socket is open.
        var token = QueryHelpers.ParseQuery(http.Request.QueryString.Value).GetValueOrDefault("token") is [{ Length: > 0 } q] ? q
            : http.Request.Headers.Authorization is [{ } h] && h.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? h["Bearer ".Length..].Trim()
            : null;
        if (token is null || token.Length > 4096) return null;
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, tokens.Validation);
        if (!result.IsValid) return null;
        var principal = new ClaimsPrincipal(result.ClaimsIdentity);
        if (Tokens.UserId(principal) is not { } id || Tokens.Version(principal) is not { } version) return null;
        await using var scope = scopes.CreateAsyncScope();
        // Revoked (token version bumped) or deleted users are refused like a bad token.
        return await scope.ServiceProvider.GetRequiredService<Accounts>().SessionAsync(id, version, http.RequestAborted) is null ? null : (id, version);
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

    /// <summary>Asks every socket on this node to close with 1012 ("service restart"): clients reconnect, elsewhere if need be.</summary>
    public void CloseAllForShutdown()
    {
        foreach (var connection in registry.All.OfType<SocketConnection>())
            connection.Close(SocketConnection.ServiceRestart, "server shutting down");
    }

    public static Task RefuseNonUpgradeAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status400BadRequest;
        return http.Response.WriteAsJsonAsync(new ApiError("This endpoint takes WebSocket upgrade requests only."));
    }
}
