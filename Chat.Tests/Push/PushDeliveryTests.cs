using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Groups;
using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Chat.Web.Features.Admin;
using Chat.Web.Features.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace Chat.Tests.Push;

/// <summary>
/// Who gets a push and what it carries, end to end: the app posts to a real HTTPS push service on loopback, and the
/// test checks the VAPID token and decrypts the aes128gcm body with the subscription's own keys.
/// </summary>
public sealed class PushDeliveryTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    /// <summary>How long "no push" is waited for: the coalescing window and then some.</summary>
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(1500);

    static JsonElement Payload(TestSubscriber subscriber, PushRequest request) => JsonDocument.Parse(subscriber.Decrypt(request.Body)).RootElement;

    [Fact]
    public async Task An_offline_recipient_gets_one_encrypted_push_with_a_valid_vapid_token_and_the_sender_gets_none()
    {
        await using var push = await TestPushService.StartAsync();
        await using var host = await PushHost.StartAsync(servers, push);
        var ann = await host.RegisterAsync("Ann");
        var bob = await host.RegisterAsync("Bob");
        using var annPhone = await PushHost.SubscribeAsync(host, ann, push);
        using var bobPhone = await PushHost.SubscribeAsync(host, bob, push);

        await using var socket = await SocketClient.ConnectAsync(host, ann);
        var ack = await socket.SendAndAckAsync(bob.Id, "m1", "Lunch at noon?");

        var request = (await push.WaitForAsync(bobPhone.Endpoint)).Single();
        VapidToken.Verify(request.Authorization, PushHost.Keys.PublicKey, push.Origin, PushHost.Subject);
        Assert.Equal("aes128gcm", request.ContentEncoding);
        Assert.NotNull(request.Ttl);
        var payload = Payload(bobPhone, request);
        Assert.Equal("Ann", payload.Str("title"));
        Assert.Equal("Lunch at noon?", payload.Str("body"));
        var conversation = ack.Message().Str("conversationId");
        Assert.Equal(conversation, payload.Str("conversationId"));
        Assert.Equal($"/chat/{ann.Id}", payload.Str("url"));
        Assert.Equal($"conversation-{conversation}", payload.Str("tag"));
        Assert.Equal(1, payload.GetProperty("unread").GetInt32());

        await Task.Delay(Quiet, Ct);
        Assert.Empty(push.To(annPhone.Endpoint)); // the sender is online, and sent it
        Assert.Single(push.To(bobPhone.Endpoint));
    }

    [Fact]
    public async Task Three_messages_in_a_burst_make_one_notification_that_counts_three()
    {
        await using var push = await TestPushService.StartAsync();
        await using var host = await PushHost.StartAsync(servers, push, coalesceMs: 1000);
        var ann = await host.RegisterAsync("Ann");
        var bob = await host.RegisterAsync("Bob");
        using var bobPhone = await PushHost.SubscribeAsync(host, bob, push);

        await using var socket = await SocketClient.ConnectAsync(host, ann);
        for (var i = 1; i <= 3; i++) await socket.SendAndAckAsync(bob.Id, $"m{i}", $"message {i}");

        var request = (await push.WaitForAsync(bobPhone.Endpoint)).Single();
        var payload = Payload(bobPhone, request);
        Assert.Equal("Ann", payload.Str("title"));
        Assert.Equal("3 new messages from Ann", payload.Str("body"));
        Assert.Equal(3, payload.GetProperty("unread").GetInt32());
        await Task.Delay(Quiet, Ct);
        Assert.Single(push.To(bobPhone.Endpoint));
    }

    [Fact]
    public async Task In_a_group_muted_members_and_those_who_read_it_meanwhile_get_nothing_and_mentions_only_members_only_a_mention()
    {
        await using var push = await TestPushService.StartAsync();
        await using var host = await PushHost.StartAsync(servers, push, coalesceMs: 1500);
        var ann = await host.RegisterAsync("Ann");
        var bob = await host.RegisterAsync("Bob");
        var cat = await host.RegisterAsync("Cat");
        var dan = await host.RegisterAsync("Dan");
        var eve = await host.RegisterAsync("Eve");
        var group = await GroupApi.CreateAsync(host, ann, "Team", bob, cat, dan, eve);
        var phones = new Dictionary<string, TestSubscriber>();
        foreach (var u in new[] { ann, bob, cat, dan, eve }) phones[u.DisplayName] = await PushHost.SubscribeAsync(host, u, push);
        await SetLevelAsync(host, bob, group, "muted");
        await SetLevelAsync(host, cat, group, "mentions");

        await using var socket = await SocketClient.ConnectAsync(host, ann);
        var seq = (await socket.SendAndAckAsync(null, "g1", "hello team", group)).Seq();
        // Dan reads it on another device within the coalescing window, then that device goes away.
        await using (var scope = host.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<Receipts>().MarkReadUpToAsync(long.Parse(dan.Id), long.Parse(group), seq, Ct);

        var toEve = Payload(phones["Eve"], (await push.WaitForAsync(phones["Eve"].Endpoint)).Single());
        Assert.Equal("Ann in Team", toEve.Str("title"));
        Assert.Equal("hello team", toEve.Str("body"));
        Assert.Equal($"/chat/groups/{group}", toEve.Str("url"));
        await Task.Delay(Quiet, Ct);
        Assert.Empty(push.To(phones["Ann"].Endpoint)); // sender
        Assert.Empty(push.To(phones["Bob"].Endpoint)); // muted
        Assert.Empty(push.To(phones["Cat"].Endpoint)); // mentions only, not mentioned
        Assert.Empty(push.To(phones["Dan"].Endpoint)); // read already

        await socket.SendAndAckAsync(null, "g2", "@cat can you look?", group);
        var toCat = Payload(phones["Cat"], (await push.WaitForAsync(phones["Cat"].Endpoint)).Single());
        Assert.Equal("2 new messages from Ann", toCat.Str("body")); // both are unread for Cat
        Assert.Equal(2, toCat.GetProperty("unread").GetInt32());
        await push.WaitForAsync(phones["Eve"].Endpoint, 2);
        await Task.Delay(Quiet, Ct);
        Assert.Empty(push.To(phones["Bob"].Endpoint));
    }

    [Fact]
    public async Task A_recipient_online_on_another_node_gets_no_push_and_one_once_they_go_offline()
    {
        await using var push = await TestPushService.StartAsync();
        var database = await servers.CreateDatabaseAsync();
        await using var nodeA = await PushHost.StartAsync(servers, push, Storage.Postgres, database: database, redis: true);
        await using var nodeB = await PushHost.StartAsync(servers, push, Storage.Postgres, database: database, redis: true);
        var ann = await nodeA.RegisterAsync("Ann");
        var bob = await nodeA.RegisterAsync("Bob");
        using var bobPhone = await PushHost.SubscribeAsync(nodeA, bob, push);

        await using var annSocket = await SocketClient.ConnectAsync(nodeA, ann);
        var bobSocket = await SocketClient.ConnectAsync(nodeB, bob);
        await annSocket.SendAndAckAsync(bob.Id, "m1", "are you there?");
        await bobSocket.TakeAsync("message");
        await Task.Delay(Quiet, Ct);
        Assert.Empty(push.To(bobPhone.Endpoint));

        await bobSocket.DisposeAsync();
        await Task.Delay(500, Ct); // the presence of a closed connection is gone on every node
        await annSocket.SendAndAckAsync(bob.Id, "m2", "hello?");
        var payload = Payload(bobPhone, (await push.WaitForAsync(bobPhone.Endpoint)).Single());
        Assert.Equal(2, payload.GetProperty("unread").GetInt32());
    }

    [Fact]
    public async Task Without_previews_a_push_says_only_new_message()
    {
        await using var push = await TestPushService.StartAsync();
        await using var host = await PushHost.StartAsync(servers, push);
        var ann = await host.RegisterAsync("Ann");
        var bob = await host.RegisterAsync("Bob");
        using var bobPhone = await PushHost.SubscribeAsync(host, bob, push);
        using (var client = host.Client(bob.Token))
            (await client.PutAsJsonAsync("/notifications/preferences", new { showPreviews = false }, Ct)).EnsureSuccessStatusCode();

        await using var socket = await SocketClient.ConnectAsync(host, ann);
        await socket.SendAndAckAsync(bob.Id, "m1", "the secret plan");
        var request = (await push.WaitForAsync(bobPhone.Endpoint)).Single();
        var text = bobPhone.Decrypt(request.Body);
        Assert.DoesNotContain("secret plan", text);
        Assert.DoesNotContain("Ann", text);
        var payload = JsonDocument.Parse(text).RootElement;
        Assert.Equal("E2E Chat", payload.Str("title"));
        Assert.Equal("New message", payload.Str("body"));
    }

    [Theory]
    [InlineData(404)]
    [InlineData(410)]
    public async Task A_subscription_the_push_service_says_is_gone_is_deleted(int status)
    {
        await using var push = await TestPushService.StartAsync();
        await using var host = await PushHost.StartAsync(servers, push);
        var ann = await host.RegisterAsync("Ann");
        var bob = await host.RegisterAsync("Bob");
        using var gone = await PushHost.SubscribeAsync(host, bob, push);
        using var kept = await PushHost.SubscribeAsync(host, bob, push);
        push.Answer(gone.Endpoint, status);

        await using var socket = await SocketClient.ConnectAsync(host, ann);
        await socket.SendAndAckAsync(bob.Id, "m1", "hi");
        await push.WaitForAsync(gone.Endpoint);
        await push.WaitForAsync(kept.Endpoint);
        Assert.Equal([kept.Endpoint], await EndpointsAsync(host, bob, TimeSpan.FromSeconds(5), expectCount: 1));
    }

    [Fact]
    public async Task A_slow_push_service_does_not_delay_acks()
    {
        await using var push = await TestPushService.StartAsync();
        push.Delay = TimeSpan.FromSeconds(5);
        await using var host = await PushHost.StartAsync(servers, push, coalesceMs: 100);
        var ann = await host.RegisterAsync("Ann");
        var bob = await host.RegisterAsync("Bob");
        using var bobPhone = await PushHost.SubscribeAsync(host, bob, push);

        await using var socket = await SocketClient.ConnectAsync(host, ann);
        await socket.SendAndAckAsync(bob.Id, "warm-up", "warm up");
        var latencies = new List<TimeSpan>();
        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(300, Ct); // spread over 3 s, while the pushes hang at the push service
            var started = Stopwatch.GetTimestamp();
            await socket.SendAndAckAsync(bob.Id, $"m{i}", $"message {i}");
            latencies.Add(Stopwatch.GetElapsedTime(started));
        }
        Assert.Empty(push.To(bobPhone.Endpoint)); // the first push is still held up
        Assert.All(latencies, l => Assert.True(l < TimeSpan.FromSeconds(1), $"ack after {l.TotalMilliseconds:F0} ms"));
        await push.WaitForAsync(bobPhone.Endpoint, wait: TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Logging_out_everywhere_and_deleting_the_user_remove_their_subscriptions()
    {
        await using var push = await TestPushService.StartAsync();
        await using var host = await PushHost.StartAsync(servers, push);
        var ann = await host.RegisterAsync("Ann");
        var bob = await host.RegisterAsync("Bob");
        using var annPhone = await PushHost.SubscribeAsync(host, ann, push);
        using var bobPhone = await PushHost.SubscribeAsync(host, bob, push);

        using (var client = host.Client(ann.Token))
            (await client.PostAsync("/auth/logout-all", null, Ct)).EnsureSuccessStatusCode();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            Assert.Equal(DeleteUserResult.Deleted, await scope.ServiceProvider.GetRequiredService<AdminUsers>().DeleteAsync(0, long.Parse(bob.Id), Ct));
            var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
            Assert.Equal(0, await db.PushSubscriptions.CountAsync(s => s.UserId == long.Parse(ann.Id) || s.UserId == long.Parse(bob.Id), Ct));
        }
    }

    [Fact]
    public async Task Endpoints_keys_and_message_text_never_reach_the_log()
    {
        var log = new CapturedLog();
        await using var push = await TestPushService.StartAsync();
        await using var host = await PushHost.StartAsync(servers, push, configure: s => s["LOG_LEVEL"] = "Verbose",
            services: s => s.AddSingleton<ILogEventSink>(log));
        var ann = await host.RegisterAsync("Ann");
        var bob = await host.RegisterAsync("Bob");
        using var kept = await PushHost.SubscribeAsync(host, bob, push);
        using var gone = await PushHost.SubscribeAsync(host, bob, push);
        push.Answer(gone.Endpoint, 410);
        var secret = "secret-" + Guid.NewGuid().ToString("N");

        await using var socket = await SocketClient.ConnectAsync(host, ann);
        await socket.SendAndAckAsync(bob.Id, "m1", secret);
        await push.WaitForAsync(kept.Endpoint);
        await push.WaitForAsync(gone.Endpoint);
        await EndpointsAsync(host, bob, TimeSpan.FromSeconds(5), expectCount: 1);

        Assert.Contains("is gone (410)", log.Text); // the log did see the push
        foreach (var s in new[] { kept, gone })
        {
            Assert.DoesNotContain(new Uri(s.Endpoint).AbsolutePath, log.Text);
            Assert.DoesNotContain(s.P256dh, log.Text);
            Assert.DoesNotContain(s.Auth, log.Text);
        }
        Assert.DoesNotContain(secret, log.Text);
    }

    static async Task SetLevelAsync(ChatHost host, TestUser user, string conversation, string level)
    {
        using var client = host.Client(user.Token);
        var response = await client.PutAsJsonAsync($"/notifications/conversations/{conversation}", new { level }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(level, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).Str("level"));
    }

    /// <summary>The user's subscriptions' endpoints, waiting up to <paramref name="wait"/> for there to be <paramref name="expectCount"/>.</summary>
    static async Task<string[]> EndpointsAsync(ChatHost host, TestUser user, TimeSpan wait, int expectCount)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            await using var scope = host.Services.CreateAsyncScope();
            var endpoints = await scope.ServiceProvider.GetRequiredService<ChatDbContext>().PushSubscriptions
                .Where(s => s.UserId == long.Parse(user.Id)).Select(s => s.Endpoint).ToArrayAsync(Ct);
            if (endpoints.Length == expectCount || DateTime.UtcNow > deadline) return endpoints;
            await Task.Delay(100, Ct);
        }
    }
}
