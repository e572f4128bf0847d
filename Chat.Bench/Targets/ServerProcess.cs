using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Chat.Bench.Targets;

/// <summary>
/// A server under test: its own process, pinned with taskset to the server core, output to a log file,
/// ready once its health endpoint answers. Its pid is what RSS and CPU time are read from.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    readonly Process process;
    public string Name { get; }
    public Uri BaseUri { get; }
    public int Pid => process.Id;
    public string LogPath { get; }

    ServerProcess(string name, Process process, Uri baseUri, string logPath) =>
        (Name, this.process, BaseUri, LogPath) = (name, process, baseUri, logPath);

    public static async Task<ServerProcess> StartAsync(string name, string cpus, string executable, string arguments,
        IReadOnlyDictionary<string, string> environment, string workingDirectory, string logPath, TimeSpan timeout)
    {
        var port = FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}");
        // exec keeps one pid from sh through taskset to dotnet: the pid we watch is the server itself.
        var psi = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            ArgumentList = { "-c", $"exec taskset -c {cpus} {executable} {arguments} --urls {baseUri.ToString().TrimEnd('/')} >>'{logPath}' 2>&1" },
        };
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {name}.");
        var server = new ServerProcess(name, process, baseUri, logPath);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (process.HasExited) break;
            try
            {
                if ((await http.GetAsync(new Uri(baseUri, "/health"))).IsSuccessStatusCode) return server;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(100);
        }
        await server.DisposeAsync();
        throw new InvalidOperationException($"{name} did not become healthy in {timeout.TotalSeconds:0} s; see {logPath}:\n" + Tail(logPath));
    }

    /// <summary>Resident set size, from /proc/&lt;pid&gt;/status VmRSS, in bytes.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
    }

    /// <summary>User + system CPU time the server has used.</summary>
    public TimeSpan CpuTime() => ProcStat.Cpu(Pid);

    /// <summary>The CPUs the kernel lets the server run on (proof of the pinning for the report).</summary>
    public string AllowedCpus() => AllowedCpus(Pid.ToString());

    /// <summary>Cpus_allowed_list of /proc/&lt;pid&gt; ("self" for this process).</summary>
    public static string AllowedCpus(string pid) =>
        File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))
            ["Cpus_allowed_list:".Length..].Trim();

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    static string Tail(string path) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(30)) : "(no log)";

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
