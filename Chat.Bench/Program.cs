using System.Text.Json;
using Chat.Bench;
using Chat.Bench.Relay;
using Chat.Bench.Reporting;

// Chat.Bench relay --urls http://127.0.0.1:PORT      the relay target (started by "run", pinned to the server core)
// Chat.Bench run [--full] --app Chat.Web.dll ...      the whole benchmark (bench.sh is the usual way in)
// Chat.Bench search --app Chat.Web.dll --postgres ... message search over 1,000,000 messages (bench.sh --search)
var options = ParseOptions(args.Skip(1));
switch (args.FirstOrDefault())
{
    case "relay":
        return await ChatRelay.RunAsync(options.GetValueOrDefault("urls") ?? "http://127.0.0.1:5099", RelayFault.Parse(options.GetValueOrDefault("fault")));
    case "run":
        var profile = options.ContainsKey("full") ? BenchProfile.Full : BenchProfile.Quick;
        // Overrides for short experiments while developing; the profiles are what gets reported.
        if (options.TryGetValue("connections", out var c)) profile = profile with { Connections = int.Parse(c) };
        if (options.TryGetValue("rate", out var rate)) profile = profile with { FixedRate = double.Parse(rate) };
        if (options.TryGetValue("seconds", out var s)) profile = profile with { RunDuration = TimeSpan.FromSeconds(double.Parse(s)) };
        if (options.TryGetValue("warmup", out var warmup)) profile = profile with { Warmup = TimeSpan.FromSeconds(double.Parse(warmup)) };
        if (options.TryGetValue("idle", out var idle)) profile = profile with { IdleConnections = AtLeastOne("idle", idle) };
        if (options.TryGetValue("history", out var history)) profile = profile with { HistoryMessages = AtLeastOne("history", history) };
        if (options.ContainsKey("steps")) profile = profile with
        {
            StepMode = true, StepStartRate = BenchProfile.Full.StepStartRate, StepFactor = BenchProfile.Full.StepFactor,
            StepDuration = BenchProfile.Full.StepDuration, StepMaxRate = BenchProfile.Full.StepMaxRate,
        };
        if (options.TryGetValue("step-start", out var stepStart)) profile = profile with { StepStartRate = double.Parse(stepStart) };
        // The group mode instead of the direct one; --group-sizes 100 (or 10,1000) for short experiments.
        GroupProfile? groups = null;
        if (options.ContainsKey("media")) profile = profile with { Name = "media" };
        if (options.ContainsKey("groups") || options.ContainsKey("group-sizes"))
        {
            groups = GroupProfile.Default;
            if (options.TryGetValue("group-sizes", out var sizes)) groups = groups with { Sizes = [.. sizes.Split(',').Select(int.Parse)] };
            if (options.TryGetValue("seconds", out var gs)) groups = groups with { StepDuration = TimeSpan.FromSeconds(double.Parse(gs)) };
            profile = profile with { Name = "groups" };
        }
        var output = options.GetValueOrDefault("out") ?? "bench-results";
        var settings = new BenchSettings(profile,
            AppDll: options.GetValueOrDefault("app") ?? "Chat.Web/bin/Release/net10.0/Chat.Web.dll",
            Postgres: options.GetValueOrDefault("postgres"), Redis: options.GetValueOrDefault("redis"),
            ServerCpus: options.GetValueOrDefault("server-cpus") ?? "0", GeneratorCpus: options.GetValueOrDefault("generator-cpus") ?? "1",
            OutputDirectory: output,
            WorkDirectory: options.GetValueOrDefault("work") ?? Path.Combine(Path.GetTempPath(), $"chat-bench-{Environment.ProcessId}"),
            Commit: options.GetValueOrDefault("commit"),
            // Proof that the checks bite: "--relay-fault drop:1000" must turn the relay's runs FAILED.
            RelayFault: options.GetValueOrDefault("relay-fault") ?? "none",
            PostgresFsync: options.GetValueOrDefault("postgres-fsync") ?? "on",
            Storages: (options.GetValueOrDefault("storage") ?? "postgres,sqlite").Split(',').ToHashSet(),
            // Only the idle-socket measurement: the relay as in a whole run (its fixed-rate run, then idle sockets), then the
            // app's idle sockets on each storage; no app load, steps or history.
            IdleOnly: options.ContainsKey("idle-only"),
            // Holds this long before opening the idle sockets and again after measuring them, for heap profiles of the server (its pid is printed).
            IdleHold: TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("idle-hold") ?? "0")),
            Groups: groups,
            // A sync of 1,000 missed events (messages, edits, reactions) against one of as many plain messages.
            Sync: options.ContainsKey("sync"),
            // Issue 28's targets: photo upload + send latency, preview throughput, serving a file vs a static one.
            Media: options.ContainsKey("media"));
        if (settings.Sync) settings = settings with { Profile = settings.Profile with { Name = "sync" } };
        var results = await new BenchRunner(settings).RunAsync();
        var markdown = MarkdownReport.Render(results);
        Console.WriteLine();
        Console.WriteLine(markdown);
        Directory.CreateDirectory(output);
        var stem = Path.Combine(output, $"bench-{results.Profile}-{results.StartedAt:yyyyMMdd-HHmmss}");
        await File.WriteAllTextAsync(stem + ".json", JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
        await File.WriteAllTextAsync(stem + ".md", markdown);
        Console.WriteLine($"Written: {stem}.json and {stem}.md");
        return results.Passed ? 0 : 1;
    case "search":
        return await SearchBench.RunAsync(options);
    default:
        Console.Error.WriteLine("usage: Chat.Bench run [--full | --groups [--group-sizes 10,100,1000] | --sync | --media] [--idle-only [--idle 1000] [--idle-hold SECONDS]] [--app DLL] [--postgres CONN] [--redis HOST:PORT] [--server-cpus 0] [--generator-cpus 1] [--out DIR]\n" +
            "       Chat.Bench search [--messages 1000000] [--conversations 50] [--queries 300] [--storage postgres,sqlite] [--app DLL] [--postgres CONN] [--redis HOST:PORT]\n" +
            "       Chat.Bench relay --urls http://127.0.0.1:PORT");
        return 2;
}

/// <summary>A count option: per-connection and per-page figures need at least one.</summary>
static int AtLeastOne(string name, string value)
{
    if (int.TryParse(value, out var n) && n >= 1) return n;
    Console.Error.WriteLine($"--{name} takes a whole number of at least 1, not \"{value}\".");
    Environment.Exit(2);
    return 0;
}

/// <summary>--name value pairs; a flag without a value (--full) maps to "true".</summary>
static Dictionary<string, string> ParseOptions(IEnumerable<string> args)
{
    var options = new Dictionary<string, string>();
    var list = args.ToList();
    for (var i = 0; i < list.Count; i++)
    {
        if (!list[i].StartsWith("--", StringComparison.Ordinal)) continue;
        var hasValue = i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal);
        options[list[i][2..]] = hasValue ? list[++i] : "true";
    }
    return options;
}
