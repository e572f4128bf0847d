using System.Diagnostics;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Pages;

/// <summary>
/// The built CSS and JS are committed so `dotnet run` needs no Node. These tests rebuild them from
/// wwwroot-src/ and node_modules (./test.sh runs `npm ci` first) and fail when the committed copies are stale.
/// </summary>
public sealed class BuiltAssetsTests
{
    static readonly string Root = BrowserFixture.RepoRoot;

    [Fact]
    public async Task The_committed_css_matches_a_fresh_tailwind_build_of_its_sources()
    {
        var cli = Path.Combine(Root, "node_modules", ".bin", "tailwindcss");
        Assert.True(File.Exists(cli), "node_modules is missing: run `npm ci` (./test.sh does).");
        var output = Path.Combine(Path.GetTempPath(), $"app-{Guid.NewGuid():N}.css");
        try
        {
            var psi = new ProcessStartInfo(cli, ["-i", "wwwroot-src/app.css", "-o", output, "--minify"])
            {
                WorkingDirectory = Root,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(process.ExitCode == 0, await stderr);
            var committed = await File.ReadAllTextAsync(Path.Combine(Root, "Chat.Web", "wwwroot", "css", "app.css"), TestContext.Current.CancellationToken);
            var fresh = await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken);
            Assert.True(committed == fresh, "Chat.Web/wwwroot/css/app.css is stale: run `npm run build` and commit the result.");
        }
        finally
        {
            File.Delete(output);
        }
    }

    public static TheoryData<string, string> CopiedScripts()
    {
        var data = new TheoryData<string, string>
        {
            { "node_modules/htmx.org/dist/htmx.min.js", "Chat.Web/wwwroot/lib/htmx.min.js" },
            { "node_modules/htmx-ext-ws/dist/ws.min.js", "Chat.Web/wwwroot/lib/htmx-ext-ws.min.js" },
            { "node_modules/htmx-ext-sse/dist/sse.min.js", "Chat.Web/wwwroot/lib/htmx-ext-sse.min.js" },
            { "wwwroot-src/sw.js", "Chat.Web/wwwroot/sw.js" },
        };
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "wwwroot-src", "js")))
            data.Add($"wwwroot-src/js/{Path.GetFileName(file)}", $"Chat.Web/wwwroot/js/{Path.GetFileName(file)}");
        return data;
    }

    [Theory]
    [MemberData(nameof(CopiedScripts))]
    public void The_committed_scripts_match_their_sources(string source, string committed)
    {
        Assert.True(File.Exists(Path.Combine(Root, source)), source + " is missing: run `npm ci` (./test.sh does).");
        Assert.True(File.ReadAllBytes(Path.Combine(Root, source)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(Root, committed))),
            committed + " is stale: run `npm run build` and commit the result.");
    }
}
