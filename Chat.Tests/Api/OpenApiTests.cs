using System.Text.Json;
using System.Text.RegularExpressions;
using Chat.Tests.Infrastructure;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Chat.Tests.Api;

/// <summary>The OpenAPI document: it parses without errors, lists every endpoint of docs/api.md, and its schemas are real.</summary>
public sealed partial class OpenApiTests(PostgresApp app) : IClassFixture<PostgresApp>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Named in docs/api.md, not endpoints of the API: the landing page, the socket's plain-GET refusal, the document itself, the scrape endpoint.
    static readonly HashSet<string> NotInTheDocument = ["GET /", "GET /ws", "GET /openapi/v1.json", "GET /metrics"];

    [Fact]
    public async Task The_document_validates_and_lists_every_documented_endpoint()
    {
        using var client = app.Host.Client();
        var json = await client.GetStringAsync("/openapi/v1.json", Ct);
        var read = OpenApiDocument.Parse(json, "json");
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        var document = read.Document!;

        var listed = document.Paths.SelectMany(p => p.Value.Operations!.Keys.Select(m => $"{m.Method.ToUpperInvariant()} {Shape(p.Key)}")).ToHashSet();
        var documented = Endpoint().Matches(await File.ReadAllTextAsync(DocsFile(), Ct))
            .Select(m => $"{m.Groups["method"].Value} {m.Groups["path"].Value}").Where(e => !NotInTheDocument.Contains(e)).Distinct().ToList();
        Assert.True(documented.Count >= 20, $"only {documented.Count} endpoints found in docs/api.md");
        var missing = documented.Where(e => !listed.Contains(Shape(e))).ToList();
        Assert.True(missing.Count == 0, "missing from the OpenAPI document: " + string.Join(", ", missing));

        // Typed answers: a group's schema has its fields, an error answer the error shape.
        using var raw = JsonDocument.Parse(json);
        var schemas = raw.RootElement.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("GroupView").GetProperty("properties").TryGetProperty("members", out _));
        Assert.True(schemas.GetProperty("ApiError").GetProperty("properties").TryGetProperty("error", out _));
        Assert.True(schemas.GetProperty("MessageView").GetProperty("properties").TryGetProperty("seq", out _));
    }

    /// <summary>"GET /groups/{id}/members/{userId}" → "GET /groups/{}/members/{}": parameter names may differ.</summary>
    static string Shape(string endpoint) => Parameter().Replace(endpoint, "{}");

    static string DocsFile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "docs", "api.md"))) return Path.Combine(dir.FullName, "docs", "api.md");
        throw new FileNotFoundException("docs/api.md");
    }

    [GeneratedRegex(@"`(?<method>GET|POST|PATCH|PUT|DELETE) (?<path>/[^`?\s]*)")]
    private static partial Regex Endpoint();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();
}
