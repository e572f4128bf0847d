using System.Net;
using System.Text;
using System.Text.Json;
using Chat.Tests.Api;
using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Chat.Web.Features.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Conversations;

public abstract class ConversationsApiTests(AppFixture app)
{
    readonly ChatHost host = app.Host;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<string> ConversationIdAsync(TestUser me, TestUser peer)
    {
        using var client = host.Client(me.Token);
        return (await client.GetOkAsync($"/conversations/{peer.Id}")).GetProperty("conversationId").GetString()!;
    }

    /// <summary>Stores <paramref name="count"/> messages alternating between the two users, through the real sender.</summary>
    internal static async Task SeedMessagesAsync(ChatHost host, TestUser a, TestUser b, int count)
    {
        using var scope = host.Services.CreateScope();
        var sender = scope.ServiceProvider.GetRequiredService<MessageSender>();
        for (var i = 1; i <= count; i++)
        {
            var (from, to) = i % 2 == 1 ? (a, b) : (b, a);
            var result = await sender.SendAsync(new SendCommand(long.Parse(from.Id), long.Parse(to.Id), null,
                Encoding.UTF8.GetBytes($"cipher {i}"), $"seed-{from.Id}-{to.Id}-{i}"), Ct);
            Assert.IsType<SendResult.Sent>(result);
        }
    }

    static List<long> Seqs(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()).ToList();

    static string? Next(JsonElement page) =>
        page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();

    [Fact]
    public async Task Both_participants_get_the_same_conversation()
    {
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        var first = await ConversationIdAsync(a, b);
        Assert.Equal(first, await ConversationIdAsync(b, a));
        Assert.Equal(first, await ConversationIdAsync(a, b));
        Assert.True(long.TryParse(first, out _));
    }

