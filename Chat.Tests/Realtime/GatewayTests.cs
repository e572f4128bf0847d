using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Realtime;

/// <summary>The JSON WebSocket protocol, event by event and error by error, on each storage provider.</summary>
public abstract class GatewayTests(RealtimeApp app)
{
    readonly ChatHost host = app.Host;
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<T> WithDb<T>(Func<ChatDbContext, Task<T>> query)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ChatDbContext>());
    }

    [Fact]
    public async Task A_valid_token_gets_ready_on_ws_and_on_the_root_path_and_in_the_header()
    {
        var user = await host.RegisterAsync();
        await using var byQuery = await SocketClient.ConnectAsync(host.Address, user.Token);
        await using var onRoot = await SocketClient.ConnectAsync(host.Address, user.Token, path: "/");
        await using var byHeader = await SocketClient.ConnectAsync(host.Address, user.Token, tokenInHeader: true);
        Assert.Equal("ready", byHeader.Received[0].Type());
    }

    [Fact]
    public async Task Ready_is_the_first_frame_even_while_events_for_the_user_are_arriving()
    {
        var bob = await host.RegisterAsync();
        var senders = new List<SocketClient>();
        for (var i = 0; i < 3; i++) senders.Add(await SocketClient.ConnectAsync(host, await host.RegisterAsync()));
        using var stop = new CancellationTokenSource();
        // Messages to Bob all the while: each new connection of his is registered for them before it is told "ready".
        var flowing = senders.Select((sender, i) => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                await sender.SendMessageAsync(bob.Id, $"flow-{i}-{n}");
                await Task.Delay(1, CancellationToken.None);
            }
        }, Ct)).ToList();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var bobSocket = await SocketClient.OpenAsync(host.Address, bob.Token);
                await bobSocket.TakeAsync("ready");
                await bobSocket.DropAsync(); // a close handshake while messages keep arriving trips up ClientWebSocket
                Assert.Equal("ready", bobSocket.Received[0].Type());
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(flowing);
            foreach (var sender in senders) await sender.DropAsync();
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-jwt")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.AAAA")]
    public async Task A_missing_or_bad_token_closes_with_4401(string? token)
    {
        await using var socket = await SocketClient.OpenAsync(host.Address, token);
        Assert.Equal((WebSocketCloseStatus)4401, await socket.ClosedAsync());
        Assert.DoesNotContain(socket.Received, f => f.Type() == "ready");
    }

    [Fact]
    public async Task A_revoked_token_closes_with_4401()
    {
        var user = await host.RegisterAsync();
        await WithDb(db => db.Users.Where(u => u.Id == long.Parse(user.Id)).ExecuteUpdateAsync(s => s.SetProperty(u => u.TokenVersion, u => u.TokenVersion + 1), Ct));
        await using var socket = await SocketClient.OpenAsync(host.Address, user.Token);
        Assert.Equal((WebSocketCloseStatus)4401, await socket.ClosedAsync());
    }

    [Fact]
    public async Task A_plain_get_of_the_root_still_serves_the_landing_page_and_ws_wants_an_upgrade()
    {
        using var client = host.Client();
        var root = await client.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Equal("text/html", root.Content.Headers.ContentType?.MediaType);
        var ws = await client.GetAsync("/ws", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, ws.StatusCode);
        Assert.Contains("\"error\"", await ws.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_send_is_acked_to_the_sender_and_delivered_to_the_recipient_and_the_senders_other_connections()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        await using var annPhone = await SocketClient.ConnectAsync(host, ann);
        await using var annLaptop = await SocketClient.ConnectAsync(host, ann);
        await using var bobPhone = await SocketClient.ConnectAsync(host, bob);

        var ack = await annPhone.SendAndAckAsync(bob.Id, "hello-1", "hi bob");
        var atBob = await bobPhone.TakeAsync("message");
        var atLaptop = await annLaptop.TakeAsync("message");

        Assert.Equal("hello-1", ack.Str("clientMessageId"));
        var message = ack.Message();
        Assert.Equal(1, message.GetProperty("seq").GetInt64());
        Assert.Equal(ann.Id, message.Str("senderId"));
        Assert.Equal(bob.Id, message.Str("receiverId"));
        Assert.Equal("hi bob", Encoding.UTF8.GetString(Convert.FromBase64String(message.Str("ciphertext")!)));
        Assert.Equal(message.ToString(), atBob.Message().ToString());
        Assert.Equal(message.ToString(), atLaptop.Message().ToString());
        Assert.Equal(0, await annPhone.CountAfterAsync(FrameExtensions.IsMessage, TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task The_same_client_message_id_five_times_stores_one_row_acks_five_times_alike_and_delivers_once()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var bobSocket = await SocketClient.ConnectAsync(host, bob);

        for (var i = 0; i < 4; i++) await annSocket.SendMessageAsync(bob.Id, "retry-me", "once");
        // The original API's name for the same thing.
        await annSocket.SendAsync(new { type = "send-message", toUserId = bob.Id, ciphertext = Convert.ToBase64String("once"u8.ToArray()), dedupeKey = "retry-me" });
        var acks = await annSocket.WaitForCountAsync(f => f.Type() == "ack", 5);

        Assert.Single(acks.Select(a => a.ToString()).Distinct());
        Assert.Equal(1, await WithDb(db => db.Messages.CountAsync(m => m.SenderId == long.Parse(ann.Id) && m.ClientMessageId == "retry-me", Ct)));
        await bobSocket.TakeAsync("message");
        Assert.Equal(1, await bobSocket.CountAfterAsync(FrameExtensions.IsMessage, TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task Sends_to_nobody_to_yourself_or_into_someone_elses_conversation_are_refused_and_the_socket_stays_open()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        var cat = await host.RegisterAsync();
        var bobAndCat = await Conversations.IdAsync(host, bob, cat);
        await using var socket = await SocketClient.ConnectAsync(host, ann);

        async Task<string?> RefusalAsync(object frame, string reference)
        {
            await socket.SendAsync(frame);
            return (await socket.TakeAsync(f => f.Type() == "error" && f.Str("ref") == reference)).Str("code");
        }
        string B64(int bytes) => Convert.ToBase64String(new byte[bytes]);

        Assert.Equal("unknown_recipient", await RefusalAsync(new { type = "send-message", toUserId = "999999999", ciphertext = B64(8), clientMessageId = "r1" }, "r1"));
        Assert.Equal("invalid_recipient", await RefusalAsync(new { type = "send-message", toUserId = ann.Id, ciphertext = B64(8), clientMessageId = "r2" }, "r2"));
        // Bob and Cat's conversation id, sent to Bob and sent to Cat: both refused.
        Assert.Equal("conversation_mismatch", await RefusalAsync(new { type = "send-message", toUserId = bob.Id, conversationId = bobAndCat, ciphertext = B64(8), clientMessageId = "r3" }, "r3"));
        Assert.Equal("conversation_mismatch", await RefusalAsync(new { type = "send-message", toUserId = cat.Id, conversationId = bobAndCat, ciphertext = B64(8), clientMessageId = "r4" }, "r4"));
        Assert.Equal("invalid_ciphertext", await RefusalAsync(new { type = "send-message", toUserId = bob.Id, ciphertext = "%%% not base64", clientMessageId = "r5" }, "r5"));
        Assert.Equal("invalid_ciphertext", await RefusalAsync(new { type = "send-message", toUserId = bob.Id, ciphertext = B64(64 * 1024 + 1), clientMessageId = "r6" }, "r6"));
        Assert.Equal("invalid_ciphertext", await RefusalAsync(new { type = "send-message", toUserId = bob.Id, ciphertext = "", clientMessageId = "r7" }, "r7"));

        Assert.Equal(0, await WithDb(db => db.Messages.CountAsync(m => m.SenderId == long.Parse(ann.Id), Ct)));
        Assert.Equal(0, await WithDb(db => db.Messages.CountAsync(m => m.ConversationId == long.Parse(bobAndCat), Ct)));
        // Exactly 64 KB is allowed, and the socket is still open after all of that.
        var ack = await socket.SendAndAckAsync(bob.Id, "ok", new string('x', 64 * 1024));
        Assert.Equal(1, ack.Message().GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task A_ciphertext_written_with_json_escapes_arrives_as_the_same_bytes()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var bobSocket = await SocketClient.ConnectAsync(host, bob);
        // Bytes whose base64 holds '+' and '/', written the way some JSON encoders write them ("\u002B", "\/"):
        // the server decodes the JSON string, not the frame's raw bytes.
        byte[] bytes = [0xfb, 0xff, 0xbf, 0x01, 0x02, 0x03];
        var base64 = Convert.ToBase64String(bytes);
        Assert.Contains('+', base64);
        Assert.Contains('/', base64);
        var escaped = base64.Replace("+", "\\u002B").Replace("/", "\\/");
        await annSocket.SendTextAsync($$"""{"type":"send-message","toUserId":"{{bob.Id}}","clientMessageId":"esc-1","ciphertext":"{{escaped}}"}""");

        var ack = await annSocket.TakeAsync(f => f.Type() == "ack" || f.Type() == "error");
        Assert.Equal("ack", ack.Type());
        Assert.Equal(base64, ack.Message().Str("ciphertext"));
        Assert.Equal(base64, (await bobSocket.TakeAsync("message")).Message().Str("ciphertext"));
        var stored = await WithDb(db => db.Messages.SingleAsync(m => m.SenderId == long.Parse(ann.Id), Ct));
        Assert.Equal(bytes, stored.Ciphertext);
    }

    [Fact]
    public async Task Malformed_json_an_unknown_type_and_missing_fields_get_an_error_and_the_socket_stays_open()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        await using var socket = await SocketClient.ConnectAsync(host, ann);

        async Task<JsonElement> ErrorAfterAsync(string text)
        {
            await socket.SendTextAsync(text);
            return await socket.TakeAsync("error");
        }

        Assert.Equal("invalid_json", (await ErrorAfterAsync("{not json")).Str("code"));
        Assert.Equal("invalid_request", (await ErrorAfterAsync("[1,2,3]")).Str("code"));
        Assert.Equal("invalid_request", (await ErrorAfterAsync("{\"toUserId\":\"1\"}")).Str("code"));
        var unknown = await ErrorAfterAsync("{\"type\":\"launch-missiles\",\"ref\":\"x1\"}");
        Assert.Equal(("unknown_type", "x1"), (unknown.Str("code"), unknown.Str("ref")));
        Assert.Equal("invalid_request", (await ErrorAfterAsync("{\"type\":\"send-message\",\"ciphertext\":\"AAAA\"}")).Str("code"));
        Assert.Equal("invalid_request", (await ErrorAfterAsync($"{{\"type\":\"send-message\",\"toUserId\":\"{bob.Id}\"}}")).Str("code"));
        Assert.Equal("invalid_request", (await ErrorAfterAsync("{\"type\":\"receipt\",\"kind\":\"read\"}")).Str("code"));
        Assert.Equal("invalid_request", (await ErrorAfterAsync("{\"type\":\"receipt\",\"messageId\":\"1\",\"kind\":\"seen\"}")).Str("code"));
        Assert.Equal("invalid_request", (await ErrorAfterAsync("{\"type\":\"typing\",\"toUserId\":\"1\",\"state\":\"maybe\"}")).Str("code"));
        Assert.Equal("invalid_request", (await ErrorAfterAsync("{\"type\":\"sync\",\"since\":{\"abc\":1}}")).Str("code"));
        Assert.Equal("invalid_request", (await ErrorAfterAsync("{\"type\":\"sync\",\"since\":[1]}")).Str("code"));
        await socket.SendBinaryAsync([1, 2, 3]);
        Assert.Equal("unsupported_frame", (await socket.TakeAsync("error")).Str("code"));

        await socket.SendAndAckAsync(bob.Id, "still-open");
    }

    [Fact]
    public async Task A_frame_over_the_limit_closes_with_1009()
    {
        var ann = await host.RegisterAsync();
        await using var socket = await SocketClient.ConnectAsync(host, ann);
        await socket.SendTextAsync("{\"type\":\"send-message\",\"ciphertext\":\"" + new string('A', 100 * 1024) + "\"}");
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await socket.ClosedAsync());
    }

    [Fact]
    public async Task Receipts_reach_the_sender_once_per_step_and_only_the_recipient_may_set_them()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        var cat = await host.RegisterAsync();
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var bobSocket = await SocketClient.ConnectAsync(host, bob);
        await using var catSocket = await SocketClient.ConnectAsync(host, cat);
        var messageId = (await annSocket.SendAndAckAsync(bob.Id, "m1")).Message().Str("id")!;

        await bobSocket.SendAsync(new { type = "receipt", messageId, kind = "delivered" });
        var delivered = await annSocket.TakeAsync("receipt");
        Assert.Equal((messageId, "delivered"), (delivered.Str("messageId"), delivered.Str("kind")));
        await bobSocket.SendAsync(new { type = "receipt", messageId, kind = "delivered" });
        await bobSocket.SendAsync(new { type = "receipt", messageId, kind = "read" });
        var read = await annSocket.TakeAsync("receipt");
        Assert.Equal("read", read.Str("kind"));
        Assert.True(read.TryGetProperty("at", out _));
        await bobSocket.SendAsync(new { type = "receipt", messageId, kind = "read" });
        await bobSocket.SendAsync(new { type = "receipt", messageId, kind = "delivered" });

        // Someone else's message: the sender and a stranger are refused alike.
        await annSocket.SendAsync(new { type = "receipt", messageId, kind = "read", @ref = "own" });
        await catSocket.SendAsync(new { type = "receipt", messageId, kind = "read", @ref = "stranger" });
        Assert.Equal("not_found", (await annSocket.TakeAsync(f => f.Str("ref") == "own")).Str("code"));
        Assert.Equal("not_found", (await catSocket.TakeAsync(f => f.Str("ref") == "stranger")).Str("code"));

        Assert.Equal(2, await annSocket.CountAfterAsync(f => f.Type() == "receipt", TimeSpan.FromMilliseconds(500)));
        var stored = await WithDb(db => db.Messages.AsNoTracking().SingleAsync(m => m.Id == long.Parse(messageId), Ct));
        Assert.NotNull(stored.DeliveredAt);
        Assert.NotNull(stored.ReadAt);
    }

    [Fact]
    public async Task Sync_replays_what_was_missed_in_seq_order_including_unlisted_conversations_then_completes()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        var cat = await host.RegisterAsync();
        await using (var annSocket = await SocketClient.ConnectAsync(host, ann))
            for (var i = 1; i <= 4; i++) await annSocket.SendAndAckAsync(bob.Id, $"a{i}");
        await using (var catSocket = await SocketClient.ConnectAsync(host, cat))
            for (var i = 1; i <= 3; i++) await catSocket.SendAndAckAsync(bob.Id, $"c{i}");
        var annAndBob = await Conversations.IdAsync(host, bob, ann);
        var catAndBob = await Conversations.IdAsync(host, bob, cat);
        // Someone else's conversation, named in the sync: nothing of it is replayed.
        await using (var annSocket = await SocketClient.ConnectAsync(host, ann))
            await annSocket.SendAndAckAsync(cat.Id, "not-for-bob");
        var annAndCat = await Conversations.IdAsync(host, ann, cat);

        await using var bobSocket = await SocketClient.ConnectAsync(host, bob);
        await bobSocket.SendAsync(new { type = "sync", since = new Dictionary<string, long> { [annAndBob] = 1, [annAndCat] = 0 } });
        var complete = await bobSocket.TakeAsync("sync-complete");

        var replayed = bobSocket.Received.Where(FrameExtensions.IsMessage).Select(f => (f.Message().Str("conversationId"), f.Seq())).ToList();
        Assert.Equal([(annAndBob, 2L), (annAndBob, 3L), (annAndBob, 4L)], replayed.Where(r => r.Item1 == annAndBob));
        Assert.Equal([(catAndBob, 1L), (catAndBob, 2L), (catAndBob, 3L)], replayed.Where(r => r.Item1 == catAndBob));
        Assert.Equal(6, replayed.Count);
        Assert.DoesNotContain(replayed, r => r.Item1 == annAndCat);
        Assert.Equal(4, complete.GetProperty("conversations").GetProperty(annAndBob).GetInt64());
        Assert.Equal(3, complete.GetProperty("conversations").GetProperty(catAndBob).GetInt64());

        // Up to date: a second sync sends nothing but the marker.
        await bobSocket.SendAsync(new { type = "sync", since = new Dictionary<string, long> { [annAndBob] = 4, [catAndBob] = 3 } });
        Assert.Equal(0, (await bobSocket.TakeAsync("sync-complete")).GetProperty("sent").GetInt32());
    }

    [Fact]
    public async Task Typing_reaches_the_peer_and_stop_follows()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var bobSocket = await SocketClient.ConnectAsync(host, bob);

        await annSocket.SendAsync(new { type = "typing", toUserId = bob.Id, state = "start" });
        var start = await bobSocket.TakeAsync("typing");
        Assert.Equal((ann.Id, "start"), (start.Str("fromUserId"), start.Str("state")));
        await annSocket.SendAsync(new { type = "typing", toUserId = bob.Id, state = "stop" });
        Assert.Equal("stop", (await bobSocket.TakeAsync("typing")).Str("state"));

        await annSocket.SendAsync(new { type = "typing", toUserId = ann.Id, state = "start", @ref = "self" });
        Assert.Equal("invalid_recipient", (await annSocket.TakeAsync("error")).Str("code"));
        await annSocket.SendAsync(new { type = "typing", toUserId = "999999999", state = "start" });
        Assert.Equal("unknown_recipient", (await annSocket.TakeAsync("error")).Str("code"));
    }

    [Fact]
    public async Task Presence_goes_online_with_the_first_connection_and_offline_with_the_last_storing_last_seen()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        await Conversations.IdAsync(host, ann, bob);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);

        var bobPhone = await SocketClient.ConnectAsync(host, bob);
        var online = await annSocket.TakeAsync("presence");
        Assert.Equal((bob.Id, true), (online.Str("userId"), online.GetProperty("online").GetBoolean()));
        var bobLaptop = await SocketClient.ConnectAsync(host, bob);
        await bobPhone.CloseAsync();
        Assert.Equal(1, await annSocket.CountAfterAsync(f => f.Type() == "presence", TimeSpan.FromMilliseconds(500)));

        await bobLaptop.CloseAsync();
        var offline = await annSocket.TakeAsync("presence");
        Assert.False(offline.GetProperty("online").GetBoolean());
        var lastSeen = offline.GetProperty("lastSeenAt").GetDateTime();
        var stored = await WithDb(db => db.Users.Where(u => u.Id == long.Parse(bob.Id)).Select(u => u.LastSeenAt).SingleAsync(Ct));
        Assert.Equal(lastSeen.ToUniversalTime(), stored);
        await bobPhone.DisposeAsync();
        await bobLaptop.DisposeAsync();
    }

    [Fact]
    public async Task A_new_account_is_announced_to_connected_users_with_public_fields_only()
    {
        var ann = await host.RegisterAsync();
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var dan = await host.RegisterAsync("Dan <b>");
        var announced = await annSocket.TakeAsync(f => f.Type() == "user-registered" && f.GetProperty("user").Str("id") == dan.Id);
        var user = announced.GetProperty("user");
        Assert.Equal((dan.Phone, "Dan <b>"), (user.Str("phone"), user.Str("displayName")));
        Assert.False(string.IsNullOrEmpty(user.Str("identityKey")));
        var fields = user.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Empty(fields.Intersect(["passwordHash", "isAdmin", "preKeys", "tokenVersion"]));
    }

    [Fact]
    public async Task Reading_a_conversation_up_to_a_seq_tells_the_sender_once_per_message()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        var conversation = long.Parse(await Conversations.IdAsync(host, ann, bob));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        for (var i = 1; i <= 4; i++) await annSocket.SendAndAckAsync(bob.Id, $"r{i}");

        await using var scope = host.Services.CreateAsyncScope();
        var receipts = scope.ServiceProvider.GetRequiredService<Chat.Web.Features.Messaging.Receipts>();
        await receipts.MarkReadUpToAsync(long.Parse(bob.Id), conversation, 3, Ct);
        await receipts.MarkReadUpToAsync(long.Parse(bob.Id), conversation, 3, Ct);
        await receipts.MarkReadUpToAsync(long.Parse(ann.Id), conversation, 4, Ct); // her own messages: not hers to mark
        Assert.Equal([1L, 2L, 3L], await WithDb(db => db.Messages.Where(m => m.ConversationId == conversation && m.ReadAt != null)
            .OrderBy(m => m.Seq).Select(m => m.Seq).ToListAsync(Ct)));

        var read = await annSocket.WaitForCountAsync(f => f.Type() == "receipt", 3);
        Assert.Equal([1L, 2L, 3L], read.Select(r => r.GetProperty("seq").GetInt64()));
        Assert.Equal(3, await annSocket.CountAfterAsync(f => f.Type() == "receipt", TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task A_stream_subscriber_gets_the_same_events_as_the_socket()
    {
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        var registry = host.Services.GetRequiredService<Chat.Web.Features.Realtime.ConnectionRegistry>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromSeconds(15));
        await using var events = registry.SubscribeAsync(long.Parse(bob.Id), stop.Token).GetAsyncEnumerator(stop.Token);
        var next = events.MoveNextAsync(); // subscribes
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await annSocket.SendAndAckAsync(bob.Id, "to-the-stream", "psst");

        Assert.True(await next);
        var message = Assert.IsType<Chat.Web.Features.Messaging.MessageEvent>(events.Current);
        Assert.Equal(ann.Id, message.Message.SenderId);
    }
}

public sealed class GatewayOnPostgres(RealtimePostgresApp app) : GatewayTests(app), IClassFixture<RealtimePostgresApp>;

public sealed class GatewayOnSqlite(RealtimeSqliteApp app) : GatewayTests(app), IClassFixture<RealtimeSqliteApp>;
