using System.Collections.Concurrent;
using System.Diagnostics;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Resilience;

/// <summary>
/// One app node as a real OS process (<c>dotnet Chat.Web.dll</c>, as deployed), configured through the environment like
/// production, so that SIGKILL and SIGTERM are real signals to a real process. Its stdout and stderr (Serilog's JSON
/// lines) go to a log file of its own, which survives restarts (each start is marked in it).
/// </summary>
public sealed class AppNode : IAsyncDisposable
{
    readonly Dictionary<string, string> environment;
    readonly StreamWriter log;
    readonly Lock logGate = new();
    readonly ConcurrentQueue<string> errorLines = new();
    Process? process;
    int starts;

    public AppNode(string name, string host, ResilienceServers servers, IReadOnlyDictionary<string, string>? extra = null)
    {
        Name = name;
        Port = TestServers.FreePort();
        Address = new Uri($"http://{host}:{Port}");
        LogFile = Path.Combine(servers.Dir, $"node-{name}.log");
        log = new StreamWriter(LogFile, append: true) { AutoFlush = true };
        environment = new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = Address.ToString().TrimEnd('/'),
            ["DATABASE_URL"] = servers.Database,
            ["REDIS_URL"] = servers.Redis,
            ["REDIS_PREFIX"] = "resilience:",
            ["JWT_SECRET"] = ChatHost.JwtSecret, // both nodes accept each other's tokens
            ["BCRYPT_WORK_FACTOR"] = "4",
            ["RATE_LIMIT_AUTH_PER_MINUTE"] = "100000",
            ["RATE_LIMIT_API_PER_MINUTE"] = "100000",
            ["RATE_LIMIT_MESSAGES_PER_10S"] = "100000",
            ["WS_FRAMES_PER_SECOND"] = "100000",
            ["WS_FRAME_BURST"] = "100000",
            ["SHUTDOWN_DRAIN_SECONDS"] = "1",
            ["SHUTDOWN_TIMEOUT_SECONDS"] = "10",
            ["LOG_LEVEL"] = "Warning",
            ["DOTNET_gcServer"] = "0", // two nodes, a database, Redis and the clients share two cores
        };
        if (extra is not null) foreach (var (k, v) in extra) environment[k] = v;
    }

    public string Name { get; }
    public int Port { get; }
    public Uri Address { get; }
    public string LogFile { get; }
    public int? Pid => process is { HasExited: false } p ? p.Id : null;
    public int? LastExitCode { get; private set; }

    /// <summary>Error and fatal log lines of every run so far.</summary>
    public IReadOnlyCollection<string> ErrorLines => errorLines;

    /// <summary>Starts the process and returns once /health/ready answers 200.</summary>
    public async Task StartAsync(TimeSpan timeout)
    {
        if (process is { HasExited: false }) throw new InvalidOperationException($"node {Name} is running");
        var app = Path.Combine(AppContext.BaseDirectory, "Chat.Web.dll");
        var start = new ProcessStartInfo("dotnet", [app])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (k, v) in environment) start.Environment[k] = v;
        var run = ++starts;
        Write($"===== start {run} of node {Name} at {DateTime.UtcNow:O} =====");
        var p = new Process { StartInfo = start, EnableRaisingEvents = true };
        p.OutputDataReceived += (_, e) => Line(e.Data);
        p.ErrorDataReceived += (_, e) => Line(e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        process = p;
        await WaitReadyAsync(timeout);
    }

    async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process is { HasExited: true } p) throw new InvalidOperationException($"node {Name} exited with {p.ExitCode} before it was ready; see {LogFile}");
            try
            {
                using var ready = await http.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            if (deadline.Elapsed > timeout) throw new TimeoutException($"node {Name} not ready within {timeout}; see {LogFile}");
            await Task.Delay(100);
        }
    }

    /// <summary>The status GET /health/ready answers now (200 ready, 503 not), or null when nothing answers.</summary>
    public async Task<int?> ReadyStatusAsync()
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var ready = await http.GetAsync("/health/ready");
            return (int)ready.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>SIGKILL: the process ends at once, in the middle of whatever it was doing.</summary>
    public async Task KillAsync()
    {
        var p = process ?? throw new InvalidOperationException($"node {Name} was not started");
        Write($"===== SIGKILL to node {Name} (pid {p.Id}) at {DateTime.UtcNow:O} =====");
        p.Kill(); // SIGKILL on Linux
        await p.WaitForExitAsync();
        LastExitCode = p.ExitCode;
    }

    /// <summary>SIGTERM, as an orchestrator stops a node (the process is left to stop by itself).</summary>
    public async Task SendSigtermAsync()
    {
        var p = process ?? throw new InvalidOperationException($"node {Name} was not started");
        Write($"===== SIGTERM to node {Name} (pid {p.Id}) at {DateTime.UtcNow:O} =====");
        using var kill = Process.Start("kill", ["-TERM", p.Id.ToString()])!;
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -TERM {p.Id} failed with {kill.ExitCode}");
    }

    /// <summary>Waits for the process to end (after a SIGTERM); returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var p = process ?? throw new InvalidOperationException($"node {Name} was not started");
        await p.WaitForExitAsync().WaitAsync(timeout);
        LastExitCode = p.ExitCode;
        Write($"===== node {Name} exited with {p.ExitCode} at {DateTime.UtcNow:O} =====");
        return p.ExitCode;
    }

    /// <summary>Whether the process is running (it did not crash).</summary>
    public bool IsRunning => process is { HasExited: false };

    void Line(string? line)
    {
        if (line is null) return;
        Write(line);
        // Serilog's JSON lines in Production ("@l" is the level, present only when it is not Information).
        if (line.Contains("\"@l\":\"Error\"") || line.Contains("\"@l\":\"Fatal\"") || line.StartsWith("Unhandled exception", StringComparison.Ordinal))
            errorLines.Enqueue(line);
    }

    void Write(string line)
    {
        lock (logGate) log.WriteLine(line);
    }

    /// <summary>The last lines of the log, for a failure message.</summary>
    public string Tail(int lines)
    {
        lock (logGate) log.Flush();
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var all = new StreamReader(stream).ReadToEnd().Split('\n');
            return string.Join("\n", all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
        process?.Dispose();
        lock (logGate) log.Dispose();
    }
}
