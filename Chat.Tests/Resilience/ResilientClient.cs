using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Resilience;

/// <summary>
/// A chat client as a careful mobile app would write it against docs/api.md, for one user in one pair conversation.
/// <list type="bullet">
/// <item>It sends its messages one at a time (a window of one unacked message, so its own order cannot depend on
/// which of several pipelined sends a failure hit), each with a clientMessageId of its own, paced at a steady rate.</item>
/// <item>When its socket drops it reconnects, to the other node first when its node went away, with backoff; then it
/// syncs from the last seq it holds without a gap and sends its unacked message again with the same clientMessageId.
/// A <c>server_error</c> or <c>rate_limited</c> about the message, or no ack within <see cref="AckTimeout"/>, also
/// sends it again (idempotent).</item>
/// <item>After a reconnect it also sends its last acked message again, same clientMessageId and all, as a client would
/// that cannot tell whether that ack reached its own storage before it lost the connection: the server must answer with
/// the identical ack and store nothing (otherwise only a message stored just before its node died would test that). A
/// <c>server_error</c> about it sends it again too.</item>
/// <item>It holds the conversation by seq. When a gap stays open for <see cref="GapPatience"/> (a message that went out
/// while Redis was down, say), it syncs.</item>
/// </list>
/// Everything it sees is checked as it comes and kept for the test's final checks: a seq held with two ids, an id seen
/// at two seqs, a clientMessageId acked with two different messages, a message sent twice on one connection, an
/// unexpected error are <see cref="Violations"/>.
/// </summary>
public sealed class ResilientClient
{
    static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(5);
    static readonly TimeSpan GapPatience = TimeSpan.FromMilliseconds(500);
    static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10); // generous: a node that is down refuses at once
    static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(10);

    readonly Lock gate = new();
    readonly SemaphoreSlim wake = new(0);
    readonly Traffic traffic;
    readonly AppNode home, away;
    readonly int total;
    readonly double intervalMs;
    readonly string runTag;

    // Sending.
    int nextIndex;
    double nextDue;
    Outgoing? inFlight;
    readonly List<AckRecord> acks = [];
    readonly Dictionary<string, (string Id, long Seq)> ackedByClientId = [];
    readonly HashSet<string> sentClientIds = [];
    // Acked messages sent again after a reconnect, and how many of those sends got their (identical) ack back.
    readonly List<Echo> echoes = [];

    // The conversation as this client holds it.
    readonly SortedDictionary<long, Held> held = [];
    readonly Dictionary<string, long> seqOfId = [];
    readonly List<(double At, long UpTo)> progress = [];
    readonly List<double> livePeerMessages = []; // when a peer's message came live (not in a sync's replay)
    long gaplessUpTo;
    double? gapSince;

    // The current connection.
    readonly List<Connection> connections = [];
    Connection? current;
    bool ready, syncPending, syncWanted, rehome;
    double syncRetryAt;
    readonly HashSet<string> deliveredOnConnection = [];

    readonly List<string> violations = [];
    int ackTimeouts;
    readonly Dictionary<string, int> errorCodes = [];

    public ResilientClient(string name, TestUser user, string peerId, string conversationId, AppNode home, AppNode away,
        int total, TimeSpan interval, Traffic traffic, string runTag)
    {
        Name = name;
        User = user;
        PeerId = peerId;
        ConversationId = conversationId;
        this.home = home;
        this.away = away;
        this.total = total;
        intervalMs = interval.TotalMilliseconds;
        this.traffic = traffic;
        this.runTag = runTag;
    }

    public string Name { get; }
    public TestUser User { get; }
    public string PeerId { get; }
    public string ConversationId { get; }
    public AppNode Home => home;

    sealed class Outgoing(int index, string clientId)
    {
        public int Index { get; } = index;
        public string ClientId { get; } = clientId;
        public double FirstSentAt { get; set; } = -1;
        public double LastSentAt { get; set; } = -1;
        public int Attempts { get; set; }
        public bool Resend { get; set; } // send again at ResendAt
        public double ResendAt { get; set; }
    }

    /// <summary>One acked message: when its last attempt went out and when the ack came.</summary>
    public sealed record AckRecord(int Index, string ClientId, string Id, long Seq, double FirstSentAt, double LastSentAt, double AckedAt, int Attempts);

    public sealed record Held(string Id, string SenderId, string ClientId, string Ciphertext);

    public sealed class Connection(int number, string node, double openedAt)
    {
        public int Number { get; } = number;
        public string Node { get; } = node;
        public double OpenedAt { get; } = openedAt;
        public double? ReadyAt { get; set; }
        public double? ClosedAt { get; set; }
        public WebSocketCloseStatus? CloseStatus { get; set; }
        public string? ClosedBy { get; set; } // "server" (closing frame), "client", or "lost"
    }

    public static string TextOf(string userId, int index) => $"message {index} from {userId}";

    /// <summary>The index of the message, from its (base64) ciphertext: independent of the clientMessageId.</summary>
    public static int? IndexOf(string ciphertext, string senderId)
    {
        var text = Encoding.UTF8.GetString(Convert.FromBase64String(ciphertext));
        var prefix = "message ";
        var suffix = " from " + senderId;
        return text.StartsWith(prefix) && text.EndsWith(suffix) && int.TryParse(text[prefix.Length..^suffix.Length], out var i) ? i : null;
    }

    // ---- what the test reads (under the lock) ----

    public bool SendingDone { get { lock (gate) return nextIndex >= total && inFlight is null; } }
    public int Sent { get { lock (gate) return nextIndex; } }
    public long GaplessUpTo { get { lock (gate) return gaplessUpTo; } }
    public List<AckRecord> Acks { get { lock (gate) return [.. acks]; } }
    public Dictionary<string, (string Id, long Seq)> AckedByClientId { get { lock (gate) return new(ackedByClientId); } }
    public SortedDictionary<long, Held> HeldMessages { get { lock (gate) return new(held); } }
    public List<(double At, long UpTo)> Progress { get { lock (gate) return [.. progress]; } }

    /// <summary>The first time at or after <paramref name="t"/> that a peer's message came live, through the fan-out rather than a sync.</summary>
    public double? FirstLivePeerMessageAfter(double t)
    {
        lock (gate)
        {
            var i = livePeerMessages.BinarySearch(t);
            if (i < 0) i = ~i;
            return i < livePeerMessages.Count ? livePeerMessages[i] : null;
        }
    }
    public List<Connection> Connections { get { lock (gate) return [.. connections]; } }
    public List<string> Violations { get { lock (gate) return [.. violations]; } }
    public Dictionary<string, int> ErrorCodes { get { lock (gate) return new(errorCodes); } }
    /// <summary>An acked message sent again after a reconnect, on connection <see cref="Connection"/>.</summary>
    public sealed record Echo(string ClientId, int Index, int Connection, double FirstSentAt)
    {
        public double SentAt { get; set; } = FirstSentAt;
        public double? AnsweredAt { get; set; }
        public double? ResendAt { get; set; } // after a server_error about it
        public int Attempts { get; set; } = 1;
    }

    /// <summary>Acked messages sent again after reconnects, and whether their acks came back.</summary>
    public List<Echo> Echoes { get { lock (gate) return [.. echoes.Select(e => e with { })]; } }
    /// <summary>Sends that got neither an ack nor an error within <see cref="AckTimeout"/> on an open connection, and were sent again.</summary>
    public int AckTimeouts { get { lock (gate) return ackTimeouts; } }
    public int Resends { get { lock (gate) return acks.Sum(a => a.Attempts - 1) + (inFlight is { Attempts: > 1 } f ? f.Attempts - 1 : 0); } }

    /// <summary>The node of the open, ready connection; null while reconnecting.</summary>
    public AppNode? ConnectedTo { get { lock (gate) return ready && current is { ClosedAt: null } c ? (c.Node == home.Name ? home : away) : null; } }

    public bool HasAckSentAfter(double t) { lock (gate) return acks.Any(a => a.LastSentAt >= t); }

    /// <summary>Moves back to the home node (after it was restarted), as a client that prefers its region would.</summary>
    public void RequestRehome()
    {
        lock (gate) rehome = true;
        wake.Release();
    }

    /// <summary>Syncs once more, now: the final catch-up, for messages after the last one this client holds.</summary>
    public void RequestSync()
    {
        lock (gate)
        {
            syncWanted = true;
            syncRetryAt = 0;
        }
        wake.Release();
    }

    // ---- the client ----

    /// <summary>Connects, reconnects, sends and receives until <paramref name="stop"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        AppNode? lost = null;
        var backoffMs = 100.0;
        while (!stop.IsCancellationRequested)
        {
            AppNode[] order = lost is null ? [home, away] : [lost == home ? away : home, lost];
            ClientWebSocket? socket = null;
            AppNode? node = null;
            foreach (var candidate in order)
            {
                socket = await TryConnectAsync(candidate, stop);
                if (socket is not null)
                {
                    node = candidate;
                    break;
                }
            }
            if (socket is null || node is null)
            {
                try { await Task.Delay(TimeSpan.FromMilliseconds(backoffMs), stop); } catch (OperationCanceledException) { return; }
                backoffMs = Math.Min(backoffMs * 2, 1000);
                continue;
            }
            var outcome = await SessionAsync(socket, node, stop);
            socket.Dispose();
            if (outcome == SessionEnd.Ready) backoffMs = 100; // it worked for a while: retry at once, elsewhere
            lost = outcome == SessionEnd.Rehome ? null : node;
            if (outcome == SessionEnd.NotReady)
            {
                try { await Task.Delay(TimeSpan.FromMilliseconds(backoffMs), stop); } catch (OperationCanceledException) { return; }
                backoffMs = Math.Min(backoffMs * 2, 1000);
            }
        }
    }

    async Task<ClientWebSocket?> TryConnectAsync(AppNode node, CancellationToken stop)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        var uri = new UriBuilder(node.Address) { Scheme = "ws", Path = "/ws", Query = "token=" + Uri.EscapeDataString(User.Token) }.Uri;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(uri, timeout.Token);
            return socket;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or HttpRequestException or IOException)
        {
            socket.Dispose();
            return null;
        }
    }

    enum SessionEnd { NotReady, Ready, Rehome }

    async Task<SessionEnd> SessionAsync(ClientWebSocket socket, AppNode node, CancellationToken stop)
    {
        Connection connection;
        lock (gate)
        {
            connection = new Connection(connections.Count + 1, node.Name, traffic.Now);
            connections.Add(connection);
            current = connection;
            ready = false;
            syncPending = false;
            deliveredOnConnection.Clear();
        }
        var reading = ReadAsync(socket, connection);
        var end = SessionEnd.NotReady;
        try
        {
            // "ready" first, always.
            var waitUntil = traffic.Now + ReadyTimeout.TotalMilliseconds;
            while (true)
            {
                lock (gate) if (ready) break;
                if (reading.IsCompleted || traffic.Now > waitUntil || stop.IsCancellationRequested) return SessionEnd.NotReady;
                await WaitAsync(50, stop);
            }
            end = SessionEnd.Ready;
            // Catch up from the last seq held without a gap, then send the last acked message and the unacked one again.
            await SendSyncAsync(socket);
            AckRecord? last;
            lock (gate)
            {
                if (inFlight is not null)
                {
                    inFlight.Resend = true;
                    inFlight.ResendAt = 0;
                }
                last = connections.Count > 1 && acks.Count > 0 ? acks[^1] : null;
                if (last is not null) echoes.Add(new Echo(last.ClientId, last.Index, connection.Number, traffic.Now));
            }
            if (last is not null) await SendMessageFrameAsync(socket, last.Index, last.ClientId);

            while (!stop.IsCancellationRequested && !reading.IsCompleted)
            {
                bool doRehome, doSync;
                Outgoing? send = null;
                Echo? echoAgain = null;
                lock (gate)
                {
                    var now = traffic.Now;
                    echoAgain = echoes.FirstOrDefault(e => e.Connection == connection.Number && e.AnsweredAt is null && e.ResendAt <= now);
                    if (echoAgain is not null)
                    {
                        echoAgain.ResendAt = null;
                        echoAgain.SentAt = now;
                        echoAgain.Attempts++;
                    }
                    doRehome = rehome && node != home;
                    rehome = false;
                    doSync = !syncPending && (syncWanted && now >= syncRetryAt || gapSince is { } g && now - g >= GapPatience.TotalMilliseconds);
                    if (inFlight is { } f && (f.Resend && now >= f.ResendAt || now - f.LastSentAt >= AckTimeout.TotalMilliseconds))
                    {
                        if (!f.Resend) ackTimeouts++;
                        send = f;
                    }
                    else if (inFlight is null && nextIndex < Math.Min(total, traffic.Gate) && now >= nextDue)
                    {
                        send = inFlight = new Outgoing(nextIndex, $"{runTag}-{User.Id}-{nextIndex}");
                        nextIndex++;
                        nextDue = Math.Max(nextDue, now - 1000) + intervalMs; // at most a second's worth of catching up
                        sentClientIds.Add(send.ClientId);
                        traffic.CountStart();
                    }
                    if (send is not null)
                    {
                        send.Attempts++;
                        send.Resend = false;
                        send.LastSentAt = now;
                        if (send.FirstSentAt < 0) send.FirstSentAt = now;
                    }
                }
                if (doRehome)
                {
                    end = SessionEnd.Rehome;
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    lock (gate) connection.ClosedBy = "client";
                    try { await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "moving", timeout.Token); }
                    catch (Exception e) when (e is WebSocketException or OperationCanceledException) { socket.Abort(); }
                    break;
                }
                if (doSync) await SendSyncAsync(socket);
                if (echoAgain is not null) await SendMessageFrameAsync(socket, echoAgain.Index, echoAgain.ClientId);
                if (send is not null) await SendMessageFrameAsync(socket, send.Index, send.ClientId);
                await WaitAsync(20, stop);
            }
            if (stop.IsCancellationRequested && !reading.IsCompleted)
            {
                lock (gate) connection.ClosedBy = "client";
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try { await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token); }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException) { socket.Abort(); }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The connection went while we were sending: the read loop sees it too.
        }
        finally
        {
            if (!reading.IsCompleted) socket.Abort();
            await reading;
            lock (gate)
            {
                ready = false;
                current = null;
            }
        }
        return end;
    }

    async Task WaitAsync(int ms, CancellationToken stop)
    {
        try { await wake.WaitAsync(ms, stop); } catch (OperationCanceledException) { }
    }

    async Task SendSyncAsync(ClientWebSocket socket)
    {
        long since;
        lock (gate)
        {
            syncPending = true;
            syncWanted = false;
            gapSince = gapSince is null ? null : traffic.Now; // give this sync its time before another
            since = gaplessUpTo;
        }
        await SendFrameAsync(socket, new Dictionary<string, object>
        {
            ["type"] = "sync",
            ["ref"] = "sync",
            ["since"] = new Dictionary<string, long> { [ConversationId] = since },
        });
    }

    Task SendMessageFrameAsync(ClientWebSocket socket, int index, string clientId) => SendFrameAsync(socket, new
    {
        type = "send-message",
        toUserId = PeerId,
        ciphertext = Convert.ToBase64String(Encoding.UTF8.GetBytes(TextOf(User.Id, index))),
        clientMessageId = clientId,
    });

    static Task SendFrameAsync(ClientWebSocket socket, object frame) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);

    async Task ReadAsync(ClientWebSocket socket, Connection connection)
    {
        await Task.Yield();
        var buffer = new byte[64 * 1024];
        using var frame = new MemoryStream();
        try
        {
            while (true)
            {
                frame.SetLength(0);
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                    frame.Write(buffer, 0, result.Count);
                } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    lock (gate)
                    {
                        connection.CloseStatus = socket.CloseStatus;
                        connection.ClosedBy ??= "server";
                    }
                    if (socket.State == WebSocketState.CloseReceived)
                        try { await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None); }
                        catch (Exception e) when (e is WebSocketException or ObjectDisposedException) { }
                    break;
                }
                using var doc = JsonDocument.Parse(frame.GetBuffer().AsMemory(0, (int)frame.Length));
                Handle(doc.RootElement, connection);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            lock (gate)
            {
                connection.ClosedAt = traffic.Now;
                connection.ClosedBy ??= "lost";
                connection.CloseStatus ??= socket.CloseStatus;
            }
            wake.Release();
        }
    }

    void Handle(JsonElement frame, Connection connection)
    {
        lock (gate)
        {
            var now = traffic.Now;
            switch (frame.Str("type"))
            {
                case "ready":
                    ready = true;
                    connection.ReadyAt = now;
                    break;
                case "ack":
                    OnAck(frame.Str("clientMessageId")!, frame.GetProperty("message"), connection, now);
                    break;
                case "message":
                    OnMessage(frame.GetProperty("message"), connection, now);
                    break;
                case "sync-complete":
                    syncPending = false;
                    break;
                case "error":
                    OnError(frame.Str("code") ?? "?", frame.Str("ref"), now, frame);
                    break;
            }
        }
        wake.Release();
    }

    void OnAck(string clientId, JsonElement m, Connection connection, double now)
    {
        var id = m.Str("id")!;
        var seq = m.GetProperty("seq").GetInt64();
        if (!sentClientIds.Contains(clientId)) violations.Add($"{Name}: ack for a clientMessageId it never sent: {clientId}");
        if (ackedByClientId.TryGetValue(clientId, out var before) && before != (id, seq))
            violations.Add($"{Name}: clientMessageId {clientId} acked as message {before.Id} (seq {before.Seq}) and as {id} (seq {seq}): stored twice");
        ackedByClientId.TryAdd(clientId, (id, seq));
        deliveredOnConnection.Add(id); // after the same message came by sync (a retry's ack) it may come again as an ack
        if (echoes.FirstOrDefault(e => e.ClientId == clientId && e.AnsweredAt is null) is { } echo) echo.AnsweredAt = now;
        else if (inFlight is { } f && f.ClientId == clientId)
        {
            acks.Add(new AckRecord(f.Index, clientId, id, seq, f.FirstSentAt, f.LastSentAt, now, f.Attempts));
            inFlight = null;
            traffic.CountAck();
        }
        Hold(m, now);
    }

    void OnMessage(JsonElement m, Connection connection, double now)
    {
        var id = m.Str("id")!;
        if (m.Str("conversationId") != ConversationId)
        {
            violations.Add($"{Name}: a message of another conversation {m.Str("conversationId")}");
            return;
        }
        if (!deliveredOnConnection.Add(id))
            violations.Add($"{Name}: message {id} (seq {m.GetProperty("seq").GetInt64()}) sent twice on connection {connection.Number} to node {connection.Node}");
        // Frames of a sync's replay come while it is pending; a live one then counts as replayed, which only undercounts.
        if (!syncPending && m.Str("senderId") == PeerId) livePeerMessages.Add(now);
        Hold(m, now);
    }

    void Hold(JsonElement m, double now)
    {
        var id = m.Str("id")!;
        var seq = m.GetProperty("seq").GetInt64();
        if (held.TryGetValue(seq, out var h))
        {
            if (h.Id != id) violations.Add($"{Name}: seq {seq} came as message {h.Id} and as message {id}");
        }
        else held[seq] = new Held(id, m.Str("senderId")!, m.Str("clientMessageId")!, m.Str("ciphertext")!);
        if (seqOfId.TryGetValue(id, out var s) && s != seq) violations.Add($"{Name}: message {id} came with seq {s} and with seq {seq}");
        seqOfId[id] = seq;
        var before = gaplessUpTo;
        while (held.ContainsKey(gaplessUpTo + 1)) gaplessUpTo++;
        if (gaplessUpTo != before) progress.Add((now, gaplessUpTo));
        if (held.Count > gaplessUpTo) gapSince ??= now;
        else gapSince = null;
    }

    void OnError(string code, string? reference, double now, JsonElement frame)
    {
        errorCodes[code] = errorCodes.GetValueOrDefault(code) + 1;
        var expected = code is "server_error" or "rate_limited";
        if (!expected) violations.Add($"{Name}: unexpected error {frame}");
        if (reference == "sync")
        {
            syncPending = false;
            syncWanted = true;
            syncRetryAt = now + 300;
        }
        else if (reference is not null && echoes.FirstOrDefault(e => e.ClientId == reference && e.AnsweredAt is null) is { } echo)
            echo.ResendAt = now + Math.Min(100 * echo.Attempts, 1000);
        else if (inFlight is { } f && reference == f.ClientId)
        {
            f.Resend = true;
            f.ResendAt = now + Math.Min(100 * f.Attempts, 1000);
        }
        else if (reference is null && expected)
        {
            // A refused frame we cannot tell: resend whatever is unacked, and sync again.
            if (inFlight is { } g) { g.Resend = true; g.ResendAt = now + 200; }
            syncPending = false;
            syncWanted = true;
            syncRetryAt = now + 300;
        }
    }

    /// <summary>A fresh connection's full sync (from seq 0): every message of the user's conversations, in the order the server sends them.</summary>
    public static async Task<List<JsonElement>> FullSyncAsync(AppNode node, string token, TimeSpan timeout)
    {
        using var socket = new ClientWebSocket();
        using var cts = new CancellationTokenSource(timeout);
        var uri = new UriBuilder(node.Address) { Scheme = "ws", Path = "/ws", Query = "token=" + Uri.EscapeDataString(token) }.Uri;
        await socket.ConnectAsync(uri, cts.Token);
        var messages = new List<JsonElement>();
        var buffer = new byte[64 * 1024];
        using var frame = new MemoryStream();
        var synced = false;
        while (true)
        {
            frame.SetLength(0);
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(), cts.Token);
                frame.Write(buffer, 0, result.Count);
            } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
            if (result.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException($"closed during the full sync: {socket.CloseStatus}");
            var f = JsonDocument.Parse(frame.ToArray()).RootElement.Clone();
            switch (f.Str("type"))
            {
                case "ready" when !synced:
                    synced = true;
                    await SendFrameAsync(socket, new { type = "sync", since = new Dictionary<string, long>() });
                    break;
                case "message":
                    messages.Add(f.GetProperty("message"));
                    break;
                case "sync-complete":
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
                    return messages;
                case "error":
                    throw new InvalidOperationException("error during the full sync: " + f);
            }
        }
    }
}
