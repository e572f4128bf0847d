using System.Net.Http.Json;
using System.Text.Json;
using Chat.Bench.Load;

namespace Chat.Bench.Targets;

/// <summary>POST /groups as a client does it: the creator's bearer token, the other members by id; the same call on both targets.</summary>
static class GroupCreation
{
    public static async Task<string> PostAsync(HttpClient api, BenchUser creator, IEnumerable<BenchUser> members, string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/groups")
        {
            Content = JsonContent.Create(new { name, memberIds = members.Where(m => m.Id != creator.Id).Select(m => m.Id).ToArray() }),
        };
        request.Headers.Authorization = new("Bearer", creator.Token);
        using var response = await api.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST /groups failed: {(int)response.StatusCode} {body[..Math.Min(300, body.Length)]}");
        using var json = JsonDocument.Parse(body);
        var id = json.RootElement.GetProperty("id");
        return id.ValueKind == JsonValueKind.String ? id.GetString()! : id.GetRawText();
    }
}
