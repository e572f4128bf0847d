namespace Chat.Web.Features.Auth;

/// <summary>
/// Endpoint metadata: the endpoint checks in its own database query that the session is current (the token version,
/// as <see cref="AuthSetup"/> does on every other request), so the request costs one round trip instead of two.
/// Authentication then checks only the token's signature and lifetime; a revoked session still stops at once.
/// </summary>
public sealed class SessionCheckedByEndpoint
{
    static readonly SessionCheckedByEndpoint Instance = new();

    public static TBuilder On<TBuilder>(TBuilder endpoint) where TBuilder : IEndpointConventionBuilder => endpoint.WithMetadata(Instance);
}
