using Chat.Tests.Api;
using Microsoft.Extensions.Hosting;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Chat.Tests.Infrastructure;
using Chat.Web.Features.Realtime;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Realtime;

/// <summary>An app with tight limits: 2 frames a second (burst 5), typing expiring after 1 s, a ping every second.</summary>
public sealed class TightLimitsApp(TestServers servers) : IAsyncLifetime
{
    public ChatHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Host = await ChatHost.StartAsync(servers, Storage.Postgres, s =>
    {
        s["WS_FRAMES_PER_SECOND"] = "2";
        s["WS_FRAME_BURST"] = "5";
        s["WS_TYPING_EXPIRY_SECONDS"] = "1";
        s["WS_KEEPALIVE_SECONDS"] = "1";
    });

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}

/// <summary>Rate limit, typing expiry, keep-alive pings, the bounded outbound queue and the shutdown close code.</summary>
public sealed class LimitsTests(TightLimitsApp app, TestServers servers) : IClassFixture<TightLimitsApp>
{
    readonly ChatHost host = app.Host;

    [Fact]
    public async Task Frames_over_the_rate_limit_get_a_rate_limited_error_and_the_socket_stays_open()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        await using var socket = await SocketClient.ConnectAsync(host, ann);
        for (var i = 0; i < 12; i++) await socket.SendAsync(new { type = "typing", toUserId = bob.Id, state = "stop" });
        var limited = await socket.TakeAsync("error");
        Assert.Equal("rate_limited", limited.Str("code"));

        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        await socket.SendAndAckAsync(bob.Id, "after-the-pause");
    }

    [Fact]
    public async Task Typing_stops_by_itself_when_start_is_not_repeated()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var bobSocket = await SocketClient.ConnectAsync(host, bob);

        await annSocket.SendAsync(new { type = "typing", toUserId = bob.Id, state = "start" });
        Assert.Equal("start", (await bobSocket.TakeAsync("typing")).Str("state"));
        var stop = await bobSocket.TakeAsync("typing", TimeSpan.FromSeconds(5));
        Assert.Equal((ann.Id, bob.Id, "stop"), (stop.Str("fromUserId"), stop.Str("toUserId"), stop.Str("state")));
    }

    [Fact]
    public async Task The_server_pings_an_idle_connection()
    {
        var user = await host.RegisterAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host.Address.Host, host.Address.Port, TestContext.Current.CancellationToken);
        var stream = tcp.GetStream();
        var handshake = $"GET /ws?token={user.Token} HTTP/1.1\r\nHost: {host.Address.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(handshake), TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ReadHeadersAsync(stream, timeout.Token);

        var opcodes = new List<int>();
        while (!opcodes.Contains(0x9)) opcodes.Add(await ReadFrameOpcodeAsync(stream, timeout.Token));
        Assert.Equal(0x1, opcodes[0]); // "ready" first, then a ping (0x9) with nothing else going on
    }

    [Fact]
    public async Task A_consumer_that_does_not_read_is_disconnected_and_the_sender_is_unaffected()
    {
        await using var smallQueue = await ChatHost.StartAsync(servers, Storage.Postgres, s =>
        {
            RealtimeApp.Bulk(s);
            s["WS_QUEUE_CAPACITY"] = "8";
        });
        var ann = await smallQueue.RegisterAsync();
        var bob = await smallQueue.RegisterAsync();
        var registry = smallQueue.Services.GetRequiredService<ConnectionRegistry>();
        await using var annSocket = await SocketClient.ConnectAsync(smallQueue, ann);
        // A raw client that reads its handshake and then nothing at all.
        using var stalled = new ClientWebSocket();
        await stalled.ConnectAsync(new Uri($"ws://{smallQueue.Address.Authority}/ws?token={bob.Token}"), TestContext.Current.CancellationToken);
        // The server registers the connection just after the handshake (it authenticates first).
        for (var i = 0; i < 100 && registry.CountFor(long.Parse(bob.Id)) == 0; i++) await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Equal(1, registry.CountFor(long.Parse(bob.Id)));

        var big = new string('x', 60 * 1024);
        var sent = 0;
        for (; sent < 400 && registry.CountFor(long.Parse(bob.Id)) > 0; sent++)
            await annSocket.SendAndAckAsync(bob.Id, $"big-{sent}", big);

        Assert.Equal(0, registry.CountFor(long.Parse(bob.Id)));
        Assert.InRange(sent, 9, 399);
        await annSocket.SendAndAckAsync(bob.Id, "still-fine");
    }

    [Fact]
    public async Task Shutdown_closes_sockets_with_1012()
    {
        var node = await ChatHost.StartAsync(servers, Storage.Postgres);
        var user = await node.RegisterAsync();
        var socket = await SocketClient.ConnectAsync(node, user);
        var stopping = node.DisposeAsync().AsTask();
        Assert.Equal((WebSocketCloseStatus)1012, await socket.ClosedAsync());
        await stopping.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        await socket.DisposeAsync();
    }

    [Fact]
    public async Task A_graceful_stop_turns_readiness_false_first_then_closes_sockets_with_1012_within_its_bound()
    {
        // A drain long enough for the send below to land in it on a loaded machine (with 1.5 s it once came after).
        var node = await ChatHost.StartAsync(servers, Storage.Postgres, s => (s["SHUTDOWN_DRAIN_SECONDS"], s["SHUTDOWN_TIMEOUT_SECONDS"]) = ("4", "10"));
        var (ann, bob) = (await node.RegisterAsync(), await node.RegisterAsync());
        var socket = await SocketClient.ConnectAsync(node, ann);
        using var client = node.Client();
        await client.GetOkAsync("/health/ready");

        var stopped = Task.Run(() => node.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication(), TestContext.Current.CancellationToken);
        var ready = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        for (var i = 0; ready.StatusCode == HttpStatusCode.OK && i < 50; i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
            ready = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("\"accepting\":\"down\"", await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        // Draining: not ready, but the open socket still works.
        await socket.SendAndAckAsync(bob.Id, "during-drain");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal((WebSocketCloseStatus)1012, await socket.ClosedAsync());
        await stopped;
        await node.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(12), $"stopped after {clock.Elapsed}");
        await socket.DisposeAsync();
    }

    static async Task ReadHeadersAsync(NetworkStream stream, CancellationToken ct)
    {
        var seen = new List<byte>();
        var one = new byte[1];
        while (seen.Count < 4 || !(seen[^4] == '\r' && seen[^3] == '\n' && seen[^2] == '\r' && seen[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, ct) == 0) throw new IOException("closed during the handshake");
            seen.Add(one[0]);
        }
        Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString(seen.ToArray()));
    }

    /// <summary>Reads one server frame (unmasked) and returns its opcode.</summary>
    static async Task<int> ReadFrameOpcodeAsync(NetworkStream stream, CancellationToken ct)
    {
        var head = new byte[2];
        await stream.ReadExactlyAsync(head, ct);
        long length = head[1] & 0x7F;
        if (length >= 126)
        {
            var ext = new byte[length == 126 ? 2 : 8];
            await stream.ReadExactlyAsync(ext, ct);
            length = ext.Aggregate(0L, (acc, b) => (acc << 8) | b);
        }
        await stream.ReadExactlyAsync(new byte[length], ct);
        return head[0] & 0x0F;
    }
}
