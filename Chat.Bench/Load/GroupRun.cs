using System.Diagnostics;
using System.Text;
using Chat.Bench.Targets;
using HdrHistogram;

namespace Chat.Bench.Load;

/// <summary>How hard and how long: group messages a second in total, spread evenly over the groups.</summary>
public sealed record GroupPlan(double MessageRate, TimeSpan Duration, int MessageBytes, TimeSpan QuietTimeout);

/// <summary>
/// One open-loop run into connected groups: each group gets its share of the rate on a fixed schedule, message k sent
/// by member k mod size (so every member sends in turn), whatever the server's speed. A message's latency counts from
/// its intended send time (inside its payload) to the receipt of its last member: no coordinated omission, and a
/// member slower than the rest is what the figure shows.
/// </summary>
public sealed class GroupRun
{
    static int lastRunId = Random.Shared.Next(1, 1 << 20) * 1000 + 500;

    readonly int runId = Interlocked.Increment(ref lastRunId);
    readonly ConnectedGroups groups;
    readonly GroupPlan plan;
    readonly int size, perGroup;
    readonly GroupState[] states;
    /// <summary>By member socket: the last seq it was delivered in this run (a member must see its group's seqs rising).</summary>
    readonly long[] lastSeq;
    // Microseconds, up to two minutes, three significant digits.
    readonly LongConcurrentHistogram lastMember = NewHistogram(), eachDelivery = NewHistogram(), ack = NewHistogram(), sendLag = NewHistogram();
    long startTicks, acked, delivered, fromEarlierRuns, ackDuplicates, deliveryDuplicates, orderViolations, seqMismatches, errorFrames, strays;
    string? firstError;

    GroupRun(ConnectedGroups groups, GroupPlan plan)
    {
        this.groups = groups;
        this.plan = plan;
        size = groups.Size;
        perGroup = (int)Math.Max(1, Math.Round(plan.MessageRate * plan.Duration.TotalSeconds / groups.Count));
        states = [.. Enumerable.Range(0, groups.Count).Select(_ => new GroupState(perGroup, size))];
        lastSeq = new long[groups.Count * size];
    }

    public static async Task<GroupLoadResult> RunAsync(IChatTarget target, ConnectedGroups groups, GroupPlan plan, string label)
    {
        var rowsBefore = await OpenLoopRun.QuiescentRowCountAsync(target);
        var run = new GroupRun(groups, plan);
        // The generator's garbage of the run before is collected now, not in pauses charged to this run.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        groups.Attach(run);
        var serverCpu0 = await target.CpuAsync();
        var generatorCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        run.startTicks = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 20;
        await Task.WhenAll(Enumerable.Range(0, groups.Count).Select(g => Task.Run(() => run.SendLoopAsync(g))));
        var sendSeconds = wall.Elapsed.TotalSeconds;

        var sent = run.states.Sum(s => (long)s.Sent);
        var expected = sent * (run.size - 1);
        await Drain.UntilQuietAsync(() => Volatile.Read(ref run.acked), sent, () => Volatile.Read(ref run.delivered), expected, plan.QuietTimeout);
        var serverCpu = await target.CpuAsync() - serverCpu0;
        var generatorCpu = Process.GetCurrentProcess().TotalProcessorTime - generatorCpu0;
        var busySeconds = wall.Elapsed.TotalSeconds;
        groups.Attach(null);
        long? rows = rowsBefore is { } before && await target.CountStoredMessagesAsync() is { } after ? after - before : null;
        return run.Summarise(target, label, sendSeconds, sent, expected, rows,
            serverCpu.Server.TotalSeconds / busySeconds, CpuPerMessage.Of(serverCpu, sent), generatorCpu.TotalSeconds / busySeconds);
    }

    async Task SendLoopAsync(int g)
    {
        var state = states[g];
        var interval = (double)Stopwatch.Frequency * groups.Count / plan.MessageRate;
        var first = startTicks + (long)(g * (double)Stopwatch.Frequency / plan.MessageRate);
        var prefix = Encoding.UTF8.GetBytes($$"""{"type":"send-message","conversationId":"{{groups.Ids[g]}}","clientMessageId":"{{runId}}-{{g}}-""");
        for (var k = 0; k < perGroup; k++)
        {
            var intended = first + (long)(k * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            sendLag.RecordValue(Micros(Stopwatch.GetTimestamp() - intended));
            var body = Encoding.UTF8.GetBytes($$"""{{k}}","ciphertext":"{{new Payload(runId, g, k, intended).ToBase64(plan.MessageBytes)}}"}""");
            try
            {
                await groups.Socket(g, k % size).SendAsync((byte[])[.. prefix, .. body], CancellationToken.None);
                state.Sent++;
            }
            catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or IOException or ObjectDisposedException)
            {
                Error("send: " + e.Message);
                return;
            }
        }
    }

