using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Chat.Tests.Groups;
using Chat.Tests.Infrastructure;
using Chat.Tests.Realtime;
using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Search;

/// <summary>Message search over the JSON API on each provider: scoping, the index following edits and deletes, hostile input, paging.</summary>
public abstract class SearchTests(RealtimeApp app)
{
    readonly ChatHost host = app.Host;
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<HttpResponseMessage> SearchAsync(TestUser user, string q, string? extra = null)
    {
        using var client = host.Client(user.Token);
        return await client.GetAsync($"/search?q={Uri.EscapeDataString(q)}{extra}", Ct);
    }

    async Task<JsonElement> FoundAsync(TestUser user, string q, string? extra = null)
    {
        var response = await SearchAsync(user, q, extra);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    async Task<List<string>> IdsAsync(TestUser user, string q) =>
        (await FoundAsync(user, q)).GetProperty("items").EnumerateArray().Select(i => i.Str("messageId")!).ToList();

    /// <summary>A word no other test's messages hold, so results are this test's alone.</summary>
    static string Word() => "zq" + Guid.NewGuid().ToString("N")[..10];

    async Task UpdateAsync(string messageId, Func<Message, Message> change)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var message = await db.Messages.SingleAsync(m => m.Id == long.Parse(messageId), Ct);
        change(message);
        await db.SaveChangesAsync(Ct);
    }

    [Fact]
    public async Task A_member_finds_a_message_with_its_conversation_sender_time_and_highlighted_snippet_and_a_stranger_finds_nothing()
    {
        var (ann, bea, eve) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Eve"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var word = Word();
        var sent = await annSocket.SendAndAckAsync(bea.Id, "s-1", $"Shall we go running by the {word} lake tomorrow?");

        var found = await FoundAsync(bea, word);
        var hit = Assert.Single(found.GetProperty("items").EnumerateArray());
        Assert.Equal((sent.Message().Str("id"), "direct", "Ann", ann.Id, "Ann", ann.Id),
            (hit.Str("messageId"), hit.Str("conversationKind"), hit.Str("conversationName"), hit.Str("peerId"), hit.Str("senderName"), hit.Str("senderId")));
        Assert.Equal(sent.Message().GetProperty("createdAt").GetDateTime(), hit.GetProperty("createdAt").GetDateTime());
        var parts = hit.GetProperty("snippet").EnumerateArray().Select(p => (p.Str("text"), p.GetProperty("match").GetBoolean())).ToList();
        Assert.Contains((word, true), parts);
        Assert.Equal($"Shall we go running by the {word} lake tomorrow?", string.Concat(parts.Select(p => p.Item1)));
        // English stems: "runs" finds "running"; words in any order, every one of them required.
        Assert.Single(await IdsAsync(bea, $"{word} runs"));
        Assert.Single(await IdsAsync(ann, $"LAKE {word}"));
        Assert.Empty(await IdsAsync(bea, $"{word} mountain"));
        Assert.Empty(await IdsAsync(eve, word));
    }

    [Fact]
    public async Task Words_of_any_language_are_found()
    {
        var (ann, bea) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var word = Word();
        await annSocket.SendAndAckAsync(bea.Id, "l-1", $"{word} Привет, встретимся завтра у Κωνσταντίνος");
        Assert.Single(await IdsAsync(bea, "встретимся"));
        Assert.Single(await IdsAsync(bea, $"{word} Κωνσταντίνος"));
    }

