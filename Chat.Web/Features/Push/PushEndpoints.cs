using System.Net;
using System.Net.Sockets;

namespace Chat.Web.Features.Push;

/// <summary>
/// Which push endpoints the server will post to: https only, and (unless PUSH_ALLOW_PRIVATE_ENDPOINTS) never a host on
/// a loopback, private, link-local or otherwise internal address, checked when subscribing and again on every connect
/// (<see cref="PushHttp"/>), so a name that later resolves inward is refused too.
/// </summary>
public static class PushEndpoints
{
    /// <summary>Why the endpoint is refused, or null when it is acceptable.</summary>
    public static async Task<string?> RefusalAsync(string endpoint, bool allowPrivate, CancellationToken ct)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            return "endpoint must be an https URL.";
        if (uri.UserInfo.Length > 0) return "endpoint must not carry a user name or password.";
        if (allowPrivate) return null;
        if (uri.IsLoopback || uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            return "endpoint must be a public push service, not a loopback or private address.";
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.DnsSafeHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.DnsSafeHost, ct);
        }
        catch (SocketException)
        {
            return "endpoint's host does not resolve.";
        }
        return addresses.Length == 0 || addresses.Any(IsInternal) ? "endpoint must be a public push service, not a loopback or private address." : null;
    }

    /// <summary>Loopback, private (RFC 1918, unique local), link-local, carrier-grade NAT, unspecified or multicast.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal;
        var b = address.GetAddressBytes();
        return b[0] is 0 or 10 or 127 or >= 224
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 172 && b[1] is >= 16 and <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 100 && b[1] is >= 64 and <= 127);
    }
}
