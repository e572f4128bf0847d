using System.Net;
using System.Text.Json;
using Chat.Tests.Api;
using Chat.Tests.Groups;
using Chat.Tests.Infrastructure;
using Chat.Tests.Realtime;
using static Chat.Tests.Actions.ActionApi;

namespace Chat.Tests.Actions;

/// <summary>
/// Reply, edit, delete, react, forward over the JSON API and socket, on each provider: who may, the windows, repeats that
/// change nothing, live delivery to every member, and a sync that brings each change exactly once, in order.
/// </summary>
public abstract class MessageActionsTests(RealtimeApp app)
{
    readonly ChatHost host = app.Host;

    [Fact]
    public async Task The_list_shows_each_conversations_last_message_as_it_is_now_when_changes_came_after_it()
    {
        // Three conversations whose last seq is a change (a reaction, an edit, a delete), and one whose is a message.
        var (ann, bea, cat, dan, eve) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"),
            await host.RegisterAsync("Dan"), await host.RegisterAsync("Eve"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        async Task<string> SendAsync(TestUser to, string text) => (await annSocket.SendAndAckAsync(to.Id, $"list-{to.Id}-{text}", text)).Message().Str("id")!;
        await SendAsync(bea, "first to Bea");
        var reacted = await SendAsync(bea, "second to Bea");
        var edited = await SendAsync(cat, "to Cat");
        await SendAsync(dan, "kept for Dan");
        var deleted = await SendAsync(dan, "gone for Dan");
        await SendAsync(eve, "to Eve");
        Assert.Equal(HttpStatusCode.OK, (await ReactAsync(host, bea, reacted, "👍")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await EditAsync(host, ann, edited, "to Cat, edited")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync(host, ann, deleted)).StatusCode);

        using var client = host.Client(ann.Token);
        var items = (await client.GetOkAsync("/conversations")).GetProperty("items").EnumerateArray()
            .ToDictionary(e => e.GetProperty("peer").Str("id")!, e => e.GetProperty("lastMessage"));
        Assert.Equal(("second to Bea", "text"), (items[bea.Id].Text(), items[bea.Id].Str("kind")));
        Assert.Equal(("to Cat, edited", "text"), (items[cat.Id].Text(), items[cat.Id].Str("kind")));
        Assert.Equal((deleted, JsonValueKind.String), (items[dan.Id].Str("id"), items[dan.Id].GetProperty("deletedAt").ValueKind));
        Assert.Equal("to Eve", items[eve.Id].Text());
    }

    [Fact]
    public async Task An_edit_by_its_author_reaches_both_sides_live_shows_as_edited_keeps_no_old_text_and_a_repeat_changes_nothing()
    {
        var (ann, bea) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var beaSocket = await SocketClient.ConnectAsync(host, bea);
        var sent = (await annSocket.SendAndAckAsync(bea.Id, "e-1", "helo")).Message();
        var id = sent.Str("id")!;

        var edited = await EditAsync(host, ann, id, "hello");
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        Assert.Equal("hello", (await edited.BodyAsync()).Text());
        foreach (var socket in new[] { annSocket, beaSocket })
        {
            var change = await socket.TakeAsync(f => f.IsChange("edited", id));
            Assert.Equal(sent.GetProperty("seq").GetInt64() + 1, change.Seq()); // the conversation's next seq
            Assert.Equal(("hello", true), (change.Changed().Text(), change.Changed().Str("editedAt") is not null));
        }
        // The same text again: nothing changes, no seq is taken, nobody is told.
        Assert.Equal(HttpStatusCode.OK, (await EditAsync(host, ann, id, "hello")).StatusCode);
        Assert.Equal(1, await beaSocket.CountAfterAsync(f => f.IsChange("edited", id), TimeSpan.FromMilliseconds(300)));

        var history = await HistoryAsync(host, bea, $"/conversations/{ann.Id}/messages");
        Assert.Equal(["hello"], history.Select(m => m.Text())); // change rows are not history: the message shows the result
        var catchUp = await HistoryAsync(host, bea, $"/conversations/{ann.Id}/messages?afterSeq=0");
        Assert.Equal(["text", "change"], catchUp.Select(m => m.Str("kind")));
        Assert.DoesNotContain(catchUp, m => m.GetRawText().Contains(B64("helo"))); // the text before is not kept
    }

    [Fact]
    public async Task Editing_someone_elses_message_after_the_window_or_with_a_bad_body_is_refused_and_changes_nothing()
    {
        var (ann, bea) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var id = (await annSocket.SendAndAckAsync(bea.Id, "w-1", "mine")).Message().Str("id")!;

        Assert.Equal(HttpStatusCode.Forbidden, (await EditAsync(host, bea, id, "theirs")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await EditAsync(host, await host.RegisterAsync("Eve"), id, "x")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await EditAsync(host, ann, "999999999", "x")).StatusCode);
        using (var client = host.Client(ann.Token))
        {
            var bad = await client.PatchAsync($"/messages/{id}", new StringContent("{\"ciphertext\": 5}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var notBase64 = await client.PatchAsync($"/messages/{id}", new StringContent("{\"ciphertext\": \"***\"}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, notBase64.StatusCode);
        }
        // Over the socket: an error frame with its ref, the socket stays.
        await annSocket.SendAsync(new { type = "edit-message", messageId = id, ciphertext = "", @ref = "r1" });
        Assert.Equal("invalid_ciphertext", (await annSocket.TakeAsync(f => f.Type() == "error" && f.Str("ref") == "r1")).Str("code"));

        await using var strict = await ChatHost.StartAsync(app.Servers, app.Storage, s => (s["MESSAGE_EDIT_WINDOW_MINUTES"], s["MESSAGE_DELETE_WINDOW_HOURS"]) = ("0", "0"));
        var (cat, dan) = (await strict.RegisterAsync("Cat"), await strict.RegisterAsync("Dan"));
        await using var catSocket = await SocketClient.ConnectAsync(strict, cat);
        var late = (await catSocket.SendAndAckAsync(dan.Id, "late", "too late")).Message().Str("id")!;
        await Task.Delay(20, TestContext.Current.CancellationToken);
        var refused = await EditAsync(strict, cat, late, "changed");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("0 minutes", (await refused.BodyAsync()).Str("error"));
        Assert.Equal(HttpStatusCode.Forbidden, (await DeleteAsync(strict, cat, late)).StatusCode);
        await catSocket.SendAsync(new { type = "edit-message", messageId = late, ciphertext = B64("x"), @ref = "r2" });
        Assert.Equal("edit_window_passed", (await catSocket.TakeAsync(f => f.Type() == "error" && f.Str("ref") == "r2")).Str("code"));

        Assert.Equal(["mine"], (await HistoryAsync(host, ann, $"/conversations/{bea.Id}/messages")).Select(m => m.Text()));
        Assert.Equal(["too late"], (await HistoryAsync(strict, dan, $"/conversations/{cat.Id}/messages")).Select(m => m.Text()));
        Assert.Single(await HistoryAsync(strict, dan, $"/conversations/{cat.Id}/messages?afterSeq=0")); // no change row
    }

    [Fact]
    public async Task Delete_for_everyone_leaves_a_tombstone_for_all_members_live_and_only_the_author_or_a_group_admin_may()
    {
        var (ann, bea, cat) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"));
        var group = await GroupApi.CreateAsync(host, ann, "Tombstones", bea, cat);
        await using var beaSocket = await SocketClient.ConnectAsync(host, bea);
        await using var catSocket = await SocketClient.ConnectAsync(host, cat);
        var fromBea = (await beaSocket.SendAndAckAsync(null, "d-1", "oops", conversationId: group)).Message().Str("id")!;
        var fromCat = (await catSocket.SendAndAckAsync(null, "d-2", "spam", conversationId: group)).Message().Str("id")!;
        Assert.Equal(HttpStatusCode.OK, (await ReactAsync(host, cat, fromBea, "😂")).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await DeleteAsync(host, cat, fromBea)).StatusCode); // not hers, not an admin
        var deleted = await DeleteAsync(host, bea, fromBea);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var tombstone = await deleted.BodyAsync();
        Assert.Equal(("", true, 0), (tombstone.Str("ciphertext"), tombstone.Str("deletedAt") is not null, tombstone.Reactions().Count));
        var live = await catSocket.TakeAsync(f => f.IsChange("deleted", fromBea));
        Assert.Equal("", live.Changed().Str("ciphertext"));
        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync(host, bea, fromBea)).StatusCode); // again: already so
        Assert.Equal(1, await catSocket.CountAfterAsync(f => f.IsChange("deleted", fromBea), TimeSpan.FromMilliseconds(300)));
        Assert.Equal(HttpStatusCode.Conflict, (await ReactAsync(host, cat, fromBea, "👍")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await EditAsync(host, bea, fromBea, "back")).StatusCode);

        // A group admin deletes anyone's message.
        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync(host, ann, fromCat)).StatusCode);
        await catSocket.TakeAsync(f => f.IsChange("deleted", fromCat));
        var history = await HistoryAsync(host, cat, $"/groups/{group}/messages");
        Assert.All(history.Where(m => m.Str("kind") == "text"), m => Assert.Equal("", m.Str("ciphertext")));
        Assert.Equal(2, history.Count(m => m.Str("deletedAt") is not null));
    }

    [Fact]
    public async Task A_person_has_one_reaction_per_message_which_another_replaces_and_which_they_can_take_back()
    {
        var (ann, bea) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var id = (await annSocket.SendAndAckAsync(bea.Id, "r-1", "lunch?")).Message().Str("id")!;

        Assert.Equal(new Dictionary<string, int> { ["👍"] = 1 }, (await (await ReactAsync(host, bea, id, "👍")).BodyAsync()).Reactions());
        Assert.Equal(new Dictionary<string, int> { ["👍"] = 2 }, (await (await ReactAsync(host, ann, id, "👍")).BodyAsync()).Reactions());
        Assert.Equal(new Dictionary<string, int> { ["👍"] = 1, ["👨‍👩‍👧"] = 1 }, (await (await ReactAsync(host, bea, id, "👨‍👩‍👧")).BodyAsync()).Reactions());
        var live = await annSocket.TakeAsync(f => f.IsChange("reacted", id) && f.Message().GetProperty("change").Str("emoji") == "👨‍👩‍👧");
        Assert.Equal(bea.Id, live.Message().GetProperty("change").Str("actorId"));
        Assert.Equal(new Dictionary<string, int> { ["👍"] = 1 }, (await (await ReactAsync(host, bea, id, null)).BodyAsync()).Reactions());
        var takenBack = await annSocket.TakeAsync(f => f.IsChange("reacted", id) && f.Message().GetProperty("change").GetProperty("emoji").ValueKind == JsonValueKind.Null);
        Assert.Equal(new Dictionary<string, int> { ["👍"] = 1 }, takenBack.Changed().Reactions());

        foreach (var bad in new[] { new string('x', 40), "ab", "a", "👍👍", "" })
            Assert.Equal(HttpStatusCode.BadRequest, (await ReactAsync(host, bea, id, bad)).StatusCode);
        await annSocket.SendAsync(new { type = "react", messageId = id, emoji = "not an emoji", @ref = "bad" });
        Assert.Equal("invalid_emoji", (await annSocket.TakeAsync(f => f.Type() == "error" && f.Str("ref") == "bad")).Str("code"));
        await annSocket.SendAsync(new { type = "react", messageId = id, emoji = 7, @ref = "bad2" });
        Assert.Equal("invalid_emoji", (await annSocket.TakeAsync(f => f.Type() == "error" && f.Str("ref") == "bad2")).Str("code"));
        Assert.Equal(HttpStatusCode.NotFound, (await ReactAsync(host, await host.RegisterAsync("Eve"), id, "👍")).StatusCode);
        Assert.Equal(new Dictionary<string, int> { ["👍"] = 1 }, (await HistoryAsync(host, bea, $"/conversations/{ann.Id}/messages"))[0].Reactions());
    }

    [Fact]
    public async Task A_reply_quotes_a_message_of_its_own_conversation_only_and_shows_a_deleted_original_as_deleted()
    {
        var (ann, bea, cat) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var beaSocket = await SocketClient.ConnectAsync(host, bea);
        var original = (await annSocket.SendAndAckAsync(bea.Id, "q-1", "Dinner at 8?")).Message().Str("id")!;
        var elsewhere = (await annSocket.SendAndAckAsync(cat.Id, "q-2", "Other chat")).Message().Str("id")!;

        await beaSocket.SendAsync(new { type = "send-message", toUserId = ann.Id, ciphertext = B64("Yes!"), clientMessageId = "q-3", replyToId = original });
        var reply = (await beaSocket.TakeAsync(f => f.Type() == "ack" && f.Str("clientMessageId") == "q-3")).Message();
        Assert.Equal((original, ann.Id, "Dinner at 8?", false), (reply.GetProperty("replyTo").Str("messageId"), reply.GetProperty("replyTo").Str("senderId"),
            reply.GetProperty("replyTo").Str("snippet"), reply.GetProperty("replyTo").GetProperty("deleted").GetBoolean()));
        Assert.Equal(original, (await annSocket.TakeAsync(f => f.IsMessage() && f.Message().Str("clientMessageId") == "q-3")).Message().GetProperty("replyTo").Str("messageId"));

        await beaSocket.SendAsync(new { type = "send-message", toUserId = ann.Id, ciphertext = B64("Sneaky"), clientMessageId = "q-4", replyToId = elsewhere });
        Assert.Equal("invalid_reply", (await beaSocket.TakeAsync(f => f.Type() == "error" && f.Str("ref") == "q-4")).Str("code"));

        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync(host, ann, original)).StatusCode);
        var quoted = (await HistoryAsync(host, bea, $"/conversations/{ann.Id}/messages")).First(m => m.Str("clientMessageId") == "q-3").GetProperty("replyTo");
        Assert.Equal((true, ""), (quoted.GetProperty("deleted").GetBoolean(), quoted.Str("snippet")));
        Assert.DoesNotContain(await HistoryAsync(host, bea, $"/conversations/{ann.Id}/messages"), m => m.Str("clientMessageId") == "q-4");
    }

    [Fact]
    public async Task A_forward_copies_the_text_into_my_conversations_marked_forwarded_once_and_never_into_one_I_am_not_in()
    {
        var (ann, bea, cat, dan) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"), await host.RegisterAsync("Dan"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var id = (await annSocket.SendAndAckAsync(bea.Id, "f-1", "Big news")).Message().Str("id")!;
        await annSocket.SendAndAckAsync(cat.Id, "f-2", "hi Cat");
        var toCat = await Realtime.Conversations.IdAsync(host, ann, cat);
        var group = await GroupApi.CreateAsync(host, ann, "Fwd", dan);
        var notMine = await GroupApi.CreateAsync(host, bea, "Private", dan);

        var refused = await ForwardAsync(host, ann, id, "fw", toCat, notMine);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Single(await HistoryAsync(host, cat, $"/conversations/{ann.Id}/messages")); // nothing was sent anywhere

        var forwarded = await ForwardAsync(host, ann, id, "fw", toCat, group);
        Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        var copies = (await forwarded.BodyAsync()).GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal([toCat, group], copies.Select(m => m.Str("conversationId")));
        Assert.All(copies, m => Assert.Equal(("Big news", true), (m.Text(), m.GetProperty("forwarded").GetBoolean())));
        var again = await (await ForwardAsync(host, ann, id, "fw", toCat, group)).BodyAsync(); // a retry: the same messages
        Assert.Equal(copies.Select(m => m.Str("id")), again.GetProperty("messages").EnumerateArray().Select(m => m.Str("id")));
        Assert.Equal(2, (await HistoryAsync(host, cat, $"/conversations/{ann.Id}/messages")).Count);
        Assert.Equal(HttpStatusCode.NotFound, (await ForwardAsync(host, dan, id, null, group)).StatusCode); // not Dan's to see
    }

    [Fact]
    public async Task A_member_who_was_away_gets_every_change_exactly_once_in_order_and_a_later_member_none_of_older_messages()
    {
        var (ann, bea, cat) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"));
        var group = await GroupApi.CreateAsync(host, ann, "Away", bea);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var first = (await annSocket.SendAndAckAsync(null, "s-1", "one", conversationId: group)).Message();
        var id = first.Str("id")!;
        var beaSocket = await SocketClient.ConnectAsync(host, bea);
        await beaSocket.SendAsync(new { type = "sync", since = new Dictionary<string, long> { [group] = 0 } });
        await beaSocket.TakeAsync("sync-complete");
        await beaSocket.DisposeAsync(); // Bea goes away

        Assert.Equal(HttpStatusCode.OK, (await EditAsync(host, ann, id, "one!")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ReactAsync(host, ann, id, "🎉")).StatusCode);
        var old = (await annSocket.SendAndAckAsync(null, "s-old", "before Cat", conversationId: group)).Message().Str("id")!;
        Assert.Equal(HttpStatusCode.OK, (await GroupApi.AddAsync(host, ann, group, cat.Id)).StatusCode);
        var second = (await annSocket.SendAndAckAsync(null, "s-2", "two", conversationId: group)).Message().Str("id")!;
        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync(host, ann, id)).StatusCode); // of a message from before Cat
        Assert.Equal(HttpStatusCode.OK, (await ReactAsync(host, ann, second, "👀")).StatusCode);

        await using var back = await SocketClient.ConnectAsync(host, bea);
        await back.SendAsync(new { type = "sync", since = new Dictionary<string, long> { [group] = first.GetProperty("seq").GetInt64() } });
        await back.TakeAsync("sync-complete");
        var replayed = back.Received.Where(f => f.IsMessage()).ToList();
        Assert.Equal(["change:edited", "change:reacted", "text:", "system:", "text:", "change:deleted", "change:reacted"],
            replayed.Select(f => f.Message().Str("kind") + ":" + (f.Message().TryGetProperty("change", out var c) && c.ValueKind != JsonValueKind.Null ? c.Str("action") : "")));
        Assert.Equal(replayed.Select(f => f.Seq()).Order(), replayed.Select(f => f.Seq())); // in seq order, each once
        Assert.Equal(replayed.Count, replayed.Select(f => f.Seq()).Distinct().Count());

        // Cat joined after the first message: its delete is not hers to hear of, live or in a sync; the second's reaction is.
        await using var catSocket = await SocketClient.ConnectAsync(host, cat);
        await catSocket.SendAsync(new { type = "sync", since = new Dictionary<string, long> { [group] = 0 } });
        await catSocket.TakeAsync("sync-complete");
        var catSaw = catSocket.Received.Where(f => f.IsMessage() && f.Message().Str("kind") == "change").Select(f => f.Message().GetProperty("change").Str("messageId")).ToList();
        Assert.DoesNotContain(id, catSaw);
        Assert.Contains(second, catSaw);
        // Live too: a reaction to a message from before she joined reaches Bea, not Cat.
        Assert.Equal(HttpStatusCode.OK, (await ReactAsync(host, ann, second, "🔥")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ReactAsync(host, ann, old, "🔥")).StatusCode);
        await back.TakeAsync(f => f.IsChange("reacted", old));
        Assert.Equal(0, await catSocket.CountAfterAsync(f => f.IsChange("reacted", old), TimeSpan.FromMilliseconds(300)));
        await catSocket.TakeAsync(f => f.IsChange("reacted", second) && f.Message().GetProperty("change").Str("emoji") == "🔥");
        var catHistory = await HistoryAsync(host, cat, $"/groups/{group}/messages?afterSeq=0");
        Assert.DoesNotContain(catHistory, m => m.Str("kind") == "change" && m.GetProperty("change").Str("messageId") == id);
    }

    [Fact]
    public async Task Delete_for_me_hides_a_message_from_my_history_and_my_other_tabs_only()
    {
        var (ann, bea) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var beaSocket = await SocketClient.ConnectAsync(host, bea);
        var id = (await annSocket.SendAndAckAsync(bea.Id, "h-1", "embarrassing")).Message().Str("id")!;

        Assert.Equal(HttpStatusCode.OK, (await HideAsync(host, bea, id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await HideAsync(host, bea, id)).StatusCode); // again: as wanted
        Assert.Equal(id, (await beaSocket.TakeAsync("message-hidden")).Str("messageId"));
        Assert.Equal(0, await annSocket.CountAfterAsync(f => f.Type() == "message-hidden", TimeSpan.FromMilliseconds(300)));
        Assert.Empty(await HistoryAsync(host, bea, $"/conversations/{ann.Id}/messages"));
        Assert.Single(await HistoryAsync(host, ann, $"/conversations/{bea.Id}/messages"));
        Assert.Equal(HttpStatusCode.NotFound, (await HideAsync(host, await host.RegisterAsync("Eve"), id)).StatusCode);
    }
}

public sealed class PostgresMessageActionsTests(RealtimePostgresApp app) : MessageActionsTests(app), IClassFixture<RealtimePostgresApp>;

public sealed class SqliteMessageActionsTests(RealtimeSqliteApp app) : MessageActionsTests(app), IClassFixture<RealtimeSqliteApp>;
