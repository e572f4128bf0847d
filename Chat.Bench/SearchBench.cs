using Chat.Bench.Measurements;
using Chat.Bench.Targets;

namespace Chat.Bench;

/// <summary>
/// The --search mode: the app on each storage, one user's conversations seeded with --messages messages, then the
/// search latency and the index size. Prints a markdown table; the target is p99 under 50 ms.
/// </summary>
public static class SearchBench
{
    const double TargetP99Ms = 50;

    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options)
    {
        var messages = int.Parse(options.GetValueOrDefault("messages") ?? "1000000");
        var conversations = int.Parse(options.GetValueOrDefault("conversations") ?? "50");
        var queries = int.Parse(options.GetValueOrDefault("queries") ?? "300");
        var appDll = options.GetValueOrDefault("app") ?? "Chat.Web/bin/Release/net10.0/Chat.Web.dll";
        var cpus = options.GetValueOrDefault("server-cpus") ?? "0";
        var work = options.GetValueOrDefault("work") ?? Path.Combine(Path.GetTempPath(), $"chat-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var results = new List<SearchResult>();
        foreach (var storage in (options.GetValueOrDefault("storage") ?? "postgres,sqlite").Split(','))
        {
            BenchDatabase database = storage == "postgres"
                ? await PostgresBenchDatabase.CreateAsync(options["postgres"], options.GetValueOrDefault("redis") ?? "")
                : new SqliteBenchDatabase(work);
            Console.Error.WriteLine($"== search on {database.Storage}: seeding {messages:N0} messages in {conversations} conversations");
            var log = Path.Combine(work, $"app-search-{storage}.log");
            await using var app = await AppTarget.StartAsync(appDll, cpus, database, log);
            try
            {
                results.Add(await SearchLatency.MeasureAsync(app, conversations, messages / conversations, queries));
            }
            catch (InvalidOperationException)
            {
                // The server's side of a failed request: its log goes with the work directory.
                foreach (var line in File.ReadLines(log).TakeLast(40)) Console.Error.WriteLine("app: " + line);
                throw;
            }
        }
        Console.WriteLine("| storage | messages | seeded in | index size | per message | queries | p50 | p99 | max | hits per query | p99 < 50 ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in results)
            Console.WriteLine($"| {r.Storage} | {r.Messages:N0} | {r.SeedSeconds} s | {r.IndexBytes / 1048576.0:0.0} MiB | {r.IndexBytesPerMessage} B | {r.Queries} | {r.P50Ms} ms | {r.P99Ms} ms | {r.MaxMs} ms | {r.MeanHits} | {(r.P99Ms < TargetP99Ms ? "yes" : "NO")} |");
        return results.All(r => r.P99Ms < TargetP99Ms) ? 0 : 1;
    }
}
