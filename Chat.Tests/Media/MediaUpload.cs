using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Media;

/// <summary>Uploading and sending through the API, for suites that need a file in a conversation.</summary>
public static class MediaUpload
{
    /// <summary>Uploads (POST /media) and returns the attachment's id.</summary>
    public static async Task<string> UploadAsync(ChatHost host, TestUser user, string name, byte[] bytes)
    {
        using var client = host.Client(user.Token);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", name } };
        var response = await client.PostAsync("/media", form, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetString()!;
    }

    /// <summary>Uploads and sends it (to a user, or into a conversation by id) over the socket; returns the attachment's id.</summary>
    public static async Task<string> SendAsync(ChatHost host, TestUser from, string? toUserId, string? conversationId, string name, byte[] bytes)
    {
        var id = await UploadAsync(host, from, name, bytes);
        await using var socket = await SocketClient.ConnectAsync(host, from);
        var clientId = "media-" + id;
        await socket.SendAsync(new { type = "send-message", toUserId, conversationId, clientMessageId = clientId, ciphertext = "", attachments = new[] { id } });
        var reply = await socket.TakeAsync(f => (f.Type() == "ack" && f.Str("clientMessageId") == clientId) || (f.Type() == "error" && f.Str("ref") == clientId));
        Assert.True(reply.Type() == "ack", "expected an ack, got " + reply);
        return id;
    }
}
