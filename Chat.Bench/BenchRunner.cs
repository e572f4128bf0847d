using Chat.Bench.Load;
using Chat.Bench.Measurements;
using Chat.Bench.Reporting;
using Chat.Bench.Targets;

namespace Chat.Bench;

/// <summary>Where things are and which cores they get, from the command line (bench.sh fills it in).</summary>
public sealed record BenchSettings(
    BenchProfile Profile, string AppDll, string? Postgres, string? Redis, string ServerCpus, string GeneratorCpus,
    string OutputDirectory, string WorkDirectory, string? Commit, string RelayFault, string PostgresFsync, IReadOnlySet<string> Storages,
    bool IdleOnly = false, TimeSpan IdleHold = default, GroupProfile? Groups = null, bool Sync = false, bool Media = false);

/// <summary>
/// The whole invocation: the relay first (the ceiling), then the app on each storage, every figure
/// taken by the same harness, and the app compared with a relay run at the same rate.
/// </summary>
public sealed class BenchRunner(BenchSettings settings)
{
    readonly BenchProfile profile = settings.Profile;
    readonly BenchResults results = new(settings.Profile.Name, DateTime.UtcNow, MachineInfo.Read(), settings.ServerCpus, settings.GeneratorCpus, settings.Commit);
    readonly Dictionary<double, LoadResult> relayByRate = [];
    RelayTarget? relay;

    public async Task<BenchResults> RunAsync()
    {
        Directory.CreateDirectory(settings.WorkDirectory);
        results.LoadAverageAtStart = MachineInfo.LoadAverage();
        results.PostgresFsync = settings.PostgresFsync;
        Console.WriteLine($"Server processes (app, relay, PostgreSQL, Redis) on CPU {settings.ServerCpus}; load generator on CPU {settings.GeneratorCpus}.");
        try
        {
            relay = new RelayTarget(await StartRelayAsync());
            results.ServerCpusConfirmed = relay.Server.AllowedCpus();
            results.GeneratorCpusConfirmed = ServerProcess.AllowedCpus("self");
            if (settings.Sync) await SyncAsync();
            else if (settings.Media) await MediaAsync();
            else if (settings.Groups is { } groups) await GroupsAsync(groups);
            else await DirectAsync();
        }
        finally
        {
            if (relay is not null) await relay.DisposeAsync();
        }
        results.LoadAverageAtEnd = MachineInfo.LoadAverage();
        if (BenchSocket.FramesBeforeReady is { Count: > 0 } early)
            results.Notes.Add($"{early.Count} frames arrived before \"ready\" (the protocol sends ready first); the last: {early.Last?[..Math.Min(160, early.Last.Length)]}");
        return results;
    }

    /// <summary>The group mode: the relay, then the app on PostgreSQL + Redis (the issue's storage for groups).</summary>
    async Task GroupsAsync(GroupProfile groups)
    {
        var bench = new GroupFanoutBench(groups, results);
        await bench.RunAsync(relay!, await relay!.UsersAsync(groups.Members));
        if (settings.Postgres is null || settings.Redis is null)
        {
            results.NotMeasured.Add("groups, PostgreSQL + Redis: no --postgres/--redis given.");
            return;
        }
        var database = await PostgresBenchDatabase.CreateAsync(settings.Postgres, settings.Redis);
        Progress($"app ({database.Storage}): starting");
        await using var app = await AppTarget.StartAsync(settings.AppDll, settings.ServerCpus, database, Log("app-groups"));
        Progress($"app ({database.Storage}): registering {groups.Members} users");
        await bench.RunAsync(app, await app.UsersAsync(groups.Members));
    }

    /// <summary>The sync mode: the app on each storage (the relay keeps no history to sync from).</summary>
    async Task SyncAsync()
    {
        var bench = new SyncBench(results);
        if (settings.Storages.Contains("postgres"))
        {
            if (settings.Postgres is null || settings.Redis is null) results.NotMeasured.Add("sync, PostgreSQL + Redis: no --postgres/--redis given.");
            else
            {
                await using var app = await AppTarget.StartAsync(settings.AppDll, settings.ServerCpus, await PostgresBenchDatabase.CreateAsync(settings.Postgres, settings.Redis), Log("app-sync-postgres"));
                await bench.RunAsync(app);
            }
        }
        if (settings.Storages.Contains("sqlite"))
        {
            await using var app = await AppTarget.StartAsync(settings.AppDll, settings.ServerCpus, new SqliteBenchDatabase(settings.WorkDirectory), Log("app-sync-sqlite"));
            await bench.RunAsync(app);
        }
    }

