using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Api;
using Chat.Tests.Groups;
using Chat.Tests.Infrastructure;
using Chat.Tests.Realtime;
using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Safety;

/// <summary>Blocking people and reporting messages over the JSON API and socket, on each provider.</summary>
public abstract class SafetyTests(RealtimeApp app)
{
    readonly ChatHost host = app.Host;
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<HttpResponseMessage> BlockAsync(TestUser who, TestUser whom, bool block = true)
    {
        using var client = host.Client(who.Token);
        return block ? await client.PutAsync($"/blocks/{whom.Id}", null, Ct) : await client.DeleteAsync($"/blocks/{whom.Id}", Ct);
    }

    static async Task<string> RefusedAsync(SocketClient socket, string? to, string clientMessageId, string? conversationId = null)
    {
        await socket.SendMessageAsync(to, clientMessageId, conversationId: conversationId);
        var reply = await socket.TakeAsync(f => f.Type() == "ack" && f.Str("clientMessageId") == clientMessageId || f.Type() == "error" && f.Str("ref") == clientMessageId);
        Assert.Equal("error", reply.Type());
        Assert.Equal("blocked", reply.Str("code"));
        return reply.Str("error")!;
    }

    /// <summary>Makes <paramref name="admin"/> the admin, and nobody else of <paramref name="others"/> (the host's first user became one).</summary>
    Task<int> AdminsAsync(TestUser admin, params TestUser[] others) => WithDbAsync(db => db.Users
        .Where(u => u.Id == long.Parse(admin.Id) || others.Select(o => long.Parse(o.Id)).Contains(u.Id))
        .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsAdmin, u => u.Id == long.Parse(admin.Id)), Ct));

    async Task<T> WithDbAsync<T>(Func<ChatDbContext, Task<T>> query)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ChatDbContext>());
    }

    [Fact]
    public async Task A_blocked_person_cannot_start_a_conversation_or_send_either_way_groups_are_unaffected_and_unblocking_restores_it()
    {
        var (bea, cat) = (await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"));
        await ApiAssert.OkAsync(await BlockAsync(bea, cat));
        await ApiAssert.OkAsync(await BlockAsync(bea, cat)); // idempotent

        using (var asCat = host.Client(cat.Token))
            Assert.Equal("You cannot start a conversation with this person.", (await asCat.GetErrorAsync($"/conversations/{bea.Id}", HttpStatusCode.Forbidden)).Str("error"));
        await using var catSocket = await SocketClient.ConnectAsync(host, cat);
        await using var beaSocket = await SocketClient.ConnectAsync(host, bea);
        Assert.Equal("You cannot send messages to this person.", await RefusedAsync(catSocket, bea.Id, "c-1"));
        Assert.Equal("You blocked this person: unblock them to send a message.", await RefusedAsync(beaSocket, cat.Id, "b-1"));

        // In a group they share, everything goes on as before.
        var group = await GroupApi.CreateAsync(host, bea, "Both", cat);
        await catSocket.SendAndAckAsync(null, "in-group", conversationId: group);
        await beaSocket.TakeAsync(f => f.IsMessage() && f.Message().Str("clientMessageId") == "in-group");

        var listed = await GroupApi.GetAsync(host, bea, "/blocks");
        Assert.Equal([cat.Id], listed.GetProperty("items").EnumerateArray().Select(i => i.Str("id")));
        await ApiAssert.OkAsync(await BlockAsync(bea, cat, block: false));
        await catSocket.SendAndAckAsync(bea.Id, "c-2");
        await beaSocket.SendAndAckAsync(cat.Id, "b-2");
        Assert.Empty((await GroupApi.GetAsync(host, bea, "/blocks")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_block_stops_the_messages_of_a_conversation_already_going_and_nothing_is_stored()
    {
        var (ann, bea) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var first = await annSocket.SendAndAckAsync(bea.Id, "a-1");
        await ApiAssert.OkAsync(await BlockAsync(bea, ann));
        await RefusedAsync(annSocket, bea.Id, "a-2");
        await RefusedAsync(annSocket, null, "a-3", conversationId: first.Message().Str("conversationId"));
        Assert.Equal(1, await WithDbAsync(db => db.Messages.CountAsync(m => m.SenderId == long.Parse(ann.Id), Ct)));
        await ApiAssert.OkAsync(await BlockAsync(bea, ann, block: false));
        Assert.Equal(2, (await annSocket.SendAndAckAsync(bea.Id, "a-4")).Seq());
    }

    [Fact]
    public async Task A_blocked_person_sees_no_presence_or_typing_of_the_blocker_until_unblocked()
    {
        var (ann, bea) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"));
        await using (var first = await SocketClient.ConnectAsync(host, ann)) await first.SendAndAckAsync(bea.Id, "hello");
        await ApiAssert.OkAsync(await BlockAsync(bea, ann));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var beaSocket = await SocketClient.ConnectAsync(host, bea);
        await beaSocket.SendAsync(new { type = "typing", toUserId = ann.Id, state = "start" });
        Assert.Equal(0, await annSocket.CountAfterAsync(f =>
            f.Type() == "presence" && f.Str("userId") == bea.Id && f.GetProperty("online").GetBoolean()
            || f.Type() == "typing" && f.Str("fromUserId") == bea.Id && f.Str("state") == "start", TimeSpan.FromMilliseconds(700)));
        // Nor on the page: Bea's row in Ann's list has no online dot while Bea is online.
        using var annPages = PageClient.Create(host);
        Assert.Equal(HttpStatusCode.Redirect, (await annPages.PostLoginAsync(ann.Phone, ann.Password)).StatusCode);
        var beaDot = $"id=\"presence_{bea.Id}\"";
        Assert.DoesNotContain(beaDot, await annPages.GetStringAsync("/chat", Ct));

        await ApiAssert.OkAsync(await BlockAsync(bea, ann, block: false));
        Assert.Contains(beaDot + " data-online=\"true\"", await annPages.GetStringAsync("/chat", Ct));
        var presence = await annSocket.TakeAsync(f => f.Type() == "presence" && f.Str("userId") == bea.Id);
        Assert.True(presence.GetProperty("online").GetBoolean());
        await beaSocket.SendAsync(new { type = "typing", toUserId = ann.Id, state = "stop" });
        await beaSocket.SendAsync(new { type = "typing", toUserId = ann.Id, state = "start" });
        Assert.Equal("start", (await annSocket.TakeAsync(f => f.Type() == "typing" && f.Str("fromUserId") == bea.Id && f.Str("state") == "start")).Str("state"));
    }

    [Fact]
    public async Task Blocking_answers_400_for_self_404_for_nobody_and_401_without_a_token()
    {
        var ann = await host.RegisterAsync("Ann");
        using var client = host.Client(ann.Token);
        await ApiAssert.ErrorAsync(await client.PutAsync($"/blocks/{ann.Id}", null, Ct), HttpStatusCode.BadRequest);
        await ApiAssert.ErrorAsync(await client.PutAsync("/blocks/999999999", null, Ct), HttpStatusCode.NotFound);
        await ApiAssert.ErrorAsync(await client.DeleteAsync("/blocks/not-an-id", Ct), HttpStatusCode.NotFound);
        using var anonymous = host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PutAsync($"/blocks/{ann.Id}", null, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_member_reports_a_message_an_admin_sees_it_and_deletes_it_for_everyone_and_it_is_all_audited()
    {
        var (ann, bea, eve, boss) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Eve"), await host.RegisterAsync("Boss"));
        await AdminsAsync(boss, ann, bea, eve);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var message = (await annSocket.SendAndAckAsync(bea.Id, "r-1", "buy my pills")).Message().Str("id")!;

        using var asBea = host.Client(bea.Token);
        using var asEve = host.Client(eve.Token);
        using var asAnn = host.Client(ann.Token);
        await ApiAssert.ErrorAsync(await asEve.PostAsJsonAsync($"/messages/{message}/report", new { }, Ct), HttpStatusCode.NotFound);
        await ApiAssert.ErrorAsync(await asAnn.PostAsJsonAsync($"/messages/{message}/report", new { }, Ct), HttpStatusCode.BadRequest);
        await ApiAssert.ErrorAsync(await asBea.PostAsJsonAsync($"/messages/{message}/report", new { reason = new string('x', 501) }, Ct), HttpStatusCode.BadRequest);
        await ApiAssert.OkAsync(await asBea.PostAsJsonAsync($"/messages/{message}/report", new { reason = "spam" }, Ct));
        await ApiAssert.OkAsync(await asBea.PostAsJsonAsync($"/messages/{message}/report", new { reason = "spam" }, Ct)); // once

        await asBea.GetErrorAsync("/admin/reports", HttpStatusCode.Forbidden);
        using var asBoss = host.Client(boss.Token);
        var report = (await asBoss.GetOkAsync("/admin/reports?limit=100")).GetProperty("items").EnumerateArray().Single(r => r.Str("messageId") == message);
        Assert.Equal(("buy my pills", "Ann", "Bea", "spam"), (report.Str("text"), report.Str("senderName"), report.Str("reporterName"), report.Str("reason")));
        await ApiAssert.ErrorAsync(await asBea.PostAsJsonAsync($"/admin/reports/{report.Str("id")}/resolve", new { action = "delete-message" }, Ct), HttpStatusCode.Forbidden);
        await ApiAssert.ErrorAsync(await asBoss.PostAsJsonAsync($"/admin/reports/{report.Str("id")}/resolve", new { action = "explode" }, Ct), HttpStatusCode.BadRequest);
        await using var beaSocket = await SocketClient.ConnectAsync(host, bea);
        await ApiAssert.OkAsync(await asBoss.PostAsJsonAsync($"/admin/reports/{report.Str("id")}/resolve", new { action = "delete-message" }, Ct));
        // A delete for everyone like any other: both sides get the tombstone live, as a change with its own seq.
        foreach (var socket in new[] { annSocket, beaSocket })
        {
            var change = await socket.TakeAsync(f => f.IsMessage() && f.Message().Str("kind") == "change" && f.Message().GetProperty("change").Str("messageId") == message);
            Assert.Equal(("deleted", boss.Id, ""), (change.Message().GetProperty("change").Str("action"), change.Message().GetProperty("change").Str("actorId"),
                change.Message().GetProperty("changed").Str("ciphertext")));
        }

        var stored = await WithDbAsync(db => db.Messages.AsNoTracking().SingleAsync(m => m.Id == long.Parse(message), Ct));
        Assert.NotNull(stored.DeletedAt);
        Assert.Empty(stored.Ciphertext);
        Assert.DoesNotContain((await asBoss.GetOkAsync("/admin/reports?limit=100")).GetProperty("items").EnumerateArray(), r => r.Str("messageId") == message);
        var all = (await asBoss.GetOkAsync("/admin/reports?all=true&limit=100")).GetProperty("items").EnumerateArray().Single(r => r.Str("messageId") == message);
        Assert.Equal(("message-deleted", (string?)null), (all.Str("resolution"), all.Str("text")));
        // Targets are ids of different tables (users, messages, reports): the actions say which.
        var (messageId, reportId) = (long.Parse(message), long.Parse(report.Str("id")!));
        var audit = await WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e =>
            e.TargetId == messageId && (e.Action == "message.reported" || e.Action == "message.deleted")
            || e.TargetId == reportId && e.Action == "report.resolved").ToListAsync(Ct));
        Assert.Equal(["message.deleted", "message.reported", "report.resolved"], audit.Select(e => e.Action).Order());
        Assert.All(audit, e => Assert.DoesNotContain("pills", e.Details ?? ""));
    }

    [Fact]
    public async Task An_admin_deletes_the_sender_of_a_reported_group_message_and_the_report_is_resolved()
    {
        var (ann, bea, boss) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Boss"));
        await AdminsAsync(boss, ann, bea);
        var group = await GroupApi.CreateAsync(host, bea, "Club", ann);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var message = (await annSocket.SendAndAckAsync(null, "g-1", "nasty", conversationId: group)).Message().Str("id")!;
        using var asBea = host.Client(bea.Token);
        await ApiAssert.OkAsync(await asBea.PostAsJsonAsync($"/messages/{message}/report", new { }, Ct));
        using var asBoss = host.Client(boss.Token);
        var report = (await asBoss.GetOkAsync("/admin/reports?limit=100")).GetProperty("items").EnumerateArray().Single(r => r.Str("messageId") == message);
        await ApiAssert.OkAsync(await asBoss.PostAsJsonAsync($"/admin/reports/{report.Str("id")}/resolve", new { action = "delete-user" }, Ct));
        Assert.False(await WithDbAsync(db => db.Users.AnyAsync(u => u.Id == long.Parse(ann.Id), Ct)));
        Assert.Equal("user-deleted", (await WithDbAsync(db => db.Reports.SingleAsync(r => r.MessageId == long.Parse(message), Ct))).Resolution);
        await ApiAssert.ErrorAsync(await asBoss.PostAsJsonAsync("/admin/reports/999999999/resolve", new { action = "dismiss" }, Ct), HttpStatusCode.NotFound);
    }
}

public sealed class PostgresSafetyTests(RealtimePostgresApp app) : SafetyTests(app), IClassFixture<RealtimePostgresApp>;

public sealed class SqliteSafetyTests(RealtimeSqliteApp app) : SafetyTests(app), IClassFixture<RealtimeSqliteApp>;
