using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Chat.Tests.Api;

/// <summary>Assertions on the API's answers: the status, and for errors the {error, errors?} JSON shape.</summary>
public static class ApiAssert
{
    /// <summary>Asserts the status and the error shape; returns the body for further checks.</summary>
    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return ErrorBody(response, text);
    }

    /// <summary>The error shape: JSON with a non-empty "error" string.</summary>
    public static JsonElement ErrorBody(HttpResponseMessage response, string text)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(JsonValueKind.String, body.GetProperty("error").ValueKind);
        Assert.NotEmpty(body.GetProperty("error").GetString()!);
        return body;
    }

    /// <summary>Asserts 200 and returns the JSON body.</summary>
    public static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    public static async Task<JsonElement> GetOkAsync(this HttpClient client, string path) =>
        await OkAsync(await client.GetAsync(path, TestContext.Current.CancellationToken));

    public static async Task<JsonElement> GetErrorAsync(this HttpClient client, string path, HttpStatusCode expected) =>
        await ErrorAsync(await client.GetAsync(path, TestContext.Current.CancellationToken), expected);

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(path, body, TestContext.Current.CancellationToken);
}
