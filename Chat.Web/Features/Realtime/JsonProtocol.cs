using System.Text.Json;
using Chat.Web.Features.Messaging;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// The JSON API's socket protocol: parses a client frame, authorises it (the session's user is the actor) and calls
/// the same Messaging services as the browser; writes events and replies as JSON. Bad frames get an "error" frame,
/// never a closed socket. Stateless, so one instance serves every JSON session.
/// </summary>
public sealed class JsonProtocol(IServiceScopeFactory scopes, MessageSender sender, TypingSignals typing, ConversationMembers members, ILogger<JsonProtocol> log) : ISocketProtocol
{
    public object? Greeting { get; } = new ReadyFrame();

    sealed class BadFrame(string code, string message) : Exception(message)
    {
        public string Code => code;
    }

    public async Task ReceiveAsync(SocketSession session, ReadOnlyMemory<byte> utf8, CancellationToken ct)
    {
        string? reference = null;
        try
        {
            using var doc = Parse(utf8);
            var frame = doc.RootElement;
            if (frame.ValueKind != JsonValueKind.Object) throw new BadFrame("invalid_request", "A frame is a JSON object with a \"type\".");
            var clientMessageId = OptionalString(frame, "clientMessageId") ?? OptionalString(frame, "dedupeKey");
            reference = OptionalString(frame, "ref") ?? clientMessageId;
            if (!frame.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw new BadFrame("invalid_request", "\"type\" is required.");
            // Matched on the frame's UTF-8 bytes: a type is read as a string only to quote an unknown one.
            if (type.ValueEquals("send-message"u8)) await SendMessageAsync(session, frame, clientMessageId, reference, ct);
            else if (type.ValueEquals("receipt"u8)) await ReceiptAsync(session, frame, ct);
            else if (type.ValueEquals("sync"u8)) await session.CatchUpAsync(Since(frame), listedOnly: false);
            else if (type.ValueEquals("typing"u8)) await TypingAsync(session, frame, ct);
            else if (type.ValueEquals("edit-message"u8)) await ChangeAsync(session, frame, ct, (actions, id) => actions.EditAsync(session.UserId, id, Ciphertext(frame), ct));
            else if (type.ValueEquals("delete-message"u8)) await ChangeAsync(session, frame, ct, (actions, id) => actions.DeleteForEveryoneAsync(session.UserId, id, ct));
            else if (type.ValueEquals("react"u8)) await ChangeAsync(session, frame, ct, (actions, id) => actions.ReactAsync(session.UserId, id, Emoji(frame), ct));
            else throw new BadFrame("unknown_type", $"Unknown frame type \"{Truncate(type.GetString()!)}\".");
        }
        catch (BadFrame e)
        {
            await session.SendAsync(new ErrorEvent(e.Code, e.Message, reference));
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Our failure (the database went away, …): say so and keep the socket; the client may retry
            // with the same clientMessageId safely. The frame itself is not logged: it may carry a message.
            log.LogError(e, "A WebSocket frame of user {UserId} failed", session.UserId);
            await session.SendAsync(ServerError(reference));
        }
    }

    static ErrorEvent ServerError(string? reference) => new("server_error", "The server could not handle this frame; try again.", reference);

    static JsonDocument Parse(ReadOnlyMemory<byte> utf8)
    {
        try
        {
            return JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            throw new BadFrame("invalid_json", "The frame is not valid JSON.");
        }
    }

    async Task SendMessageAsync(SocketSession session, JsonElement frame, string? clientMessageId, string? reference, CancellationToken ct)
    {
        // A direct message names its recipient; a group message (or a pair's, by id) only its conversation.
        long? conversationId = OptionalId(frame, "conversationId");
        long? to = conversationId is null ? RequiredId(frame, "toUserId") : OptionalId(frame, "toUserId");
        var ciphertext = Ciphertext(frame);
        var replyTo = OptionalId(frame, "replyToId");

        // Queued in frame order; the outcome comes to this session as an event (ack or error), and the session reads
        // its next frame meanwhile: a client may have many sends in flight, and they share the writer's batches.
        var command = new SendCommand(session.UserId, to, conversationId, ciphertext, clientMessageId, Origin: session.Id, ReplyToId: replyTo,
            AttachmentIds: AttachmentIds(frame));
        if (await sender.QueueAsync(command, ct) is { } refused)
            await session.SendAsync(new ErrorEvent(refused.Code, refused.Error, reference));
    }

    static byte[] Ciphertext(JsonElement frame)
    {
        if (!frame.TryGetProperty("ciphertext", out var base64) || base64.ValueKind != JsonValueKind.String)
            throw new BadFrame("invalid_request", "\"ciphertext\" (base64) is required.");
        // Decoded from the frame's UTF-8 bytes, with no string in between. The frame's size limit bounds the work;
        // MessageSender and MessageActions check its size (a message with attachments may have no caption).
        if (!base64.TryGetBytesFromBase64(out var ciphertext)) throw new BadFrame("invalid_ciphertext", "ciphertext is not valid base64.");
        return ciphertext;
    }

    /// <summary>"emoji": a single emoji, or null to take the reaction back.</summary>
    static string? Emoji(JsonElement frame) =>
        !frame.TryGetProperty("emoji", out var e) || e.ValueKind == JsonValueKind.Null ? null
        : e.ValueKind == JsonValueKind.String ? e.GetString() : throw new BadFrame("invalid_emoji", "\"emoji\" must be a single emoji or null.");

    /// <summary>An edit, a delete or a reaction of "messageId": its result reaches every member (this session too) as a change event.</summary>
    async Task ChangeAsync(SocketSession session, JsonElement frame, CancellationToken ct, Func<Actions.MessageActions, long, Task<ChangeRefused?>> change)
    {
        var messageId = RequiredId(frame, "messageId");
        await using var scope = scopes.CreateAsyncScope();
        if (await change(scope.ServiceProvider.GetRequiredService<Actions.MessageActions>(), messageId) is { } refused)
            throw new BadFrame(refused.Code, refused.Error);
    }

    async Task ReceiptAsync(SocketSession session, JsonElement frame, CancellationToken ct)
    {
        var messageId = RequiredId(frame, "messageId");
        var kind = OptionalString(frame, "kind") switch
        {
            "delivered" => ReceiptKind.Delivered,
            "read" => ReceiptKind.Read,
            _ => throw new BadFrame("invalid_request", "\"kind\" must be \"delivered\" or \"read\"."),
        };
        await using var scope = scopes.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<Receipts>().MarkAsync(session.UserId, messageId, kind, ct);
        if (result is ReceiptResult.NotFound) throw new BadFrame("not_found", "No such message addressed to you.");
    }

    async Task TypingAsync(SocketSession session, JsonElement frame, CancellationToken ct)
    {
        var state = OptionalString(frame, "state");
        if (state is not ("start" or "stop")) throw new BadFrame("invalid_request", "\"state\" must be \"start\" or \"stop\".");
        if (OptionalId(frame, "conversationId") is { } group && OptionalId(frame, "toUserId") is null)
        {
            var target = TypingTarget.Group(group);
            if (state == "stop") await typing.StopAsync(session.UserId, target, ct);
            else if (await members.GetAsync(group, ct) is { Kind: Data.ConversationKind.Group } list && list.IsCurrentMember(session.UserId))
                await typing.StartAsync(session.UserId, target, ct);
            else throw new BadFrame("not_member", "You are not a member of this group.");
            return;
        }
        var to = RequiredId(frame, "toUserId");
        if (state == "stop")
        {
            await typing.StopAsync(session.UserId, TypingTarget.Peer(to), ct);
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var pair = await scope.ServiceProvider.GetRequiredService<PairConversations>().FindAsync(session.UserId, to, ct);
        if (pair is PairResult.WithSelf) throw new BadFrame("invalid_recipient", "You cannot type to yourself.");
        if (pair is PairResult.UnknownPeer) throw new BadFrame("unknown_recipient", "The recipient does not exist.");
        await typing.StartAsync(session.UserId, TypingTarget.Peer(to), ct);
    }

    /// <summary>{"since": {conversationId: lastSeq}}; absent means "from the beginning" for every conversation.</summary>
    static Dictionary<long, long> Since(JsonElement frame)
    {
        var since = new Dictionary<long, long>();
        if (!frame.TryGetProperty("since", out var map) || map.ValueKind == JsonValueKind.Null) return since;
        if (map.ValueKind != JsonValueKind.Object) throw new BadFrame("invalid_request", "\"since\" must be an object of conversationId: lastSeq.");
        foreach (var entry in map.EnumerateObject())
        {
            if (!Ids.TryParse(entry.Name, out var conversation)) throw new BadFrame("invalid_request", "\"since\" keys are conversation ids.");
            if (!TryLong(entry.Value, out var seq) || seq < 0) throw new BadFrame("invalid_request", "\"since\" values are seqs of 0 or more.");
            since[conversation] = seq;
        }
        return since;
    }

    /// <summary>Ids are strings on the wire; numbers are accepted too.</summary>
    static long RequiredId(JsonElement frame, string name)
    {
        if (frame.TryGetProperty(name, out var value) && TryLong(value, out var id) && id > 0) return id;
        throw new BadFrame("invalid_request", $"\"{name}\" must be an id.");
    }

    static long? OptionalId(JsonElement frame, string name) =>
        frame.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? RequiredId(frame, name) : null;

    static bool TryLong(JsonElement value, out long number)
    {
        number = 0;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out number),
            JsonValueKind.String => long.TryParse(value.GetString(), out number),
            _ => false,
        };
    }

