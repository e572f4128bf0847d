using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Groups;

/// <summary>The groups JSON API as a test calls it.</summary>
public static class GroupApi
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<string> CreateAsync(ChatHost host, TestUser creator, string name, params TestUser[] members)
    {
        using var client = host.Client(creator.Token);
        var response = await client.PostAsJsonAsync("/groups", new { name, memberIds = members.Select(m => m.Id) }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).Str("id")!;
    }

    public static async Task<HttpResponseMessage> AddAsync(ChatHost host, TestUser actor, string group, params string[] userIds)
    {
        using var client = host.Client(actor.Token);
        return await client.PostAsJsonAsync($"/groups/{group}/members", new { userIds }, Ct);
    }

    public static async Task<HttpResponseMessage> RemoveAsync(ChatHost host, TestUser actor, string group, string userId)
    {
        using var client = host.Client(actor.Token);
        return await client.DeleteAsync($"/groups/{group}/members/{userId}", Ct);
    }

    public static async Task<HttpResponseMessage> LeaveAsync(ChatHost host, TestUser actor, string group)
    {
        using var client = host.Client(actor.Token);
        return await client.PostAsync($"/groups/{group}/leave", null, Ct);
    }

    public static async Task<JsonElement> GetAsync(ChatHost host, TestUser viewer, string path)
    {
        using var client = host.Client(viewer.Token);
        var response = await client.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    /// <summary>The seqs of the group's messages the viewer can read, oldest first.</summary>
    public static async Task<List<long>> SeqsAsync(ChatHost host, TestUser viewer, string group) =>
        (await GetAsync(host, viewer, $"/groups/{group}/messages?afterSeq=0&limit=100")).GetProperty("items").EnumerateArray()
            .Select(m => m.GetProperty("seq").GetInt64()).ToList();

    public static bool IsSystem(this JsonElement frame, string action) =>
        frame.IsMessage() && frame.Message().Str("kind") == "system" && frame.Message().GetProperty("system").Str("action") == action;
}
