using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Chat.Bench.Relay;

/// <summary>
/// The machine's practical ceiling: a bare Kestrel WebSocket server speaking the app's JSON socket
/// protocol (ready, send-message → ack + message) with in-memory routing by user id, per-pair and
/// per-group seqs, and nothing else: no auth (the "token" is the user id), no database, no fan-out bus.
/// Groups are made like the app's (POST /groups with the creator's id as the bearer token).
/// </summary>
public static class ChatRelay
{
    public static async Task<int> RunAsync(string url, RelayFault fault)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        var routes = new RelayRoutes(fault);
        app.UseWebSockets();
        app.MapGet("/health", () => TypedResults.Ok(new { ok = true }));
        app.MapPost("/groups", async (HttpContext http) =>
        {
            var creator = http.Request.Headers.Authorization.ToString().Replace("Bearer ", "", StringComparison.Ordinal);
            var body = await http.Request.ReadFromJsonAsync(RelayJson.Default.RelayCreateGroup);
            if (creator.Length == 0 || body?.MemberIds is null) return Results.BadRequest();
            var id = routes.Groups.Create(creator, body.MemberIds);
            return Results.Json(new RelayGroupCreated(id, body.Name ?? "", routes.Groups.Find(id)!.Members.Length),
                RelayJson.Default.RelayGroupCreated, statusCode: StatusCodes.Status201Created);
        });
        app.Map("/ws", async (HttpContext http) =>
        {
            if (!http.WebSockets.IsWebSocketRequest || http.Request.Query["token"].ToString() is not { Length: > 0 } user)
            {
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            await new RelayConnection(user, socket, routes).RunAsync(http.RequestAborted);
        });
        await app.RunAsync();
        return 0;
    }
}

sealed class RelayRoutes(RelayFault fault)
{
    long deliveries;

    readonly ConcurrentDictionary<string, ImmutableConnections> byUser = new();
    readonly ConcurrentDictionary<(string, string), StrongBox<long>> seqByPair = new();
    long lastMessageId;

    public RelayGroups Groups { get; } = new();

    public long NextMessageId() => Interlocked.Increment(ref lastMessageId);

    public void Add(string user, RelayConnection c) => byUser.AddOrUpdate(user, _ => new([c]), (_, list) => new([.. list.Items, c]));
    public void Remove(string user, RelayConnection c) => byUser.AddOrUpdate(user, _ => new([]), (_, list) => new([.. list.Items.Where(x => x != c)]));
    public IReadOnlyList<RelayConnection> Of(string user) => byUser.TryGetValue(user, out var list) ? list.Items : [];

    /// <summary>The pair's next seq and a global message id, like the app's insert transaction hands out.</summary>
    public (long Id, long Seq, string ConversationId) Next(string a, string b)
    {
        var key = string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
        var counter = seqByPair.GetOrAdd(key, _ => new StrongBox<long>());
        return (NextMessageId(), Interlocked.Increment(ref counter.Value), key.Item1 + ":" + key.Item2);
    }

    /// <summary>What to do with the next delivery: normally just deliver it; under fault injection, break it.</summary>
    public RelayFault.Kind NextDelivery() =>
        fault.Every > 0 && Interlocked.Increment(ref deliveries) % fault.Every == 0 ? fault.What : RelayFault.Kind.None;

    sealed record ImmutableConnections(RelayConnection[] Items);
}

sealed class RelayConnection(string user, WebSocket socket, RelayRoutes routes)
{
    static readonly byte[] Ready = """{"type":"ready"}"""u8.ToArray();
    // Unbounded like a naive server's outbox; the load generator never outruns it at a held rate.
    readonly Channel<byte[]> outbox = Channel.CreateUnbounded<byte[]>(new() { SingleReader = true });
    // Fault injection's "reorder": a delivery held back until after this sender's next one.
    (IReadOnlyList<RelayConnection>, byte[])? deferred;

