using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Security;

/// <summary>A revoked or deleted user's open sockets close within seconds, on every node (PostgreSQL + Redis, two nodes).</summary>
[Collection("RedisOutage")]
public sealed class SessionRevocationSocketTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Log_out_everywhere_and_password_change_close_the_users_sockets_on_both_nodes()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var a = await ChatHost.StartAsync(servers, Storage.Postgres, database: database, redis: true);
        await using var b = await ChatHost.StartAsync(servers, Storage.Postgres, database: database, redis: true);
        var user = await a.RegisterAsync();
        var bystander = await a.RegisterAsync();
        await using var onA = await SocketClient.ConnectAsync(a, user);
        await using var onB = await SocketClient.ConnectAsync(b.Address, user.Token);
        await using var other = await SocketClient.ConnectAsync(b.Address, bystander.Token);

        var sw = Stopwatch.StartNew();
        using (var c = a.Client(user.Token)) (await c.PostAsync("/auth/logout-all", null, Ct)).EnsureSuccessStatusCode();
        Assert.Equal((WebSocketCloseStatus)4401, await onA.ClosedAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal((WebSocketCloseStatus)4401, await onB.ClosedAsync(TimeSpan.FromSeconds(5)));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
        Assert.False(other.IsClosed, "another user's socket stays open");

        // A new login, a new socket, then a password change closes that one too.
        using var anon = a.Client();
        var login = await anon.PostAsJsonAsync("/auth/login", new { phone = user.Phone, password = user.Password }, Ct);
        var token = (await login.Content.ReadFromJsonAsync<AuthBody>(Ct))!.Token;
        await using var again = await SocketClient.ConnectAsync(b.Address, token);
        using (var c = a.Client(token))
            (await c.PostAsJsonAsync("/auth/password", new { currentPassword = user.Password, newPassword = "another password 9" }, Ct)).EnsureSuccessStatusCode();
        Assert.Equal((WebSocketCloseStatus)4401, await again.ClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Deleting_a_user_closes_their_sockets()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite);
        var admin = await host.RegisterAsync();
        var user = await host.RegisterAsync();
        await using var socket = await SocketClient.ConnectAsync(host, user);
        using var adminClient = host.Client(admin.Token);
        (await adminClient.DeleteAsync($"/admin/users/{user.Id}", Ct)).EnsureSuccessStatusCode();
        Assert.Equal((WebSocketCloseStatus)4401, await socket.ClosedAsync(TimeSpan.FromSeconds(5)));
    }
}

[Collection("RedisOutage")]
public sealed class MessageRateLimitTests(TestServers servers)
{
    [Fact]
    public async Task Messages_are_limited_per_user_across_connections_and_nodes()
    {
        var database = await servers.CreateDatabaseAsync();
        Action<IDictionary<string, string?>> limit = s => s["RATE_LIMIT_MESSAGES_PER_10S"] = "5";
        await using var a = await ChatHost.StartAsync(servers, Storage.Postgres, limit, database, redis: true);
        await using var b = await ChatHost.StartAsync(servers, Storage.Postgres, limit, database, redis: true);
        var sender = await a.RegisterAsync();
        var peer = await a.RegisterAsync();
        await using var onA = await SocketClient.ConnectAsync(a, sender);
        await using var onB = await SocketClient.ConnectAsync(b.Address, sender.Token);
        for (var i = 0; i < 3; i++) await onA.SendAndAckAsync(peer.Id, $"a{i}");
        for (var i = 0; i < 2; i++) await onB.SendAndAckAsync(peer.Id, $"b{i}");
        await onB.SendMessageAsync(peer.Id, "b-over");
        var error = await onB.TakeAsync("error");
        Assert.Equal("rate_limited", error.Str("code"));
        // A retry of an already stored message is not a new message: it still gets its ack.
        var retry = await onA.SendAndAckAsync(peer.Id, "a0");
        Assert.Equal(1, retry.Seq());
    }

    [Fact]
    public async Task A_larger_limit_counted_in_leases_is_never_exceeded_across_nodes()
    {
        // A limit of 40 is taken from Redis two hits at a time: each node may hold one unspent hit, so the user
        // gets 38 to 40 messages through, never 41.
        const int limit = 40;
        var database = await servers.CreateDatabaseAsync();
        Action<IDictionary<string, string?>> configure = s => s["RATE_LIMIT_MESSAGES_PER_10S"] = limit.ToString();
        await using var a = await ChatHost.StartAsync(servers, Storage.Postgres, configure, database, redis: true);
        await using var b = await ChatHost.StartAsync(servers, Storage.Postgres, configure, database, redis: true);
        var sender = await a.RegisterAsync();
        var peer = await a.RegisterAsync();
        await using var onA = await SocketClient.ConnectAsync(a, sender);
        await using var onB = await SocketClient.ConnectAsync(b.Address, sender.Token);

        var acked = 0;
        for (var i = 0; i < limit; i++)
            foreach (var (socket, node) in new[] { (onA, "a"), (onB, "b") })
            {
                var id = $"{node}{i}";
                await socket.SendMessageAsync(peer.Id, id);
                var reply = await socket.TakeAsync(f => f.Str("clientMessageId") == id || f.Str("ref") == id);
                if (reply.Type() == "ack") acked++;
                else Assert.Equal("rate_limited", reply.Str("code"));
            }
        Assert.InRange(acked, limit - 2, limit);
    }
}
