using System.Diagnostics;
using System.Net.Sockets;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Media;

/// <summary>
/// A real S3 REST server on loopback for the S3 media tests: s3rver, from the repository's npm tools (npm ci in
/// ./test.sh installs it), on a free port with its data in a temporary folder. One per test class that asks.
/// </summary>
public sealed class S3Server : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    readonly Process process;
    readonly string directory;

    S3Server(Process process, string directory, string endpoint) => (this.process, this.directory, Endpoint) = (process, directory, endpoint);

    public string Endpoint { get; }

    public static async Task<S3Server> StartAsync()
    {
        var script = Path.Combine(BrowserFixture.RepoRoot, "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script)) throw new InvalidOperationException($"{script} is missing: run npm ci (./test.sh does).");
        var directory = Path.Combine(Path.GetTempPath(), $"chat-s3-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var port = TestServers.FreePort();
        var psi = new ProcessStartInfo("node", $"{script} -d {directory} -a 127.0.0.1 -p {port} --silent --no-vhost-buckets")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(psi)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        for (var i = 0; ; i++)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync("127.0.0.1", port);
                break;
            }
            catch (SocketException) when (i < 100 && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
        return new S3Server(process, directory, $"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