    /// <summary>A frame on member socket <paramref name="socket"/>, read at <paramref name="now"/> (one reader per socket).</summary>
    internal void Handle(int socket, GroupFrame frame, long now)
    {
        if (frame.Type is GroupFrame.Kind.Error)
        {
            Interlocked.Increment(ref errorFrames);
            firstError ??= "the server sent an error frame";
            return;
        }
        // Presence, typing, receipts and the groups' own system messages are not this bench's business.
        if (frame.Type is not (GroupFrame.Kind.Ack or GroupFrame.Kind.Message) || frame.System) return;
        var p = frame.Payload;
        if (frame.HasPayload && p.RunId < runId)
        {
            Interlocked.Increment(ref fromEarlierRuns); // an earlier run's straggler, already counted lost there
            return;
        }
        var (g, member) = (socket / size, socket % size);
        if (!frame.HasPayload || p.RunId != runId || p.SenderIndex != g || p.Sequence < 0 || p.Sequence >= perGroup)
        {
            Stray($"a frame this run did not send to group {g} arrived on member socket {socket}");
            return;
        }
        var k = (int)p.Sequence;
        var state = states[g];
        var latency = Micros(now - p.IntendedTicks);
        var sender = k % size;
        if (frame.Type is GroupFrame.Kind.Ack)
        {
            if (member != sender) { Stray($"the ack of message {k} of group {g} arrived at member {member}, not its sender {sender}"); return; }
            if (state.Acked[k]) { Interlocked.Increment(ref ackDuplicates); return; }
            state.Acked[k] = true;
            SameSeq(state, k, frame.Seq);
            ack.RecordValue(latency);
            Interlocked.Increment(ref acked);
            return;
        }
        if (member == sender) { Stray($"message {k} of group {g} came back to its sender as a message"); return; }
        ref var received = ref state.Received[k * size + member];
        if (received) { Interlocked.Increment(ref deliveryDuplicates); return; }
        received = true;
        // A member sees a group's messages in seq order.
        if (frame.Seq <= lastSeq[socket]) Interlocked.Increment(ref orderViolations);
        lastSeq[socket] = frame.Seq;
        SameSeq(state, k, frame.Seq);
        eachDelivery.RecordValue(latency);
        Interlocked.Increment(ref delivered);
        // The member that brings the count to zero is the last to have it.
        if (Interlocked.Decrement(ref state.Remaining[k]) == 0) lastMember.RecordValue(latency);
    }

    /// <summary>Every member and the sender's ack must name the same seq for one message.</summary>
    void SameSeq(GroupState state, int k, long seq)
    {
        var known = Interlocked.CompareExchange(ref state.Seq[k], seq, 0);
        if (known != 0 && known != seq) Interlocked.Increment(ref seqMismatches);
    }

    void Stray(string why)
    {
        Interlocked.Increment(ref strays);
        firstError ??= why;
    }

    void Error(string why)
    {
        Interlocked.Increment(ref errorFrames);
        firstError ??= why;
    }

    GroupLoadResult Summarise(IChatTarget target, string label, double sendSeconds, long sent, long expected, long? rows,
        double serverCpu, CpuPerMessage cpuPerMessage, double generatorCpu)
    {
        long lost = 0, unacked = 0, gaps = 0;
        foreach (var state in states)
        {
            for (var k = 0; k < state.Sent; k++)
            {
                if (!state.Acked[k]) unacked++;
                for (var member = 0; member < size; member++)
                    if (member != k % size && !state.Received[k * size + member]) lost++;
            }
            gaps += OpenLoopRun.GaplessViolations(state.Seq.Take(state.Sent).Where((_, k) => state.Acked[k]));
        }
        var duplicates = ackDuplicates + deliveryDuplicates;
        var errors = errorFrames + strays + (groups.Failure is null ? 0 : 1);
        var failures = new List<string>();
        if (lost > 0) failures.Add($"{lost} deliveries lost (not delivered when nothing more had arrived for {plan.QuietTimeout.TotalSeconds:0} s)");
        if (unacked > 0) failures.Add($"{unacked} not acknowledged");
        if (duplicates > 0) failures.Add($"{duplicates} duplicated");
        if (orderViolations > 0) failures.Add($"{orderViolations} out of seq order at a member");
        if (seqMismatches > 0) failures.Add($"{seqMismatches} delivered with another seq than acknowledged or than another member had");
        if (gaps > 0) failures.Add($"{gaps} seq gaps or repeats within a group");
        if (errors > 0) failures.Add($"{errors} errors ({firstError ?? groups.Failure})");
        // One row per group message, not one per member.
        if (rows is { } r && r != sent - unacked) failures.Add($"database holds {r} new rows for {sent - unacked} acknowledged messages");
        return new GroupLoadResult(label, target.Name, target.Storage, size, groups.Count, plan.MessageRate, plan.MessageRate * (size - 1),
            sent / sendSeconds, plan.Duration.TotalSeconds, sent, sent - unacked, Volatile.Read(ref delivered), expected,
            lost, duplicates, orderViolations + seqMismatches + gaps, errors, rows,
            LatencySummary.From(lastMember), LatencySummary.From(eachDelivery), LatencySummary.From(ack), LatencySummary.From(sendLag),
            fromEarlierRuns, Math.Round(serverCpu, 2), cpuPerMessage, Math.Round(generatorCpu, 2), failures.Count == 0, failures);
    }

    static LongConcurrentHistogram NewHistogram() => new(1, 120_000_000, 3);
    static long Micros(long ticks) => Math.Max(0, ticks * 1_000_000 / Stopwatch.Frequency);

    /// <summary>One group's messages in this run, by their index k: what was acked, who received what, the seq each carried.</summary>
    sealed class GroupState(int messages, int size)
    {
        public int Sent;
        public readonly bool[] Acked = new bool[messages];
        /// <summary>By k × size + member.</summary>
        public readonly bool[] Received = new bool[messages * size];
        public readonly int[] Remaining = [.. Enumerable.Repeat(size - 1, messages)];
        public readonly long[] Seq = new long[messages];
    }
}
