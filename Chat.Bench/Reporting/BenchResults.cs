using Chat.Bench.Load;
using Chat.Bench.Measurements;

namespace Chat.Bench.Reporting;

public sealed record StepResult(string Target, string Storage, double? HighestRateHeld, double? P99AtHighest, string StoppedBy, IReadOnlyList<LoadResult> Runs);

/// <summary>A group size's step search: the most deliveries a second held within the p99 from send to the last member.</summary>
public sealed record GroupStepResult(string Target, string Storage, int GroupSize, double? DeliveriesHeld, double? MessagesHeld,
    double? P99LastMemberAtHeld, string StoppedBy, IReadOnlyList<GroupLoadResult> Runs);

/// <summary>The sync mode: how long a sync of <see cref="Events"/> missed events took, from the "sync" frame to "sync-complete".</summary>
public sealed record SyncResult(string Storage, int Events, string What, LatencySummary Latency);

/// <summary>The machine, from /proc (Environment.ProcessorCount would only see the generator's pinned core).</summary>
public sealed record MachineInfo(int Cpus, string CpuModel, double MemoryGiB, string Os)
{
    public static MachineInfo Read()
    {
        var cpuinfo = File.ReadAllLines("/proc/cpuinfo");
        var model = cpuinfo.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memKb = long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return new MachineInfo(cpuinfo.Count(l => l.StartsWith("processor", StringComparison.Ordinal)), model,
            Math.Round(memKb / 1024.0 / 1024.0, 1), System.Runtime.InteropServices.RuntimeInformation.OSDescription);
    }

    /// <summary>The 1-minute load average: on a shared machine, how much else was running.</summary>
    public static double LoadAverage() => double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0]);
}

/// <summary>Everything one invocation measured; serialised as the JSON file and rendered as the markdown table.</summary>
public sealed class BenchResults(string profile, DateTime startedAt, MachineInfo machine, string serverCpus, string generatorCpus, string? commit)
{
    public string Profile { get; } = profile;
    public DateTime StartedAt { get; } = startedAt;
    public MachineInfo Machine { get; } = machine;
    public string ServerCpus { get; } = serverCpus;
    public string GeneratorCpus { get; } = generatorCpus;
    /// <summary>Cpus_allowed_list of a server process as the kernel reports it.</summary>
    public string? ServerCpusConfirmed { get; set; }
    public string? GeneratorCpusConfirmed { get; set; }
    public string? Commit { get; } = commit;
    /// <summary>PostgreSQL's fsync setting: "on" means every acknowledged message waited for the disk.</summary>
    public string PostgresFsync { get; set; } = "on";
    public double LoadAverageAtStart { get; set; }
    public double LoadAverageAtEnd { get; set; }
    public string Runtime { get; } = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
    /// <summary>The runs the report stands on (warm-ups and step-mode probes are not among them).</summary>
    public List<LoadResult> Load { get; } = [];
    public List<StepResult> Steps { get; } = [];
    /// <summary>The group mode's reported runs (the fixed-rate ones; each step search's runs are in its result).</summary>
    public List<GroupLoadResult> GroupLoad { get; } = [];
    public List<GroupStepResult> GroupSteps { get; } = [];
    public List<IdleResult> Idle { get; } = [];
    public List<MediaResult> Media { get; } = [];
    public List<HistoryResult> History { get; } = [];
    public List<SyncResult> Sync { get; } = [];
    public List<string> NotMeasured { get; } = [];
    /// <summary>Protocol oddities seen on the way that do not fail a run.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Zero loss, zero duplicates, order kept and rows reconciled in every reported run.</summary>
    public bool Passed => Load.All(r => r.Passed) && GroupLoad.All(r => r.Passed);
}