    /// <summary>"attachments": the upload ids (POST /media) the message carries; their number is checked by the sender.</summary>
    static List<string>? AttachmentIds(JsonElement frame)
    {
        if (!frame.TryGetProperty("attachments", out var list) || list.ValueKind == JsonValueKind.Null) return null;
        if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || e.GetString()!.Length is 0 or > 32))
            throw new BadFrame("invalid_attachments", "\"attachments\" must be an array of upload ids.");
        return list.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    static string? OptionalString(JsonElement frame, string name) =>
        frame.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    public ValueTask RefuseAsync(SocketSession session, string code, string message) => session.SendAsync(new ErrorEvent(code, message, null));

    public Task WriteCaughtUpAsync(SocketSession session, MessageView message, CancellationToken ct) => WriteAsync(session, new MessageEvent(message), ct);

    public Task WriteCatchUpEndAsync(SocketSession session, Dictionary<long, long> positions, int sent, CancellationToken ct) =>
        WriteAsync(session, new SyncCompleteFrame(positions, sent), ct);

    // One JSON writer per thread, pointed at each frame's buffer in turn: serialising never awaits, so no two frames share it.
    [ThreadStatic] static Utf8JsonWriter? jsonWriter;

    /// <summary>Serialised into a pooled buffer, given back once sent: a frame leaves no array (and no writer) behind.</summary>
    public async Task WriteAsync(SocketSession session, object item, CancellationToken ct)
    {
        using var json = new PooledBuffer();
        var writer = jsonWriter ??= new Utf8JsonWriter(json);
        writer.Reset(json);
        JsonSerializer.Serialize(writer, item, item is ChatEvent ? typeof(ChatEvent) : item.GetType(), EventJson.Options); // flushes into json
        await session.WriteTextAsync(json.Written, ct);
    }
}
