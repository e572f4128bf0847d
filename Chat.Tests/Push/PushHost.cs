using System.Net.Http.Json;
using Chat.Tests.Infrastructure;
using Chat.Web.Features.Push;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Push;

/// <summary>An app that pushes to a <see cref="TestPushService"/>, with its VAPID keys known to the test.</summary>
public static class PushHost
{
    public const string Subject = "mailto:push-test@example.com";
    public static readonly VapidKeys Keys = VapidKeys.Create(Subject);

    public static Task<ChatHost> StartAsync(TestServers servers, TestPushService push, Storage storage = Storage.Sqlite, int coalesceMs = 300,
        Action<IDictionary<string, string?>>? configure = null, string? database = null, bool redis = false, Action<IServiceCollection>? services = null) =>
        ChatHost.StartAsync(servers, storage, s =>
        {
            Realtime.RealtimeApp.Bulk(s);
            s["VAPID_PUBLIC_KEY"] = Keys.PublicKey;
            s["VAPID_PRIVATE_KEY"] = Keys.PrivateKey;
            s["VAPID_SUBJECT"] = Subject;
            s["PUSH_ALLOW_PRIVATE_ENDPOINTS"] = "true"; // the test push service is on loopback
            s["PUSH_COALESCE_MILLISECONDS"] = coalesceMs.ToString();
            configure?.Invoke(s);
        }, database, redis, s =>
        {
            s.AddHttpClient(PushHttp.ClientName).ConfigurePrimaryHttpMessageHandler(push.TrustingHandler);
            services?.Invoke(s);
        });

    /// <summary>Subscribes a new browser of the user on the push service; returns it.</summary>
    public static async Task<TestSubscriber> SubscribeAsync(ChatHost host, TestUser user, TestPushService push)
    {
        var subscriber = new TestSubscriber(push.NewEndpoint());
        using var client = host.Client(user.Token);
        var response = await client.PostAsJsonAsync("/notifications/subscriptions", subscriber.Json, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return subscriber;
    }
}