    [Fact]
    public async Task A_removed_member_finds_the_messages_of_their_membership_only_and_a_late_joiner_none_from_before()
    {
        var (ann, bea, cat, dan) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"), await host.RegisterAsync("Cat"), await host.RegisterAsync("Dan"));
        var group = await GroupApi.CreateAsync(host, ann, "Club", bea, cat);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var word = Word();
        var before = (await annSocket.SendAndAckAsync(null, "m-before", $"{word} before", conversationId: group)).Message().Str("id")!;
        Assert.Equal(HttpStatusCode.OK, (await GroupApi.RemoveAsync(host, ann, group, cat.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GroupApi.AddAsync(host, ann, group, dan.Id)).StatusCode);
        var after = (await annSocket.SendAndAckAsync(null, "m-after", $"{word} after", conversationId: group)).Message().Str("id")!;

        Assert.Equal([before], await IdsAsync(cat, word));
        Assert.Equal([after], await IdsAsync(dan, word));
        Assert.Equal([after, before], await IdsAsync(bea, word));
        var hit = (await FoundAsync(bea, word)).GetProperty("items")[0];
        Assert.Equal(("group", "Club", "Ann", (string?)null), (hit.Str("conversationKind"), hit.Str("conversationName"), hit.Str("senderName"), hit.Str("peerId")));
    }

    [Fact]
    public async Task The_index_follows_an_edit_and_a_delete_for_everyone_and_a_deleted_user()
    {
        var (ann, bea) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var (old, edited, gone) = (Word(), Word(), Word());
        var first = (await annSocket.SendAndAckAsync(bea.Id, "e-1", $"{old} text")).Message().Str("id")!;
        var second = (await annSocket.SendAndAckAsync(bea.Id, "e-2", $"{gone} text")).Message().Str("id")!;

        // As the edit and the delete for everyone change the row: the search index needs no code of theirs.
        await UpdateAsync(first, m => { m.Ciphertext = Encoding.UTF8.GetBytes($"{edited} text"); m.EditedAt = DateTime.UtcNow; return m; });
        await UpdateAsync(second, m => { m.Ciphertext = []; m.DeletedAt = DateTime.UtcNow; return m; });

        Assert.Empty(await IdsAsync(bea, old));
        Assert.Equal([first], await IdsAsync(bea, edited));
        Assert.Empty(await IdsAsync(bea, gone));

        // A change row's JSON and a ciphertext that is not UTF-8 are never found, and storing them fails nothing.
        await annSocket.SendAsync(new { type = "send-message", toUserId = bea.Id, clientMessageId = "e-3", ciphertext = Convert.ToBase64String([0xff, 0xfe, 0x00, 0x41]) });
        Assert.Equal("ack", (await annSocket.TakeAsync(f => f.Str("clientMessageId") == "e-3" || f.Str("ref") == "e-3")).Type());

        await using (var scope = host.Services.CreateAsyncScope())
        {
            // Whoever registered first on this host is its admin; Ann must not be the last one for her deletion to go ahead.
            await scope.ServiceProvider.GetRequiredService<ChatDbContext>().Users.Where(u => u.Id == long.Parse(ann.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsAdmin, false), Ct);
            var users = scope.ServiceProvider.GetRequiredService<Chat.Web.Features.Admin.AdminUsers>();
            Assert.Equal(Chat.Web.Features.Admin.DeleteUserResult.Deleted, await users.DeleteAsync(long.Parse(bea.Id), long.Parse(ann.Id), Ct));
        }
        Assert.Empty(await IdsAsync(bea, edited));
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("*")]
    [InlineData(":")]
    [InlineData("(")]
    [InlineData("-")]
    [InlineData("' OR 1=1 --")]
    [InlineData("NEAR(a b)")]
    [InlineData("a AND OR NOT b*")]
    [InlineData("\"unterminated")]
    [InlineData("foo:bar & !baz | (qux")]
    [InlineData("^ $ {} [] \\ ; <script>")]
    public async Task Hostile_input_is_words_never_query_syntax(string q)
    {
        var ann = await host.RegisterAsync("Ann");
        var response = await SearchAsync(ann, q);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{q}: {response.StatusCode}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        if (response.StatusCode == HttpStatusCode.BadRequest) Assert.Equal("Type a word to search for.", body.Str("error"));
        else Assert.Empty(body.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Quotes_and_operators_around_real_words_still_find_them_and_bad_parameters_are_400()
    {
        var (ann, bea) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var word = Word();
        await annSocket.SendAndAckAsync(bea.Id, "h-1", $"meet {word} near the station");
        Assert.Single(await IdsAsync(bea, $"\"{word}\" NEAR* (station):"));
        Assert.Equal(HttpStatusCode.BadRequest, (await SearchAsync(bea, "")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SearchAsync(bea, new string('a', 201))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SearchAsync(bea, word, "&cursor=nonsense")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SearchAsync(bea, word, "&limit=0")).StatusCode);
        using var anonymous = host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/search?q={word}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Results_are_newest_first_in_keyset_pages()
    {
        var (ann, bea) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bea"));
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var word = Word();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add((await annSocket.SendAndAckAsync(bea.Id, $"p-{i}", $"{word} number {i}")).Message().Str("id")!);
        ids.Reverse();

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await FoundAsync(bea, word, "&limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.Str("messageId")!));
            cursor = page.Str("nextCursor");
        } while (cursor is not null);
        Assert.Equal(ids, seen);
    }
}

public sealed class PostgresSearchTests(RealtimePostgresApp app) : SearchTests(app), IClassFixture<RealtimePostgresApp>;

public sealed class SqliteSearchTests(RealtimeSqliteApp app) : SearchTests(app), IClassFixture<RealtimeSqliteApp>;
