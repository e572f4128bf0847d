using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Chat.Tests.Push;

/// <summary>What the push service received: one POST to a subscription's endpoint.</summary>
public sealed record PushRequest(string Path, string? Authorization, string? ContentEncoding, string? Ttl, string? Topic, byte[] Body);

/// <summary>
/// A push service (RFC 8030) for the tests: a real Kestrel HTTPS endpoint on loopback with a self-signed certificate,
/// which records every push it is sent and answers 201, or the status a test sets for an endpoint, after an optional delay.
/// The app reaches it only with <see cref="TrustingHandler"/>, which trusts exactly this certificate.
/// </summary>
public sealed class TestPushService : IAsyncDisposable
{
    readonly WebApplication app;
    readonly X509Certificate2 certificate;
    readonly ConcurrentQueue<PushRequest> received = new();
    readonly ConcurrentDictionary<string, int> statuses = new();
    readonly SemaphoreSlim arrived = new(0);

    TestPushService(WebApplication app, X509Certificate2 certificate, Uri origin)
    {
        this.app = app;
        this.certificate = certificate;
        Origin = origin;
    }

    /// <summary>The push service's origin, the "aud" of its VAPID tokens: https://127.0.0.1:port.</summary>
    public Uri Origin { get; }
    public TimeSpan Delay { get; set; }
    public IReadOnlyCollection<PushRequest> Received => received;

    public static async Task<TestPushService> StartAsync()
    {
        var certificate = SelfSigned();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        TestPushService? service = null;
        app.MapPost("/push/{id}", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            var s = service!;
            if (s.Delay > TimeSpan.Zero) await Task.Delay(s.Delay);
            var h = http.Request.Headers;
            s.received.Enqueue(new PushRequest(http.Request.Path, h.Authorization, h.ContentEncoding, h["TTL"], h["Topic"], body.ToArray()));
            s.arrived.Release();
            return Results.StatusCode(s.statuses.GetValueOrDefault(http.Request.Path, StatusCodes.Status201Created));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        service = new TestPushService(app, certificate, new Uri(new Uri(address).GetLeftPart(UriPartial.Authority)));
        return service;
    }

    /// <summary>A new subscription's endpoint on this service.</summary>
    public string NewEndpoint() => new Uri(Origin, $"/push/{Guid.NewGuid():N}").ToString();

    /// <summary>Pushes to this endpoint are answered with this status from now on (404/410: the subscription is gone).</summary>
    public void Answer(string endpoint, int status) => statuses[new Uri(endpoint).AbsolutePath] = status;

    public IReadOnlyList<PushRequest> To(string endpoint) => received.Where(r => r.Path == new Uri(endpoint).AbsolutePath).ToList();

    /// <summary>Waits until the endpoint has received <paramref name="count"/> pushes.</summary>
    public async Task<IReadOnlyList<PushRequest>> WaitForAsync(string endpoint, int count = 1, TimeSpan? wait = null)
    {
        var deadline = DateTime.UtcNow + (wait ?? TimeSpan.FromSeconds(15));
        while (To(endpoint).Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"expected {count} pushes to the endpoint, got {To(endpoint).Count}");
            await arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
        return To(endpoint);
    }

    /// <summary>An HTTP handler for the app's push client that trusts this service's certificate, and only it.</summary>
    public HttpMessageHandler TrustingHandler() => new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == certificate.GetCertHashString() },
    };

    static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test push service", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        certificate.Dispose();
    }
}
