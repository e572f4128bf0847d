using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Chat.Tests.Realtime;

namespace Chat.Tests.Groups;

/// <summary>Groups over the JSON API and socket, on each storage provider: membership, delivery, receipts, typing and the errors.</summary>
public abstract class GroupTests(RealtimeApp app)
{
    readonly ChatHost host = app.Host;
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_group_message_is_stored_once_reaches_every_member_in_seq_order_and_a_retry_is_the_same_message()
    {
        var (ann, bea, cat) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var beaSocket = await SocketClient.ConnectAsync(host, bea);
        await using var catSocket = await SocketClient.ConnectAsync(host, cat);
        var group = await GroupApi.CreateAsync(host, ann, "Trip", bea, cat);

        foreach (var socket in new[] { annSocket, beaSocket, catSocket })
        {
            var created = await socket.TakeAsync(f => f.IsSystem("created"));
            Assert.Equal((group, 1L, "Trip"), (created.Message().Str("conversationId"), created.Seq(), created.Message().GetProperty("system").Str("name")));
        }
        var first = await annSocket.SendAndAckAsync(null, "g-1", "hello all", conversationId: group);
        await beaSocket.SendAndAckAsync(null, "g-2", "hi", conversationId: group);
        Assert.Equal(2, first.Seq());
        Assert.Equal(JsonValueKind.Null, first.Message().GetProperty("receiverId").ValueKind);
        foreach (var (socket, from) in new[] { (beaSocket, "g-1"), (catSocket, "g-1"), (catSocket, "g-2"), (annSocket, "g-2") })
            Assert.Equal(from, (await socket.TakeAsync(f => f.IsMessage() && f.Message().Str("clientMessageId") == from)).Message().Str("clientMessageId"));

        var retry = await annSocket.SendAndAckAsync(null, "g-1", "hello all", conversationId: group);
        Assert.Equal(first.Message().Str("id"), retry.Message().Str("id"));
        Assert.Equal(1, await catSocket.CountAfterAsync(f => f.IsMessage() && f.Message().Str("clientMessageId") == "g-1", TimeSpan.FromMilliseconds(300))); // the first only
        Assert.Equal("1,2,3", string.Join(",", await GroupApi.SeqsAsync(host, cat, group)));
    }

    [Fact]
    public async Task A_removed_member_gets_nothing_new_cannot_send_and_keeps_the_history_up_to_the_removal()
    {
        var (ann, bea, cat) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"));
        var group = await GroupApi.CreateAsync(host, ann, "Club", bea, cat);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var catSocket = await SocketClient.ConnectAsync(host, cat);
        await annSocket.SendAndAckAsync(null, "before", conversationId: group);

        Assert.Equal(HttpStatusCode.OK, (await GroupApi.RemoveAsync(host, ann, group, cat.Id)).StatusCode);
        var removed = await catSocket.TakeAsync(f => f.IsSystem("removed"));
        Assert.Equal(3, removed.Seq());
        await annSocket.SendAndAckAsync(null, "after", conversationId: group);
        Assert.Equal(0, await catSocket.CountAfterAsync(f => f.IsMessage() && f.Message().Str("clientMessageId") == "after", TimeSpan.FromMilliseconds(500)));

        await catSocket.SendMessageAsync(null, "from-cat", conversationId: group);
        var refused = await catSocket.TakeAsync(f => f.Type() == "error" && f.Str("ref") == "from-cat");
        Assert.Equal("not_member", refused.Str("code"));
        Assert.Equal([1L, 2L, 3L], await GroupApi.SeqsAsync(host, cat, group));
        Assert.Equal([1L, 2L, 3L, 4L], await GroupApi.SeqsAsync(host, ann, group));

        // A sync brings the removed member nothing after their removal.
        await catSocket.SendAsync(new { type = "sync", since = new Dictionary<string, long> { [group] = 0 } });
        var done = await catSocket.TakeAsync("sync-complete");
        Assert.Equal(3, done.GetProperty("conversations").GetProperty(group).GetInt64());
        Assert.DoesNotContain(catSocket.Received, f => f.IsMessage() && f.Seq() == 4);
    }

