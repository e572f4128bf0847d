namespace Chat.Bench;

/// <summary>What a rate search needs to know of one run: its rate, whether it held the service level, and why not.</summary>
public interface IRateRun
{
    double TargetRate { get; }
    bool Passed { get; }
    bool HeldSlo(double p99LimitMs);
    /// <summary>Why it did not hold, for "stopped by" (its p99, or its failures).</summary>
    string WhyNotHeld(double p99LimitMs);
    double GeneratorCpu { get; }
}

/// <summary>
/// The step search of both modes: raises the rate by a fixed factor until a run misses the service level (a failing step
/// is run once more before it counts: on a shared machine one outside burst should not end the search), then bisects.
/// </summary>
public static class RateSearch
{
    public static async Task<(T? Held, string StoppedBy, List<T> Runs)> RunAsync<T>(
        double start, double factor, double max, TimeSpan quiet, string unit, Func<double, Task<T>> run) where T : class, IRateRun
    {
        var runs = new List<T>();
        T? held = null;
        var stoppedBy = $"reached the {max:0} {unit} cap";
        async Task<T> Step(double rate)
        {
            var r = await run(rate);
            runs.Add(r);
            return r;
        }
        for (var rate = start; rate <= max; rate = Math.Round(rate * factor))
        {
            var r = await Step(rate);
            if (!r.HeldSlo(BenchProfile.P99LimitMs))
            {
                // An overloaded server may still be working through its backlog; let it finish first.
                await Task.Delay(quiet);
                r = await Step(rate);
            }
            if (!r.HeldSlo(BenchProfile.P99LimitMs))
            {
                stoppedBy = $"{rate:0} {unit}: {r.WhyNotHeld(BenchProfile.P99LimitMs)}";
                // One core of load generator has its own ceiling; say so when it, not the server, ran out.
                if (r.GeneratorCpu >= 0.9) stoppedBy += $" (generator CPU {r.GeneratorCpu:P0}: this may be the generator's limit)";
                // Then bisect (geometrically) between the last rate that held and this one: each probe halves the
                // gap, so three narrow a step of ×1.5 to ×1.05. One probe left the figure on a grid of ×1.22, and a
                // share of the relay's could only be a power of that (29.6 % = 1.5⁻³, the next one up 36.3 %).
                for (var (probes, failed) = (0, rate); held is not null && probes < BenchProfile.StepProbes; probes++)
                {
                    var between = Math.Round(Math.Sqrt(held.TargetRate * failed));
                    if (between <= held.TargetRate || between >= failed) break;
                    await Task.Delay(quiet);
                    if (await Step(between) is var probe && probe.HeldSlo(BenchProfile.P99LimitMs)) held = probe;
                    else failed = between;
                }
                break;
            }
            held = r;
        }
        await Task.Delay(quiet);
        return (held, stoppedBy, runs);
    }
}