    [Fact]
    public async Task A_conversation_with_yourself_is_400_and_with_an_unknown_user_404()
    {
        var a = await host.RegisterAsync();
        using var client = host.Client(a.Token);
        await client.GetErrorAsync($"/conversations/{a.Id}", HttpStatusCode.BadRequest);
        await client.GetErrorAsync($"/conversations/{a.Id}/messages", HttpStatusCode.BadRequest);
        foreach (var unknown in new[] { "999999999", "9223372036854775807", "99999999999999999999999", "abc", "0", "-1" })
        {
            await client.GetErrorAsync($"/conversations/{unknown}", HttpStatusCode.NotFound);
            await client.GetErrorAsync($"/conversations/{unknown}/messages", HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task Conversations_need_a_token()
    {
        var a = await host.RegisterAsync();
        using var client = host.Client();
        await client.GetErrorAsync($"/conversations/{a.Id}", HttpStatusCode.Unauthorized);
        await client.GetErrorAsync($"/conversations/{a.Id}/messages", HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Twenty_parallel_first_requests_create_one_conversation()
    {
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        // Both sides race, each on its own connection.
        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? ConversationIdAsync(a, b) : ConversationIdAsync(b, a)));
        Assert.Single(ids.Distinct());

        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var (lo, hi) = (Math.Min(long.Parse(a.Id), long.Parse(b.Id)), Math.Max(long.Parse(a.Id), long.Parse(b.Id)));
        var rows = await db.Conversations.Where(c => c.AId == lo && c.BId == hi).Select(c => c.Id).ToListAsync(Ct);
        Assert.Equal([long.Parse(ids[0])], rows);
    }

    [Fact]
    public async Task History_is_newest_first_and_the_cursor_walks_back_to_the_first_message()
    {
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        await SeedMessagesAsync(host, a, b, 25);
        using var client = host.Client(a.Token);

        var first = await client.GetOkAsync($"/conversations/{b.Id}/messages?limit=10");
        Assert.Equal(Enumerable.Range(16, 10).Reverse().Select(i => (long)i), Seqs(first));
        var second = await client.GetOkAsync($"/conversations/{b.Id}/messages?limit=10&cursor={Uri.EscapeDataString(Next(first)!)}");
        Assert.Equal(Enumerable.Range(6, 10).Reverse().Select(i => (long)i), Seqs(second));
        var third = await client.GetOkAsync($"/conversations/{b.Id}/messages?limit=10&cursor={Uri.EscapeDataString(Next(second)!)}");
        Assert.Equal([5L, 4, 3, 2, 1], Seqs(third));
        Assert.Null(Next(third));

        var byDefault = await client.GetOkAsync($"/conversations/{b.Id}/messages");
        Assert.Equal(20, byDefault.GetProperty("items").GetArrayLength());

        var newest = first.GetProperty("items")[0];
        Assert.Equal(await ConversationIdAsync(a, b), newest.GetProperty("conversationId").GetString());
        Assert.Equal(a.Id, newest.GetProperty("senderId").GetString()); // seq 25 is odd: a sent it
        Assert.Equal(b.Id, newest.GetProperty("receiverId").GetString());
        Assert.Equal("cipher 25", Encoding.UTF8.GetString(Convert.FromBase64String(newest.GetProperty("ciphertext").GetString()!)));
        Assert.Equal($"seed-{a.Id}-{b.Id}-25", newest.GetProperty("clientMessageId").GetString());
        Assert.Equal(JsonValueKind.String, newest.GetProperty("createdAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, newest.GetProperty("readAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, newest.GetProperty("deliveredAt").ValueKind);
        Assert.Equal(JsonValueKind.String, newest.GetProperty("id").ValueKind);
    }

    [Fact]
    public async Task AfterSeq_returns_the_missed_messages_oldest_first()
    {
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        await SeedMessagesAsync(host, a, b, 12);
        using var client = host.Client(b.Token);

        var all = await client.GetOkAsync($"/conversations/{a.Id}/messages?afterSeq=0");
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), Seqs(all));
        Assert.Null(Next(all));

        var missed = await client.GetOkAsync($"/conversations/{a.Id}/messages?afterSeq=9");
        Assert.Equal([10L, 11, 12], Seqs(missed));

        // In pages: nextCursor is the last seq returned, to pass back as afterSeq.
        var seen = new List<long>();
        string? after = "3";
        while (after is not null)
        {
            var page = await client.GetOkAsync($"/conversations/{a.Id}/messages?afterSeq={after}&limit=4");
            seen.AddRange(Seqs(page));
            after = Next(page);
        }
        Assert.Equal(Enumerable.Range(4, 9).Select(i => (long)i), seen);

        Assert.Empty(Seqs(await client.GetOkAsync($"/conversations/{a.Id}/messages?afterSeq=12")));
    }

    [Fact]
    public async Task Only_the_two_participants_read_a_conversation()
    {
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        var outsider = await host.RegisterAsync();
        await SeedMessagesAsync(host, a, b, 3);
        var conversationId = await ConversationIdAsync(a, b);

        // An outsider can only ever name a peer, which selects the outsider's own conversation with that peer.
        using var client = host.Client(outsider.Token);
        foreach (var peer in new[] { a, b })
        {
            var page = await client.GetOkAsync($"/conversations/{peer.Id}/messages");
            Assert.Empty(page.GetProperty("items").EnumerateArray());
            var catchUp = await client.GetOkAsync($"/conversations/{peer.Id}/messages?afterSeq=0");
            Assert.Empty(catchUp.GetProperty("items").EnumerateArray());
            Assert.NotEqual(conversationId, await ConversationIdAsync(outsider, peer));
        }
        // Naming the conversation id as if it were a user id reaches nothing of a and b's: the id is
        // either nobody (404), the outsider (400) or another user, with whom the outsider has no messages.
        var byConversationId = await client.GetAsync($"/conversations/{conversationId}/messages", Ct);
        var text = await byConversationId.Content.ReadAsStringAsync(Ct);
        Assert.Contains(byConversationId.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.BadRequest });
        if (byConversationId.StatusCode == HttpStatusCode.OK) Assert.Empty(JsonDocument.Parse(text).RootElement.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task History_before_the_first_message_is_empty()
    {
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        using var client = host.Client(a.Token);
        var page = await client.GetOkAsync($"/conversations/{b.Id}/messages");
        Assert.Empty(page.GetProperty("items").EnumerateArray());
        Assert.Null(Next(page));
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("limit=ten")]
    [InlineData("afterSeq=-1")]
    [InlineData("afterSeq=abc")]
    [InlineData("afterSeq=99999999999999999999")]
    [InlineData("cursor=not-a-cursor!")]
    [InlineData("cursor=cDA")]
    [InlineData("afterSeq=1&limit=500")]
    public async Task Messages_with_a_bad_limit_cursor_or_afterSeq_is_400(string query)
    {
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        using var client = host.Client(a.Token);
        await client.GetErrorAsync($"/conversations/{b.Id}/messages?{query}", HttpStatusCode.BadRequest);
    }
}

public sealed class ConversationsApiOnPostgres(PostgresApp app) : ConversationsApiTests(app), IClassFixture<PostgresApp>;

public sealed class ConversationsApiOnSqlite(SqliteApp app) : ConversationsApiTests(app), IClassFixture<SqliteApp>;