    [Fact]
    public async Task A_new_member_sees_the_history_from_joining_and_sync_after_a_reconnect_brings_exactly_what_was_missed()
    {
        var (ann, bea, dan) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Dan"));
        var group = await GroupApi.CreateAsync(host, ann, "Old friends", bea);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await annSocket.SendAndAckAsync(null, "old", conversationId: group);
        Assert.Equal(HttpStatusCode.OK, (await GroupApi.AddAsync(host, ann, group, dan.Id)).StatusCode);
        Assert.Equal([3L], await GroupApi.SeqsAsync(host, dan, group)); // "Ann added Dan" and on

        var danSocket = await SocketClient.ConnectAsync(host, dan);
        await annSocket.SendAndAckAsync(null, "live", conversationId: group);
        Assert.Equal(4, (await danSocket.TakeAsync(f => f.IsMessage())).Seq());
        await danSocket.DropAsync();
        await danSocket.DisposeAsync();
        for (var i = 0; i < 5; i++) await annSocket.SendAndAckAsync(null, $"missed-{i}", conversationId: group);

        await using var again = await SocketClient.ConnectAsync(host, dan);
        await again.SendAsync(new { type = "sync", since = new Dictionary<string, long> { [group] = 4 } });
        var done = await again.TakeAsync("sync-complete");
        Assert.Equal([5L, 6L, 7L, 8L, 9L], again.Received.Where(f => f.IsMessage()).Select(f => f.Seq()));
        Assert.Equal(9, done.GetProperty("conversations").GetProperty(group).GetInt64());

        // A full sync starts at joining, never before.
        await again.SendAsync(new { type = "sync" });
        await again.TakeAsync("sync-complete");
        Assert.DoesNotContain(again.Received, f => f.IsMessage() && f.Seq() < 3);
    }

    [Fact]
    public async Task Receipts_are_per_member_and_the_sender_hears_read_only_when_every_member_has_read()
    {
        var (ann, bea, cat, eve) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"), await host.RegisterAsync("Eve"));
        var group = await GroupApi.CreateAsync(host, ann, "Readers", bea, cat);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var beaSocket = await SocketClient.ConnectAsync(host, bea);
        await using var catSocket = await SocketClient.ConnectAsync(host, cat);
        await using var eveSocket = await SocketClient.ConnectAsync(host, eve);
        var sent = await annSocket.SendAndAckAsync(null, "read-me", conversationId: group);
        var id = sent.Message().Str("id");

        await eveSocket.SendAsync(new { type = "receipt", messageId = id, kind = "read", @ref = "eve" });
        Assert.Equal("not_found", (await eveSocket.TakeAsync("error")).Str("code"));
        await annSocket.SendAsync(new { type = "receipt", messageId = id, kind = "read", @ref = "own" });
        Assert.Equal("not_found", (await annSocket.TakeAsync("error")).Str("code"));

        await beaSocket.SendAsync(new { type = "receipt", messageId = id, kind = "read" });
        // Receipts have no ack: wait until message info shows Bea's read, then check that it was hers alone.
        Dictionary<string, JsonValueKind> states = [];
        for (var tries = 0; tries < 100 && states.GetValueOrDefault("Bea") != JsonValueKind.String; tries++)
        {
            if (tries > 0) await Task.Delay(50, Ct);
            var info = await GroupApi.GetAsync(host, ann, $"/messages/{id}/info");
            states = info.GetProperty("recipients").EnumerateArray().ToDictionary(r => r.Str("displayName")!, r => r.GetProperty("readAt").ValueKind);
        }
        Assert.Equal(JsonValueKind.String, states["Bea"]);
        Assert.Equal(JsonValueKind.Null, states["Cat"]);
        Assert.Equal(0, await annSocket.CountAfterAsync(f => f.Type() == "receipt", TimeSpan.FromMilliseconds(300)));

        await catSocket.SendAsync(new { type = "receipt", messageId = id, kind = "read" });
        var receipt = await annSocket.TakeAsync("receipt");
        Assert.Equal((id, "read", cat.Id), (receipt.Str("messageId"), receipt.Str("kind"), receipt.Str("readerId")));
        using var client = host.Client(bea.Token);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/messages/{id}/info", Ct)).StatusCode); // the sender's only

        // Unread counts are each member's own.
        await annSocket.SendAndAckAsync(null, "unread-1", conversationId: group);
        var beaList = await GroupApi.GetAsync(host, bea, "/conversations");
        var entry = beaList.GetProperty("items").EnumerateArray().First(e => e.Str("id") == group);
        Assert.Equal((1, "group", "Readers", 3), (entry.GetProperty("unread").GetInt32(), entry.Str("kind"), entry.Str("name"), entry.GetProperty("memberCount").GetInt32()));
        var annEntry = (await GroupApi.GetAsync(host, ann, "/conversations")).GetProperty("items").EnumerateArray().First(e => e.Str("id") == group);
        Assert.Equal(0, annEntry.GetProperty("unread").GetInt32());
    }

