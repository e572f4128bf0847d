using System.Security.Claims;
using Chat.Web.Features.Auth;
using Chat.Web.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// Accepts the API's JSON WebSocket at /ws (and at /, where the original web client connects), only for upgrade
/// requests: a plain GET / still reaches the landing page. Authenticates with ?token= or "Authorization: Bearer".
/// </summary>
public sealed class SocketGateway(SocketSessions sessions, JsonProtocol protocol, Tokens tokens, IServiceScopeFactory scopes)
{
    public static bool IsGatewayPath(PathString path) => path == "/ws" || path == "/";

    public async Task HandleAsync(HttpContext http)
    {
        var socket = await sessions.AcceptAsync(http);
        // Accept first, then refuse: a browser sees the 4401 close code, never a failed handshake it cannot read.
        if (await AuthenticateAsync(http) is not var (userId, tokenVersion))
        {
            await SocketSessions.CloseQuietlyAsync(socket, SocketSession.Unauthorized, "unauthorized");
            return;
        }
        await sessions.Open(socket, userId, protocol).RunAsync(tokenVersion);
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

    public static Task RefuseNonUpgradeAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status400BadRequest;
        return http.Response.WriteAsJsonAsync(new ApiError("This endpoint takes WebSocket upgrade requests only."));
    }
}