    /// <summary>The media mode: the app on each storage asked for; the baseline is the app's own static file server, in the same run.</summary>
    async Task MediaAsync()
    {
        var bench = new MediaBench(settings, results);
        if (settings.Storages.Contains("postgres"))
        {
            if (settings.Postgres is null || settings.Redis is null) results.NotMeasured.Add("media, PostgreSQL + Redis: no --postgres/--redis given.");
            else await bench.RunAsync(await PostgresBenchDatabase.CreateAsync(settings.Postgres, settings.Redis));
        }
        if (settings.Storages.Contains("sqlite")) await bench.RunAsync(new SqliteBenchDatabase(settings.WorkDirectory));
    }

    /// <summary>Direct messages: the relay, then the app on each storage.</summary>
    async Task DirectAsync()
    {
        await RelayAsync();
        if (settings.Storages.Contains("postgres"))
        {
            if (settings.Postgres is null || settings.Redis is null) results.NotMeasured.Add("PostgreSQL + Redis: no --postgres/--redis given.");
            else await AppAsync(await PostgresBenchDatabase.CreateAsync(settings.Postgres, settings.Redis));
        }
        if (settings.Storages.Contains("sqlite")) await AppAsync(new SqliteBenchDatabase(settings.WorkDirectory));
    }

    Task<ServerProcess> StartRelayAsync()
    {
        var self = typeof(BenchRunner).Assembly.Location;
        // Chat.Bench's own runtimeconfig picks workstation GC for the generator; the relay runs with the app's
        // runtimeconfig instead (server GC, quick JIT off, no thread-pool spinning: see Chat.Web.csproj), so memory and
        // speed compare like with like, and a runtime setting changed in the app reaches the relay without a copy here.
        var appRuntimeConfig = Path.ChangeExtension(Path.GetFullPath(settings.AppDll), ".runtimeconfig.json");
        return ServerProcess.StartAsync("relay", settings.ServerCpus, "dotnet",
            $"exec --runtimeconfig '{appRuntimeConfig}' '{self}' relay --fault {settings.RelayFault}", new Dictionary<string, string>(),
            Path.GetDirectoryName(self)!, Log("relay"), TimeSpan.FromSeconds(30));
    }

    async Task RelayAsync()
    {
        // With --idle-only too: the relay's idle sockets are measured after its load runs, as in a whole run, so
        // its figure means the same in both.
        var users = await relay!.UsersAsync(profile.Connections);
        await WarmUpAsync(relay, users, profile.FixedRate);
        results.Load.Add(await RelayAtAsync(profile.FixedRate));
        Progress($"relay: {profile.IdleConnections} idle sockets");
        results.Idle.Add(await IdleConnections.MeasureAsync(relay, users, profile.IdleConnections, settings.IdleHold));
        if (profile.StepMode && !settings.IdleOnly) results.Steps.Add(await StepAsync(relay, users));
    }

    /// <summary>The relay at a given rate, measured once per rate: the denominator of every app/relay ratio.</summary>
    async Task<LoadResult> RelayAtAsync(double rate)
    {
        if (relayByRate.TryGetValue(rate, out var known)) return known;
        Progress($"relay: {rate:0} msg/s for {profile.RunDuration.TotalSeconds:0} s");
        var result = await OpenLoopRun.RunAsync(relay!, await relay!.UsersAsync(profile.Connections), Plan(rate, profile.RunDuration), "fixed rate");
        Report(result);
        return relayByRate[rate] = result;
    }

    async Task AppAsync(BenchDatabase database)
    {
        Progress($"app ({database.Storage}): starting");
        await using var app = await AppTarget.StartAsync(settings.AppDll, settings.ServerCpus, database, Log("app-" + database.Storage.Split(' ')[0].ToLowerInvariant()));
        Progress($"app ({database.Storage}): registering {profile.Connections} users");
        var users = await app.UsersAsync(profile.Connections);

        // The socket gateway may not exist yet (it is built separately): measure what does exist.
        var gateway = await ProbeGatewayAsync(app, users[0]);
        if (gateway is not null) results.NotMeasured.Add($"app ({database.Storage}): load, step and idle sockets: {gateway}");
        else
        {
            Progress($"app ({database.Storage}): {profile.IdleConnections} idle sockets");
            results.Idle.Add(await IdleConnections.MeasureAsync(app, users, profile.IdleConnections, settings.IdleHold));
        }
        if (settings.IdleOnly) return;
        if (gateway is null) await LoadAsync(app, users);

        // Last: the bulk seed writes hundreds of megabytes (at 1,000,000 messages), and the disk's writeback of them, and
        // the checkpoint their WAL starts, would otherwise land in the load runs (docs/performance-log.md, seventh round).
        Progress($"app ({database.Storage}): seeding {profile.HistoryMessages:N0} messages, paging");
        results.History.Add(await HistoryDepth.MeasureAsync(app, profile.HistoryMessages, profile.HistoryDepths, profile.HistorySamples, profile.MessageBytes));
    }

