using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Actions;

/// <summary>The message actions' JSON API as a test calls it, and how their frames look.</summary>
public static class ActionApi
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
    public static string Text(this JsonElement message) => Encoding.UTF8.GetString(Convert.FromBase64String(message.Str("ciphertext")!));

    public static async Task<HttpResponseMessage> EditAsync(ChatHost host, TestUser me, string messageId, string text)
    {
        using var client = host.Client(me.Token);
        return await client.PatchAsJsonAsync($"/messages/{messageId}", new { ciphertext = B64(text) }, Ct);
    }

    public static async Task<HttpResponseMessage> DeleteAsync(ChatHost host, TestUser me, string messageId)
    {
        using var client = host.Client(me.Token);
        return await client.DeleteAsync($"/messages/{messageId}", Ct);
    }

    public static async Task<HttpResponseMessage> ReactAsync(ChatHost host, TestUser me, string messageId, string? emoji)
    {
        using var client = host.Client(me.Token);
        return emoji is null ? await client.DeleteAsync($"/messages/{messageId}/reaction", Ct)
            : await client.PutAsJsonAsync($"/messages/{messageId}/reaction", new { emoji }, Ct);
    }

    public static async Task<HttpResponseMessage> HideAsync(ChatHost host, TestUser me, string messageId)
    {
        using var client = host.Client(me.Token);
        return await client.PostAsync($"/messages/{messageId}/hide", null, Ct);
    }

    public static async Task<HttpResponseMessage> ForwardAsync(ChatHost host, TestUser me, string messageId, string? clientMessageId, params string[] conversationIds)
    {
        using var client = host.Client(me.Token);
        return await client.PostAsJsonAsync($"/messages/{messageId}/forward", new { conversationIds, clientMessageId }, Ct);
    }

    public static async Task<JsonElement> BodyAsync(this HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

    /// <summary>Everything the user's history of a conversation shows (newest first), by the REST API.</summary>
    public static async Task<List<JsonElement>> HistoryAsync(ChatHost host, TestUser me, string path)
    {
        using var client = host.Client(me.Token);
        var response = await client.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.BodyAsync()).GetProperty("items").EnumerateArray().ToList();
    }

    public static bool IsChange(this JsonElement frame, string action, string messageId) =>
        frame.IsMessage() && frame.Message().Str("kind") == "change" && frame.Message().GetProperty("change").Str("action") == action
        && frame.Message().GetProperty("change").Str("messageId") == messageId;

    public static JsonElement Changed(this JsonElement frame) => frame.Message().GetProperty("changed");

    public static Dictionary<string, int> Reactions(this JsonElement message) =>
        message.GetProperty("reactions").EnumerateArray().ToDictionary(r => r.Str("emoji")!, r => r.GetProperty("userIds").GetArrayLength());
}