    [Fact]
    public async Task A_read_by_the_last_member_to_get_a_message_completes_its_delivered_mark_too()
    {
        // Cat's device reports the message delivered first; Bea, whose conversation is open, reports it read straight away.
        var (ann, bea, cat) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"));
        var group = await GroupApi.CreateAsync(host, ann, "Last to get it", bea, cat);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var beaSocket = await SocketClient.ConnectAsync(host, bea);
        await using var catSocket = await SocketClient.ConnectAsync(host, cat);
        var id = (await annSocket.SendAndAckAsync(null, "delivered-by-a-read", conversationId: group)).Message().Str("id");

        await catSocket.SendAsync(new { type = "receipt", messageId = id, kind = "delivered" });
        var delivered = false;
        for (var tries = 0; tries < 100 && !delivered; tries++)
        {
            if (tries > 0) await Task.Delay(50, Ct);
            var info = await GroupApi.GetAsync(host, ann, $"/messages/{id}/info");
            delivered = info.GetProperty("recipients").EnumerateArray().Single(r => r.Str("displayName") == "Cat").GetProperty("delivered").GetBoolean();
        }
        Assert.True(delivered);
        Assert.Equal(0, await annSocket.CountAfterAsync(f => f.Type() == "receipt", TimeSpan.FromMilliseconds(300)));

        await beaSocket.SendAsync(new { type = "receipt", messageId = id, kind = "read" });
        var receipt = await annSocket.TakeAsync("receipt");
        Assert.Equal((id, "delivered", bea.Id), (receipt.Str("messageId"), receipt.Str("kind"), receipt.Str("readerId")));
        await catSocket.SendAsync(new { type = "receipt", messageId = id, kind = "read" });
        receipt = await annSocket.TakeAsync("receipt");
        Assert.Equal((id, "read", cat.Id), (receipt.Str("messageId"), receipt.Str("kind"), receipt.Str("readerId")));
        Assert.Equal(2, await annSocket.CountAfterAsync(f => f.Type() == "receipt", TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Typing_in_a_group_reaches_the_other_members_with_the_typist_named()
    {
        var (ann, bea, eve) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Eve"));
        var group = await GroupApi.CreateAsync(host, ann, "Typists", bea);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var beaSocket = await SocketClient.ConnectAsync(host, bea);
        await using var eveSocket = await SocketClient.ConnectAsync(host, eve);

        await annSocket.SendAsync(new { type = "typing", conversationId = group, state = "start" });
        var typing = await beaSocket.TakeAsync("typing");
        Assert.Equal((ann.Id, group, "start"), (typing.Str("fromUserId"), typing.Str("conversationId"), typing.Str("state")));
        Assert.Equal(0, await annSocket.CountAfterAsync(f => f.Type() == "typing", TimeSpan.FromMilliseconds(300)));

        await eveSocket.SendAsync(new { type = "typing", conversationId = group, state = "start", @ref = "t" });
        Assert.Equal("not_member", (await eveSocket.TakeAsync("error")).Str("code"));
        Assert.Equal(0, await beaSocket.CountAfterAsync(f => f.Type() == "typing" && f.Str("fromUserId") == eve.Id, TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Admins_manage_members_and_the_last_admin_leaving_promotes_the_longest_standing_member()
    {
        var (ann, bea, cat, dan) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"), await host.RegisterAsync("Dan"));
        var group = await GroupApi.CreateAsync(host, ann, "Team", bea, cat);
        using var asBea = host.Client(bea.Token);
        Assert.Equal(HttpStatusCode.Forbidden, (await GroupApi.RemoveAsync(host, bea, group, cat.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GroupApi.AddAsync(host, bea, group, dan.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asBea.PatchAsJsonAsync($"/groups/{group}", new { name = "Mine" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GroupApi.AddAsync(host, dan, group, dan.Id)).StatusCode); // not a member: no such group

        using var asAnn = host.Client(ann.Token);
        var renamed = await asAnn.PatchAsJsonAsync($"/groups/{group}", new { name = "Team Blue" }, Ct);
        Assert.Equal("Team Blue", (await renamed.Content.ReadFromJsonAsync<JsonElement>(Ct)).Str("name"));
        Assert.Equal(HttpStatusCode.OK, (await GroupApi.AddAsync(host, ann, group, dan.Id)).StatusCode);

        // Bea joined at the start, Dan later: Bea becomes admin when Ann leaves.
        Assert.Equal(HttpStatusCode.OK, (await GroupApi.LeaveAsync(host, ann, group)).StatusCode);
        var view = await GroupApi.GetAsync(host, bea, $"/groups/{group}");
        var roles = view.GetProperty("members").EnumerateArray().ToDictionary(m => m.Str("displayName")!, m => m.Str("role"));
        Assert.Equal(new Dictionary<string, string?> { ["Bea"] = "admin", ["Cat"] = "member", ["Dan"] = "member" }, roles);
        var actions = (await GroupApi.GetAsync(host, bea, $"/groups/{group}/messages?afterSeq=0")).GetProperty("items").EnumerateArray()
            .Select(m => m.GetProperty("system").Str("action")).ToList();
        Assert.Equal(["created", "renamed", "added", "left", "promoted"], actions);
        Assert.True((await GroupApi.GetAsync(host, ann, $"/groups/{group}")).GetProperty("left").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await asBea.PostAsync($"/groups/{group}/members/{cat.Id}/promote", null, Ct)).StatusCode);
    }

    [Fact]
    public async Task Bad_group_requests_get_a_clear_4xx_and_change_nothing()
    {
        var (ann, bea) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"));
        using var client = host.Client(ann.Token);
        async Task<(HttpStatusCode, string?)> Create(object body)
        {
            var response = await client.PostAsJsonAsync("/groups", body, Ct);
            var error = response.Content.Headers.ContentType?.MediaType == "application/json" ? (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).Str("error") : null;
            return (response.StatusCode, error);
        }
        Assert.Equal((HttpStatusCode.BadRequest, "One of the users does not exist."), await Create(new { name = "G", memberIds = new[] { "999999999" } }));
        Assert.Equal(HttpStatusCode.BadRequest, (await Create(new { name = "", memberIds = new[] { bea.Id } })).Item1);
        Assert.Equal(HttpStatusCode.BadRequest, (await Create(new { name = "G", memberIds = new[] { "abc" } })).Item1);
        var (status, _) = await Create(new { name = new string('x', 100_000), memberIds = new[] { bea.Id } });
        Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, $"a 100 KB name: {status}");
        Assert.Equal(0, (await GroupApi.GetAsync(host, ann, "/conversations")).GetProperty("items").GetArrayLength());

        var group = await GroupApi.CreateAsync(host, ann, "Fine", bea);
        var unknown = await GroupApi.AddAsync(host, ann, group, "999999999");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/groups/999999999", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/groups/not-an-id/messages", Ct)).StatusCode);
        Assert.Equal([1L], await GroupApi.SeqsAsync(host, ann, group)); // the refusals took no seq

        Assert.Equal(HttpStatusCode.OK, (await GroupApi.LeaveAsync(host, bea, group)).StatusCode);
        await using var beaSocket = await SocketClient.ConnectAsync(host, bea);
        await beaSocket.SendMessageAsync(null, "after-leaving", conversationId: group);
        Assert.Equal("not_member", (await beaSocket.TakeAsync("error")).Str("code"));
        await beaSocket.SendMessageAsync(null, "nowhere", conversationId: "999999999");
        Assert.Equal("not_member", (await beaSocket.TakeAsync(f => f.Type() == "error" && f.Str("ref") == "nowhere")).Str("code"));
    }

    [Fact]
    public async Task The_member_cap_holds()
    {
        await using var small = await ChatHost.StartAsync(app.Servers, app.Storage, s => s["GROUP_MAX_MEMBERS"] = "3");
        var (ann, bea, cat, dan) = (await small.RegisterAsync(), await small.RegisterAsync(), await small.RegisterAsync(), await small.RegisterAsync());
        using var client = small.Client(ann.Token);
        var tooMany = await client.PostAsJsonAsync("/groups", new { name = "Big", memberIds = new[] { bea.Id, cat.Id, dan.Id } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        var group = await GroupApi.CreateAsync(small, ann, "Three", bea, cat);
        Assert.Equal(HttpStatusCode.BadRequest, (await GroupApi.AddAsync(small, ann, group, dan.Id)).StatusCode);
        Assert.Equal(3, (await GroupApi.GetAsync(small, ann, $"/groups/{group}")).GetProperty("memberCount").GetInt32());
    }

    [Fact]
    public async Task My_conversations_list_pairs_and_groups_newest_activity_first_in_pages()
    {
        var (ann, bea, cat) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await annSocket.SendAndAckAsync(bea.Id, "to-bea");
        var group = await GroupApi.CreateAsync(host, ann, "Newest", bea, cat);
        await annSocket.SendAndAckAsync(cat.Id, "to-cat");

        var first = await GroupApi.GetAsync(host, ann, "/conversations?limit=2");
        var items = first.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["direct", "group"], items.Select(i => i.Str("kind")));
        Assert.Equal(cat.Id, items[0].GetProperty("peer").Str("id"));
        Assert.Equal(group, items[1].Str("id"));
        var rest = await GroupApi.GetAsync(host, ann, $"/conversations?limit=2&cursor={first.Str("nextCursor")}");
        Assert.Equal([bea.Id], rest.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("peer").Str("id")));
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextCursor").ValueKind);
    }
}

public sealed class PostgresGroupTests(RealtimePostgresApp app) : GroupTests(app), IClassFixture<RealtimePostgresApp>;

public sealed class SqliteGroupTests(RealtimeSqliteApp app) : GroupTests(app), IClassFixture<RealtimeSqliteApp>;
