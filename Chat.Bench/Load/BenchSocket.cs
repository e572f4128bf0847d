using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;

namespace Chat.Bench.Load;

/// <summary>A user of a target: the id others address, and what authenticates the socket.</summary>
public sealed record BenchUser(string Id, string Token);

/// <summary>A JSON-protocol socket: connects, waits for the server's "ready", then reads whole text frames.</summary>
public sealed class BenchSocket : IAsyncDisposable
{
    readonly ClientWebSocket socket;
    readonly ArrayBufferWriter<byte> frame = new(2048);

    static long framesBeforeReady;
    static string? lastFrameBeforeReady;

    BenchSocket(ClientWebSocket socket) => this.socket = socket;

    /// <summary>Frames that arrived before "ready" on any socket so far, and the last of them.</summary>
    public static (long Count, string? Last) FramesBeforeReady => (Interlocked.Read(ref framesBeforeReady), lastFrameBeforeReady);

    public static async Task<BenchSocket> ConnectAsync(Uri uri, TimeSpan timeout, bool smallBuffers = false)
    {
        var ws = new ClientWebSocket();
        // Idle sockets only ever read "ready": small buffers keep ten thousand of them cheap on the generator side.
        if (smallBuffers) ws.Options.SetBuffer(1024, 1024);
        var socket = new BenchSocket(ws);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await ws.ConnectAsync(uri, cts.Token);
            while (true)
            {
                using var first = await socket.ReceiveAsync(cts.Token)
                    ?? throw new WebSocketException("The server closed the socket before \"ready\".");
                var type = first.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
                if (type == "ready") break;
                // The protocol says "ready" comes first; a server that lets events overtake it is noted, not fatal.
                Interlocked.Increment(ref framesBeforeReady);
                lastFrameBeforeReady = first.RootElement.GetRawText();
            }
            return socket;
        }
        catch
        {
            ws.Abort();
            ws.Dispose();
            throw;
        }
    }

    public Task SendAsync(ReadOnlyMemory<byte> json, CancellationToken ct) =>
        socket.SendAsync(json, WebSocketMessageType.Text, endOfMessage: true, ct).AsTask();

    /// <summary>The next whole text frame as JSON, or null when the server closed the socket.</summary>
    public async Task<JsonDocument?> ReceiveAsync(CancellationToken ct) =>
        await ReceiveUtf8Async(ct) is { } utf8 ? JsonDocument.Parse(utf8) : null;

    /// <summary>
    /// The next whole text frame's bytes, valid until the next receive, or null when the server closed the socket: for
    /// readers that take a few fields with a Utf8JsonReader instead of building a document per frame.
    /// </summary>
    public async Task<ReadOnlyMemory<byte>?> ReceiveUtf8Async(CancellationToken ct)
    {
        frame.ResetWrittenCount();
        ValueWebSocketReceiveResult r;
        do
        {
            r = await socket.ReceiveAsync(frame.GetMemory(2048), ct);
            if (r.MessageType == WebSocketMessageType.Close) return null;
            frame.Advance(r.Count);
        } while (!r.EndOfMessage);
        return frame.WrittenMemory;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        finally
        {
            socket.Abort();
            socket.Dispose();
        }
    }

    /// <summary>Opens many sockets a batch at a time, so the server is not asked for thousands of handshakes at once.</summary>
    public static async Task<List<BenchSocket>> ConnectManyAsync(IReadOnlyList<Uri> uris, bool smallBuffers, int parallel = 32)
    {
        var sockets = new BenchSocket[uris.Count];
        var next = -1;
        async Task Worker()
        {
            for (var i = Interlocked.Increment(ref next); i < uris.Count; i = Interlocked.Increment(ref next))
                sockets[i] = await ConnectAsync(uris[i], TimeSpan.FromSeconds(30), smallBuffers);
        }
        try
        {
            await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Worker()));
        }
        catch
        {
            foreach (var s in sockets) if (s is not null) await s.DisposeAsync();
            throw;
        }
        return [.. sockets];
    }
}
