using System.Net;
using System.Text;
using System.Text.Json;
using Chat.Tests.Api;
using Chat.Tests.Infrastructure;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Push;
using Chat.Web.Features.Secret;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Secret;

/// <summary>
/// A pair's secret conversation beside their direct one, through the JSON API and the socket a mobile client uses, on
/// both providers; and what the server says about its messages (nothing).
/// </summary>
public abstract class SecretConversationApiTests(AppFixture app)
{
    readonly ChatHost host = app.Host;
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static string Envelope(string marker) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($$"""{"v":1,"from":1,"to":2,"h":{"dh":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","pn":0,"n":0},"ct":"{{marker}}"}"""));

    [Fact]
    public async Task A_pair_has_one_secret_conversation_beside_their_direct_one_and_its_messages_stay_apart()
    {
        var ann = await host.RegisterAsync("Ann");
        var bob = await host.RegisterAsync("Bob");
        using var annApi = host.Client(ann.Token);
        using var bobApi = host.Client(bob.Token);
        var direct = (await annApi.GetOkAsync($"/conversations/{bob.Id}")).GetProperty("conversationId").GetString();
        // Both of them starting it at once get the same one.
        var started = await Task.WhenAll(annApi.PostAsync($"/conversations/{bob.Id}/secret", null, Ct), bobApi.PostAsync($"/conversations/{ann.Id}/secret", null, Ct));
        var ids = await Task.WhenAll(started.Select(async r =>
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            return JsonDocument.Parse(await r.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("conversationId").GetString();
        }));
        Assert.Equal(ids[0], ids[1]);
        Assert.NotEqual(direct, ids[0]);
        Assert.Equal(HttpStatusCode.BadRequest, (await annApi.PostAsync($"/conversations/{ann.Id}/secret", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await annApi.PostAsync("/conversations/987654/secret", null, Ct)).StatusCode);

        await using (var socket = await SocketClient.ConnectAsync(host, ann))
        {
            await socket.SendAsync(new { type = "send-message", conversationId = ids[0], ciphertext = Envelope("c2VhbGVk"), clientMessageId = "s1" });
            var ack = await socket.TakeAsync(f => f.Type() == "ack" && f.Str("clientMessageId") == "s1");
            Assert.Equal(bob.Id, ack.Message().Str("receiverId")); // a pair's message: receipts as in a direct conversation
            await socket.SendAndAckAsync(bob.Id, "d1", "plain hello"); // toUserId goes to the direct one
        }

        var secret = (await bobApi.GetOkAsync($"/conversations/{ann.Id}/secret/messages")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["s1"], secret.Select(m => m.Str("clientMessageId")));
        Assert.Equal(Envelope("c2VhbGVk"), secret[0].Str("ciphertext"));
        var plain = (await bobApi.GetOkAsync($"/conversations/{ann.Id}/messages")).GetProperty("items").EnumerateArray();
        Assert.Equal(["d1"], plain.Select(m => m.Str("clientMessageId")));

        var list = (await bobApi.GetOkAsync("/conversations")).GetProperty("items").EnumerateArray().ToList();
        var row = Assert.Single(list, c => c.Str("kind") == "secret");
        Assert.Equal(ids[0], row.Str("id"));
        Assert.Equal(ann.Id, row.GetProperty("peer").Str("id"));
        Assert.Equal(1, row.GetProperty("unread").GetInt32());
        Assert.Single(list, c => c.Str("kind") == "direct");

        // The chat page's list row says nothing of it, and a push payload never previews it.
        await using var scope = host.Services.CreateAsyncScope();
        var inbox = (await scope.ServiceProvider.GetRequiredService<Inbox>().PageAsync(long.Parse(bob.Id), null, 10, Ct)).Items.Single(e => e.Kind == "secret");
        var push = PushPayload.For(inbox, long.Parse(bob.Id), showPreviews: true);
        Assert.Equal("New secret message", push.Body);
        Assert.Equal($"/chat/secret/{ann.Id}", push.Url);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("aGVsbG8=")] // "hello": plain text
    [InlineData("eyJ2IjoyLCJoIjp7fSwiY3QiOiIifQ==")] // {"v":2,"h":{},"ct":""}: another version
    [InlineData("eyJ2IjoxfQ==")] // {"v":1}: no header, no ciphertext
    [InlineData("W10=")] // []
    public void The_browser_post_takes_only_an_envelope(string? ciphertext) => Assert.Null(SecretEnvelope.Decode(ciphertext));

    [Fact]
    public void An_envelope_is_taken_as_its_bytes() =>
        Assert.Equal(Convert.FromBase64String(Envelope("eA==")), SecretEnvelope.Decode(Envelope("eA==")));

    [Fact]
    public async Task A_secret_message_can_be_deleted_but_not_edited_reacted_to_forwarded_or_quoted_and_a_stranger_learns_nothing()
    {
        var (ann, bob, eve) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bob"), await host.RegisterAsync("Eve"));
        using var annApi = host.Client(ann.Token);
        using var bobApi = host.Client(bob.Token);
        using var eveApi = host.Client(eve.Token);
        var secret = JsonDocument.Parse(await (await annApi.PostAsync($"/conversations/{bob.Id}/secret", null, Ct)).Content.ReadAsStringAsync(Ct))
            .RootElement.GetProperty("conversationId").GetString()!;
        var direct = (await annApi.GetOkAsync($"/conversations/{bob.Id}")).GetProperty("conversationId").GetString()!;
        string id;
        await using (var socket = await SocketClient.ConnectAsync(host, ann))
        {
            await socket.SendAsync(new { type = "send-message", conversationId = secret, ciphertext = Envelope("c2VhbGVk"), clientMessageId = "x1" });
            id = (await socket.TakeAsync(f => f.Type() == "ack" && f.Str("clientMessageId") == "x1")).Message().Str("id")!;
            await socket.SendAsync(new { type = "send-message", conversationId = secret, ciphertext = Envelope("cmVwbHk="), clientMessageId = "x2", replyToId = id });
            Assert.Equal("invalid_reply", (await socket.TakeAsync(f => f.Type() == "error" && f.Str("ref") == "x2")).Str("code"));
        }

        var edit = await annApi.PatchAsync($"/messages/{id}", JsonContent(new { ciphertext = Envelope("ZWRpdA==") }), Ct);
        await ApiAssert.ErrorAsync(edit, HttpStatusCode.BadRequest);
        await ApiAssert.ErrorAsync(await bobApi.PutAsync($"/messages/{id}/reaction", JsonContent(new { emoji = "👍" }), Ct), HttpStatusCode.BadRequest);
        await ApiAssert.ErrorAsync(await bobApi.PostAsync($"/messages/{id}/forward", JsonContent(new { conversationIds = new[] { direct } }), Ct), HttpStatusCode.BadRequest);
        // To someone outside it, the message does not exist, whatever they try.
        await ApiAssert.ErrorAsync(await eveApi.PatchAsync($"/messages/{id}", JsonContent(new { ciphertext = Envelope("ZXZl") }), Ct), HttpStatusCode.NotFound);
        await ApiAssert.ErrorAsync(await eveApi.PutAsync($"/messages/{id}/reaction", JsonContent(new { emoji = "👍" }), Ct), HttpStatusCode.NotFound);
        var kept = (await bobApi.GetOkAsync($"/conversations/{ann.Id}/secret/messages")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal((Envelope("c2VhbGVk"), 0), (kept.Str("ciphertext"), kept.GetProperty("reactions").GetArrayLength()));

        await ApiAssert.OkAsync(await annApi.DeleteAsync($"/messages/{id}", Ct));
        var tombstone = (await bobApi.GetOkAsync($"/conversations/{ann.Id}/secret/messages")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal("", tombstone.Str("ciphertext"));
    }

    static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}

public sealed class SecretConversationApiOnPostgres(PostgresApp app) : SecretConversationApiTests(app), IClassFixture<PostgresApp>;

public sealed class SecretConversationApiOnSqlite(SqliteApp app) : SecretConversationApiTests(app), IClassFixture<SqliteApp>;
