using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// A JSON WebSocket client of the chat protocol for tests: a background loop reads every frame into
/// <see cref="Received"/>; tests wait for frames by predicate and "take" them so each is matched once.
/// </summary>
public sealed class SocketClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(15);
    readonly ClientWebSocket socket;
    readonly List<JsonElement> frames = [];
    readonly HashSet<int> taken = [];
    readonly Task reading;
    readonly SemaphoreSlim sendLock = new(1, 1);
    TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    SocketClient(ClientWebSocket socket)
    {
        this.socket = socket;
        reading = Task.Run(ReadLoopAsync);
    }

    public WebSocketCloseStatus? CloseStatus { get; private set; }
    public bool IsClosed { get; private set; }

    public IReadOnlyList<JsonElement> Received
    {
        get { lock (frames) return frames.ToList(); }
    }

    /// <summary>Connects with ?token= (or the Authorization header) without waiting for anything.</summary>
    public static async Task<SocketClient> OpenAsync(Uri address, string? token, string path = "/ws", bool tokenInHeader = false)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        var uri = new UriBuilder(address) { Scheme = "ws", Path = path };
        if (token is not null && tokenInHeader) socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        else if (token is not null) uri.Query = "token=" + Uri.EscapeDataString(token);
        await socket.ConnectAsync(uri.Uri, TestContext.Current.CancellationToken);
        return new SocketClient(socket);
    }

    /// <summary>Connects and waits for "ready".</summary>
    public static async Task<SocketClient> ConnectAsync(Uri address, string token, string path = "/ws", bool tokenInHeader = false)
    {
        var client = await OpenAsync(address, token, path, tokenInHeader);
        await client.TakeAsync("ready");
        return client;
    }

    public static Task<SocketClient> ConnectAsync(ChatHost host, TestUser user) => ConnectAsync(host.Address, user.Token);

    public Task SendAsync(object frame) => SendTextAsync(JsonSerializer.Serialize(frame));

    public async Task SendTextAsync(string text)
    {
        await sendLock.WaitAsync();
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            sendLock.Release();
        }
    }

    public async Task SendBinaryAsync(byte[] bytes)
    {
        await sendLock.WaitAsync();
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Binary, true, CancellationToken.None);
        }
        finally
        {
            sendLock.Release();
        }
    }

    public Task SendMessageAsync(string? toUserId, string clientMessageId, string? text = null, string? conversationId = null) =>
        SendAsync(new
        {
            type = "send-message",
            toUserId,
            conversationId,
            ciphertext = Convert.ToBase64String(Encoding.UTF8.GetBytes(text ?? "secret " + clientMessageId)),
            clientMessageId,
        });

    /// <summary>Sends and waits for the ack (or fails with the error frame that came back instead).</summary>
    public async Task<JsonElement> SendAndAckAsync(string? toUserId, string clientMessageId, string? text = null, string? conversationId = null)
    {
        await SendMessageAsync(toUserId, clientMessageId, text, conversationId);
        var reply = await TakeAsync(f => f.Type() == "ack" && f.GetProperty("clientMessageId").GetString() == clientMessageId
            || f.Type() == "error" && f.Str("ref") == clientMessageId);
        Assert.True(reply.Type() == "ack", "expected an ack, got " + reply);
        return reply;
    }

    public Task<JsonElement> TakeAsync(string type, TimeSpan? wait = null) => TakeAsync(f => f.Type() == type, wait);

    /// <summary>The first frame not taken yet that matches; waits for it.</summary>
    public async Task<JsonElement> TakeAsync(Func<JsonElement, bool> match, TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? DefaultWait);
        while (true)
        {
            Task signal;
            lock (frames)
            {
                for (var i = 0; i < frames.Count; i++)
                {
                    if (taken.Contains(i) || !match(frames[i])) continue;
                    taken.Add(i);
                    return frames[i];
                }
                if (IsClosed) throw new InvalidOperationException($"Socket closed ({CloseStatus}) before the frame came. Got: {string.Join("\n", frames.Select(f => Shorten(f.ToString())))}");
                signal = changed.Task;
            }
            try
            {
                await signal.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                lock (frames)
                    throw new TimeoutException($"No matching frame within {wait ?? DefaultWait}. Got: {string.Join("\n", frames.TakeLast(10).Select(f => Shorten(f.ToString())))}");
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> frames match; returns them in arrival order.</summary>
    public async Task<List<JsonElement>> WaitForCountAsync(Func<JsonElement, bool> match, int count, TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? DefaultWait);
        while (true)
        {
            Task signal;
            lock (frames)
            {
                var matching = frames.Where(match).ToList();
                if (matching.Count >= count) return matching;
                if (IsClosed) throw new InvalidOperationException($"Socket closed ({CloseStatus}) with {matching.Count} of {count} frames.");
                signal = changed.Task;
            }
            try
            {
                await signal.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                lock (frames) throw new TimeoutException($"Only {frames.Count(match)} of {count} frames within {wait ?? DefaultWait}.");
            }
        }
    }

    /// <summary>How many frames matched after waiting <paramref name="quiet"/> (for "nothing more arrives").</summary>
    public async Task<int> CountAfterAsync(Func<JsonElement, bool> match, TimeSpan quiet)
    {
        await Task.Delay(quiet);
        lock (frames) return frames.Count(match);
    }

    /// <summary>Waits for the server's closing frame (or the connection's end) and returns its status.</summary>
    public async Task<WebSocketCloseStatus?> ClosedAsync(TimeSpan? wait = null)
    {
        await reading.WaitAsync(wait ?? DefaultWait);
        return CloseStatus;
    }

    public async Task CloseAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try { await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token); }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { socket.Abort(); }
        }
        await reading.WaitAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>Drops the connection without a close handshake, as a lost network would.</summary>
    public async Task DropAsync()
    {
        socket.Abort();
        try { await reading.WaitAsync(TimeSpan.FromSeconds(5)); } catch (TimeoutException) { }
    }

    async Task ReadLoopAsync()
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    count += result.Count;
                } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = socket.CloseStatus;
                    // Answer the server's closing frame, as browsers do.
                    if (socket.State == WebSocketState.CloseReceived)
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    break;
                }
                var frame = JsonDocument.Parse(buffer.AsMemory(0, count)).RootElement.Clone();
                lock (frames)
                {
                    frames.Add(frame);
                    Signal();
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (frames)
            {
                IsClosed = true;
                CloseStatus ??= socket.CloseStatus;
                Signal();
            }
        }
    }

    void Signal()
    {
        var old = changed;
        changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        old.TrySetResult();
    }

    static string Shorten(string s) => s.Length > 300 ? s[..300] + "…" : s;

    public async ValueTask DisposeAsync()
    {
        try { await CloseAsync(); } catch (TimeoutException) { socket.Abort(); }
        socket.Dispose();
    }
}

public static class FrameExtensions
{
    public static string? Type(this JsonElement frame) => frame.Str("type");

    public static string? Str(this JsonElement frame, string name) =>
        frame.ValueKind == JsonValueKind.Object && frame.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static JsonElement Message(this JsonElement frame) => frame.GetProperty("message");

    public static long Seq(this JsonElement frame) => frame.GetProperty("message").GetProperty("seq").GetInt64();

    public static bool IsMessage(this JsonElement frame) => frame.Type() == "message";
}
