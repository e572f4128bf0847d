using System.Net;
using System.Net.Sockets;

namespace Chat.Web.Features.Push;

/// <summary>The HTTP client that posts to push services: short timeouts, and no connection to an internal address.</summary>
public static class PushHttp
{
    public const string ClientName = "push";

    public static SocketsHttpHandler Handler(bool allowPrivate) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
        // The subscription's host was checked when subscribing; this stops a name that resolves inward later (DNS rebinding).
        ConnectCallback = async (context, ct) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
            var allowed = addresses.Where(a => allowPrivate || !PushEndpoints.IsInternal(a)).ToArray();
            if (allowed.Length == 0) throw new HttpRequestException("The push endpoint resolves to no public address.");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
