using System.Net.Http.Headers;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Push;

/// <summary>
/// The push client's own step before each request: marks it untraced (its URL is the subscription's secret), and fixes
/// the audience: Lib.Net.Http.WebPush 3.3.1 leaves a non-default port out of the VAPID token's audience, but RFC 8292 §2 makes it the
/// endpoint's origin, port included: for such an endpoint this signs the token again with the right audience.
/// </summary>
public sealed class OutgoingPush(PushOptions options) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        request.Options.Set(ChatTelemetry.Untraced, true);
        if (options.Authentication is { } vapid && request.RequestUri is { IsDefaultPort: false } uri && request.Headers.Authorization?.Scheme == "vapid")
            request.Headers.Authorization = new AuthenticationHeaderValue("vapid", vapid.GetVapidSchemeAuthenticationHeaderValueParameter(uri.GetLeftPart(UriPartial.Authority)));
        return base.SendAsync(request, ct);
    }
}