    /// <summary>The fixed rate against the relay; with steps, the sustained rate and the half-rate comparison.</summary>
    async Task LoadAsync(AppTarget app, IReadOnlyList<BenchUser> users)
    {
        await WarmUpAsync(app, users, profile.FixedRate);
        await CompareAsync(app, users, profile.FixedRate, "fixed rate");
        if (!profile.StepMode) return;

        var steps = await StepAsync(app, users);
        results.Steps.Add(steps);
        // The issue's latency target: p99 at half the app's sustained rate against the relay's at that rate, after a
        // warm-up at that rate as for the fixed rate. The step search ends with overload probes; the warm-up does not
        // outlast the checkpoint their WAL started (docs/performance-log.md, "The send path, third round").
        if (steps.HighestRateHeld is { } held)
        {
            var half = Math.Round(held / 2);
            await WarmUpAsync(app, users, half);
            await CompareAsync(app, users, half, "half sustained");
        }
    }

    async Task WarmUpAsync(IChatTarget target, IReadOnlyList<BenchUser> users, double rate)
    {
        Progress($"{target.Name} ({target.Storage}): warm-up at {rate:0} msg/s");
        Report(await OpenLoopRun.RunAsync(target, users, Plan(rate, profile.Warmup), "warm-up"));
    }

    async Task CompareAsync(AppTarget app, IReadOnlyList<BenchUser> users, double rate, string label)
    {
        Progress($"app ({app.Storage}): {rate:0} msg/s for {profile.RunDuration.TotalSeconds:0} s");
        var result = await OpenLoopRun.RunAsync(app, users, Plan(rate, profile.RunDuration), label);
        Report(result);
        results.Load.Add(result);
        var ceiling = await RelayAtAsync(rate);
        if (!results.Load.Contains(ceiling)) results.Load.Add(ceiling);
    }

    /// <summary>The highest rate that holds the service level (<see cref="RateSearch"/>).</summary>
    async Task<StepResult> StepAsync(IChatTarget target, IReadOnlyList<BenchUser> users)
    {
        var (held, stoppedBy, runs) = await RateSearch.RunAsync(profile.StepStartRate, profile.StepFactor, profile.StepMaxRate,
            profile.QuietTimeout, "msg/s", rate => StepRunAsync(target, users, rate));
        return new StepResult(target.Name, target.Storage, held?.TargetRate, held?.EndToEnd.P99, stoppedBy, runs);
    }

    async Task<LoadResult> StepRunAsync(IChatTarget target, IReadOnlyList<BenchUser> users, double rate)
    {
        Progress($"{target.Name} ({target.Storage}): step {rate:0} msg/s");
        var run = await OpenLoopRun.RunAsync(target, users, Plan(rate, profile.StepDuration), "step");
        Report(run);
        return run;
    }

    static async Task<string?> ProbeGatewayAsync(IChatTarget target, BenchUser user)
    {
        try
        {
            await using var socket = await BenchSocket.ConnectAsync(target.SocketUri(user), TimeSpan.FromSeconds(10));
            return null;
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or OperationCanceledException or HttpRequestException)
        {
            return "the WebSocket gateway (/ws) did not accept a connection: " + e.Message;
        }
    }

    LoadPlan Plan(double rate, TimeSpan duration) => new(profile.Connections, rate, duration, profile.MessageBytes, profile.QuietTimeout);

    string Log(string name) => Path.Combine(settings.WorkDirectory, $"{name}.log");

    static void Progress(string what) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {what}");

    static void Report(LoadResult r) => Console.Error.WriteLine(
        $"           {r.AchievedRate:0} msg/s sent, e2e p50 {r.EndToEnd.P50} p99 {r.EndToEnd.P99} ms, ack p99 {r.Ack.P99} ms, " +
        $"server CPU {r.ServerCpu:P0} ({MarkdownReport.Micros(r.CpuPerMessage)} µs/msg), generator CPU {r.GeneratorCpu:P0}: {(r.Passed ? "ok" : "FAILED: " + string.Join("; ", r.Failures))}");
}