    public async Task RunAsync(CancellationToken ct)
    {
        // "ready" is queued before the connection becomes routable, so nothing can overtake it.
        outbox.Writer.TryWrite(Ready);
        routes.Add(user, this);
        var writer = WriteLoopAsync(ct);
        try
        {
            await ReadLoopAsync(ct);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        finally
        {
            routes.Remove(user, this);
            outbox.Writer.TryComplete();
            await writer;
        }
    }

    public void Enqueue(byte[] frame) => outbox.Writer.TryWrite(frame);

    async Task WriteLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var frame in outbox.Reader.ReadAllAsync(ct))
                await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
    }

    async Task ReadLoopAsync(CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (socket.State == WebSocketState.Open)
        {
            buffer.ResetWrittenCount();
            ValueWebSocketReceiveResult r;
            do
            {
                r = await socket.ReceiveAsync(buffer.GetMemory(4096), ct);
                buffer.Advance(r.Count);
            } while (!r.EndOfMessage);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                return;
            }
            Handle(buffer.WrittenSpan);
        }
    }

    void Handle(ReadOnlySpan<byte> json)
    {
        string? type = null, to = null, conversationId = null, clientMessageId = null, ciphertext = null;
        var reader = new Utf8JsonReader(json);
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "type": type = reader.GetString(); break;
                    case "toUserId": to = reader.GetString(); break;
                    case "conversationId": conversationId = reader.GetString(); break;
                    case "clientMessageId": clientMessageId = reader.GetString(); break;
                    case "ciphertext": ciphertext = reader.GetString(); break;
                    default: reader.Skip(); break;
                }
            }
        }
        catch (JsonException)
        {
            Enqueue(Error("bad_json", "Invalid JSON."));
            return;
        }
        if (type != "send-message") return;
        if (ciphertext is null || (to is null && conversationId is null))
        {
            Enqueue(Error("invalid_message", "toUserId or conversationId, and ciphertext, are required."));
            return;
        }
        if (to is null)
        {
            SendToGroup(conversationId!, clientMessageId, ciphertext);
            return;
        }
        var (id, seq, pair) = routes.Next(user, to);
        var message = new RelayMessage(id.ToString(), pair, seq, user, to, ciphertext,
            clientMessageId ?? Guid.NewGuid().ToString("N"), DateTime.UtcNow, null, null);
        Deliver(message, routes.Of(to));
    }

    /// <summary>
    /// Like the app: numbered in the group, serialised once, the ack to this connection and the message to every other
    /// connection of every member. Under the group's lock, so every member gets the group's messages in seq order.
    /// </summary>
    void SendToGroup(string groupId, string? clientMessageId, string ciphertext)
    {
        if (routes.Groups.Find(groupId) is not { } group || !group.MemberSet.Contains(user))
        {
            Enqueue(Error("not_member", "You are not a member of this conversation."));
            return;
        }
        lock (group.Gate)
        {
            var message = new RelayMessage(routes.NextMessageId().ToString(), group.Id, ++group.LastSeq, user, null, ciphertext,
                clientMessageId ?? Guid.NewGuid().ToString("N"), DateTime.UtcNow, null, null);
            var recipients = new List<RelayConnection>(group.Members.Length);
            foreach (var member in group.Members)
                foreach (var c in routes.Of(member))
                    if (c != this) recipients.Add(c);
            Deliver(message, recipients);
        }
    }

    /// <summary>The ack to this connection, the message to the recipients' connections (through fault injection, if any).</summary>
    void Deliver(RelayMessage message, IReadOnlyList<RelayConnection> recipients)
    {
        Enqueue(JsonSerializer.SerializeToUtf8Bytes(new RelayAck("ack", message.ClientMessageId, message), RelayJson.Default.RelayAck));
        var delivery = JsonSerializer.SerializeToUtf8Bytes(new RelayDelivery("message", message), RelayJson.Default.RelayDelivery);
        switch (routes.NextDelivery())
        {
            case RelayFault.Kind.Drop: return;
            case RelayFault.Kind.Duplicate: foreach (var c in recipients) c.Enqueue(delivery); break;
            case RelayFault.Kind.Reorder: deferred = (recipients, delivery); return;
        }
        foreach (var c in recipients) c.Enqueue(delivery);
        if (deferred is var (late, frame))
        {
            deferred = null;
            foreach (var c in late) c.Enqueue(frame);
        }
    }

    static byte[] Error(string code, string error) =>
        JsonSerializer.SerializeToUtf8Bytes(new RelayError("error", code, error), RelayJson.Default.RelayError);
}

/// <summary>
/// Deliberate damage, to prove the harness notices it: every Nth delivery dropped, sent twice, or
/// swapped with the next. "none", "drop:1000", "duplicate:1000", "reorder:1000".
/// </summary>
public sealed record RelayFault(RelayFault.Kind What, long Every)
{
    public enum Kind { None, Drop, Duplicate, Reorder }

    public static RelayFault Parse(string? spec)
    {
        if (string.IsNullOrEmpty(spec) || spec == "none") return new(Kind.None, 0);
        var parts = spec.Split(':');
        return new(Enum.Parse<Kind>(parts[0], ignoreCase: true), long.Parse(parts[1]));
    }
}
