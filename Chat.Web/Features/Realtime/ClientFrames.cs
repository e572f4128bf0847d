using System.Text.Json;
using Chat.Web.Features.Conversations;
using Chat.Web.Features.Messaging;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Realtime;

// Server → client frames that are replies rather than bus events. "type" comes first on the wire.
public sealed record ReadyFrame
{
    public string Type => "ready";
}

public sealed record AckFrame(string ClientMessageId, MessageView Message)
{
    public string Type => "ack";
}

/// <summary>The end of a sync replay, with the last seq of each conversation as of the replay.</summary>
public sealed record SyncCompleteFrame(Dictionary<string, long> Conversations, int Sent)
{
    public string Type => "sync-complete";
}

public sealed record ErrorFrame(string Code, string Error, string? Ref)
{
    public string Type => "error";
    public static ErrorFrame Of(string code, string error, string? @ref) => new(code, error, @ref);
}

/// <summary>
/// Handles one client frame: parses it, authorises it (the connection's user is the actor) and calls
/// the same Messaging services as the browser. Bad frames get an "error" frame, never a closed socket.
/// </summary>
public sealed class ClientFrameHandler(IServiceScopeFactory scopes, MessageSender sender, TypingSignals typing, ILogger<ClientFrameHandler> log)
{
    sealed class BadFrame(string code, string message) : Exception(message)
    {
        public string Code => code;
    }

    public async Task HandleAsync(SocketConnection connection, ReadOnlyMemory<byte> utf8, CancellationToken ct)
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
            if (type.ValueEquals("send-message"u8)) await SendMessageAsync(connection, frame, clientMessageId, reference, ct);
            else if (type.ValueEquals("receipt"u8)) await ReceiptAsync(connection, frame, ct);
            else if (type.ValueEquals("sync"u8)) await connection.ReplayAsync(Since(frame));
            else if (type.ValueEquals("typing"u8)) await TypingAsync(connection, frame, ct);
            else throw new BadFrame("unknown_type", $"Unknown frame type \"{Truncate(type.GetString()!)}\".");
        }
        catch (BadFrame e)
        {
            await connection.SendAsync(ErrorFrame.Of(e.Code, e.Message, reference));
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Our failure (the database went away, …): say so and keep the socket; the client may retry
            // with the same clientMessageId safely. The frame itself is not logged: it may carry a message.
            log.LogError(e, "A WebSocket frame of user {UserId} failed", connection.UserId);
            await connection.SendAsync(ServerError(reference));
        }
    }

    static ErrorFrame ServerError(string? reference) => ErrorFrame.Of("server_error", "The server could not handle this frame; try again.", reference);

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

    async Task SendMessageAsync(SocketConnection connection, JsonElement frame, string? clientMessageId, string? reference, CancellationToken ct)
    {
        var to = RequiredId(frame, "toUserId");
        long? conversationId = frame.TryGetProperty("conversationId", out var c) && c.ValueKind != JsonValueKind.Null ? RequiredId(frame, "conversationId") : null;
        if (!frame.TryGetProperty("ciphertext", out var base64) || base64.ValueKind != JsonValueKind.String)
            throw new BadFrame("invalid_request", "\"ciphertext\" (base64) is required.");
        // Decoded from the frame's UTF-8 bytes, with no string in between. The frame's size limit bounds the work;
        // MessageSender refuses what decodes to more than its limit.
        if (!base64.TryGetBytesFromBase64(out var ciphertext)) throw new BadFrame("invalid_ciphertext", "ciphertext is not valid base64.");

        var command = new SendCommand(connection.UserId, to, conversationId, ciphertext, clientMessageId, connection.Id,
            Committed: view => connection.TryReply(Ack(view)));
        // Queued in frame order; the outcome is answered when it comes, and the connection reads its next frame
        // meanwhile: a client may have many sends in flight, and they share the writer's batches.
        _ = ReplyWhenStoredAsync(connection, await sender.QueueAsync(command, ct), reference);
    }

    async Task ReplyWhenStoredAsync(SocketConnection connection, Task<SendResult> outcome, string? reference)
    {
        try
        {
            switch (await outcome)
            {
                case SendResult.Sent(var message, IsNew: false):
                    await connection.SendAsync(Ack(MessageView.From(message))); // a retry: the same ack again, nothing new stored or sent
                    break;
                case SendResult.Sent:
                    break; // acked in Committed
                case SendResult.Rejected(var code, var error):
                    await connection.SendAsync(ErrorFrame.Of(code, error, reference));
                    break;
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended meanwhile; the client learns the outcome by retrying or with sync.
        }
        catch (Exception e)
        {
            log.LogError(e, "A send of user {UserId} failed", connection.UserId);
            try { await connection.SendAsync(ServerError(reference)); }
            catch (OperationCanceledException) { }
        }
    }

    static AckFrame Ack(MessageView message) => new(message.ClientMessageId, message);

    async Task ReceiptAsync(SocketConnection connection, JsonElement frame, CancellationToken ct)
    {
        var messageId = RequiredId(frame, "messageId");
        var kind = OptionalString(frame, "kind") switch
        {
            "delivered" => ReceiptKind.Delivered,
            "read" => ReceiptKind.Read,
            _ => throw new BadFrame("invalid_request", "\"kind\" must be \"delivered\" or \"read\"."),
        };
        await using var scope = scopes.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<Receipts>().MarkAsync(connection.UserId, messageId, kind, ct);
        if (result is ReceiptResult.NotFound) throw new BadFrame("not_found", "No such message addressed to you.");
    }

    async Task TypingAsync(SocketConnection connection, JsonElement frame, CancellationToken ct)
    {
        var to = RequiredId(frame, "toUserId");
        var state = OptionalString(frame, "state");
        if (state is not ("start" or "stop")) throw new BadFrame("invalid_request", "\"state\" must be \"start\" or \"stop\".");
        if (state == "stop")
        {
            await typing.StopAsync(connection.UserId, to, ct);
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var pair = await scope.ServiceProvider.GetRequiredService<ConversationDirectory>().FindAsync(connection.UserId, to, ct);
        if (pair is PairResult.WithSelf) throw new BadFrame("invalid_recipient", "You cannot type to yourself.");
        if (pair is PairResult.UnknownPeer) throw new BadFrame("unknown_recipient", "The recipient does not exist.");
        await typing.StartAsync(connection.UserId, to, ct);
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

    static string? OptionalString(JsonElement frame, string name) =>
        frame.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
