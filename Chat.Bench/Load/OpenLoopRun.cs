using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Chat.Bench.Targets;
using HdrHistogram;

namespace Chat.Bench.Load;

/// <summary>How hard and how long: R messages a second in total, spread evenly over every connection.</summary>
/// <param name="QuietTimeout">After the last send, how long nothing new may arrive before what is missing counts as lost.</param>
public sealed record LoadPlan(int Connections, double Rate, TimeSpan Duration, int MessageBytes, TimeSpan QuietTimeout)
{
    /// <summary>However busy the server, a run's backlog gets no longer than this to arrive.</summary>
    public static readonly TimeSpan MaxDrain = TimeSpan.FromSeconds(60);
}

/// <summary>
/// One open-loop run: every connection sends to its pair partner on a fixed schedule, whatever the
/// server's speed. Each message's latency counts from the moment the schedule said it should leave
/// (its intended time, carried inside the payload), so a server that stalls is charged for every
/// message that queued behind the stall: no coordinated omission.
/// </summary>
public static class OpenLoopRun
{
    static int lastRunId = Random.Shared.Next(1, 1 << 20) * 1000;

    public static async Task<LoadResult> RunAsync(IChatTarget target, IReadOnlyList<BenchUser> users, LoadPlan plan, string label)
    {
        if (users.Count < plan.Connections || plan.Connections % 2 != 0)
            throw new ArgumentException("Load runs need an even number of connections and a user for each.");
        var run = new RunState(Interlocked.Increment(ref lastRunId), plan);
        var perSender = (int)Math.Max(1, Math.Round(plan.Rate * plan.Duration.TotalSeconds / plan.Connections));
        var rowsBefore = await QuiescentRowCountAsync(target);
        var uris = users.Take(plan.Connections).Select(target.SocketUri).ToList();
        var sockets = await BenchSocket.ConnectManyAsync(uris, smallBuffers: false);
        var participants = sockets.Select((s, i) => new Participant(run, i, users[i ^ 1], s, perSender)).ToList();

        // The generator's own garbage from the run before (after an overload step, hundreds of thousands of tracked
        // messages) is collected now, not in pauses that would be charged to this run's latencies.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var stopReading = new CancellationTokenSource();
        var readers = participants.Select(p => Task.Run(() => p.ReceiveLoopAsync(stopReading.Token))).ToList();
        var serverCpu0 = await target.CpuAsync();
        var generatorCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        // Start a little ahead so the first sends are not already late when the loops get going.
        run.StartTicks = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 20;
        await Task.WhenAll(participants.Select(p => Task.Run(p.SendLoopAsync)));
        var sendSeconds = wall.Elapsed.TotalSeconds;

        var sent = participants.Sum(p => (long)p.Sent);
        await Drain.UntilQuietAsync(() => Volatile.Read(ref run.Acked), sent, () => Volatile.Read(ref run.Delivered), sent, plan.QuietTimeout);
        var serverCpu = await target.CpuAsync() - serverCpu0;
        var generatorCpu = Process.GetCurrentProcess().TotalProcessorTime - generatorCpu0;
        var busySeconds = wall.Elapsed.TotalSeconds;

        run.Closing = true;
        await Task.WhenAll(sockets.Select(s => s.DisposeAsync().AsTask()));
        stopReading.Cancel();
        await Task.WhenAll(readers);
        // Acked means committed, so every acknowledged message must already be a row.
        if (rowsBefore is { } before && await target.CountStoredMessagesAsync() is { } after) run.StoredRows = after - before;
        return Summarise(target, label, plan, run, participants, sendSeconds, sent,
            serverCpu.Server.TotalSeconds / busySeconds, CpuPerMessage.Of(serverCpu, sent), generatorCpu.TotalSeconds / busySeconds);
    }

    static LoadResult Summarise(IChatTarget target, string label, LoadPlan plan, RunState run, List<Participant> participants,
        double sendSeconds, long sent, double serverCpu, CpuPerMessage cpuPerMessage, double generatorCpu)
    {
        long lost = 0, unacked = 0, seqMismatch = 0, seqGaps = 0;
        foreach (var sender in participants)
        {
            var receiver = participants[sender.Index ^ 1];
            for (var k = 0; k < sender.Sent; k++)
            {
                if (receiver.ReceivedSeq[k] == 0) lost++;
                if (sender.AckSeq[k] == 0) unacked++;
                if (receiver.ReceivedSeq[k] != 0 && sender.AckSeq[k] != 0 && receiver.ReceivedSeq[k] != sender.AckSeq[k]) seqMismatch++;
            }
            if (sender.Index % 2 == 0) seqGaps += GaplessViolations(sender.AckSeq.Concat(receiver.AckSeq));
        }
        var duplicates = participants.Sum(p => p.AckDuplicates + p.DeliveryDuplicates);
        var order = participants.Sum(p => p.OrderViolations);
        var errors = participants.Sum(p => p.ErrorFrames + p.SendErrors + p.ReadErrors + p.Strays);
        var failures = new List<string>();
        if (lost > 0) failures.Add($"{lost} lost (not delivered when nothing more had arrived for {plan.QuietTimeout.TotalSeconds:0} s)");
        if (unacked > 0) failures.Add($"{unacked} not acknowledged");
        if (duplicates > 0) failures.Add($"{duplicates} duplicated");
        if (order > 0) failures.Add($"{order} out of order");
        if (seqMismatch > 0) failures.Add($"{seqMismatch} delivered with another seq than acknowledged");
        if (seqGaps > 0) failures.Add($"{seqGaps} seq gaps or repeats within a conversation");
        if (errors > 0) failures.Add($"{errors} errors ({participants.Select(p => p.FirstError).FirstOrDefault(e => e is not null)})");
        if (run.StoredRows is { } rows && rows != sent - unacked)
            failures.Add($"database holds {rows} new rows for {sent - unacked} acknowledged messages");
        var delivered = Volatile.Read(ref run.Delivered);
        return new LoadResult(label, target.Name, target.Storage, plan.Connections, plan.Rate, sent / sendSeconds, plan.Duration.TotalSeconds,
            sent, sent - unacked, delivered, lost, duplicates, order + seqMismatch + seqGaps, errors, run.StoredRows,
            LatencySummary.From(run.EndToEnd), LatencySummary.From(run.Ack), LatencySummary.From(run.SendLag), run.FromEarlierRuns,
            Math.Round(serverCpu, 2), cpuPerMessage, Math.Round(generatorCpu, 2), failures.Count == 0, failures);
    }

    /// <summary>
    /// The stored-message count once it stops changing: an overloaded server may still be writing an
    /// earlier run's backlog, which must neither slow this run's start nor count as this run's rows.
    /// </summary>
    internal static async Task<long?> QuiescentRowCountAsync(IChatTarget target)
    {
        var last = await target.CountStoredMessagesAsync();
        if (last is null) return null;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < LoadPlan.MaxDrain)
        {
            await Task.Delay(500);
            var now = await target.CountStoredMessagesAsync();
            if (now == last) return now;
            last = now;
        }
        return last;
    }

    /// <summary>A conversation's acknowledged seqs must be consecutive integers, each used once.</summary>
    internal static long GaplessViolations(IEnumerable<long> seqs)
    {
        var sorted = seqs.Where(s => s != 0).Order().ToArray();
        if (sorted.Length == 0) return 0;
        var repeats = sorted.Length - sorted.Distinct().Count();
        var gaps = sorted[^1] - sorted[0] + 1 - (sorted.Length - repeats);
        return repeats + gaps;
    }

    /// <summary>What every connection of a run shares: its id, schedule start, counters and histograms.</summary>
    sealed class RunState(int runId, LoadPlan plan)
    {
        public readonly int RunId = runId;
        public readonly LoadPlan Plan = plan;
        public long StartTicks;
        public long Acked, Delivered, FromEarlierRuns;
        public long? StoredRows;
        public volatile bool Closing;
        // Microseconds, up to two minutes, three significant digits.
        public readonly LongConcurrentHistogram EndToEnd = NewHistogram(), Ack = NewHistogram(), SendLag = NewHistogram();
        static LongConcurrentHistogram NewHistogram() => new(1, 120_000_000, 3);
    }

    /// <summary>One connection: sends its share of the schedule to its partner and checks what comes back.</summary>
    sealed class Participant(RunState run, int index, BenchUser peer, BenchSocket socket, int count)
    {
        public readonly int Index = index;
        /// <summary>By this sender's sequence: the seq its ack carried (0 = no ack yet).</summary>
        public readonly long[] AckSeq = new long[count];
        /// <summary>By the partner's sequence: the seq the delivery carried (0 = not delivered).</summary>
        public readonly long[] ReceivedSeq = new long[count];
        public int Sent;
        public long AckDuplicates, DeliveryDuplicates, OrderViolations, ErrorFrames, Strays, SendErrors, ReadErrors;
        public string? FirstError;
        long lastPeerSequence = -1, lastPeerSeq;

        public async Task SendLoopAsync()
        {
            var interval = (double)Stopwatch.Frequency * run.Plan.Connections / run.Plan.Rate;
            var first = run.StartTicks + (long)(Index * (double)Stopwatch.Frequency / run.Plan.Rate);
            var prefix = Encoding.UTF8.GetBytes($$"""{"type":"send-message","toUserId":"{{peer.Id}}","clientMessageId":"{{run.RunId}}-{{Index}}-""");
            for (var k = 0; k < count; k++)
            {
                var intended = first + (long)(k * interval);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended);
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                run.SendLag.RecordValue(Micros(Stopwatch.GetTimestamp() - intended));
                var body = Encoding.UTF8.GetBytes($$"""{{k}}","ciphertext":"{{new Payload(run.RunId, Index, k, intended).ToBase64(run.Plan.MessageBytes)}}"}""");
                try
                {
                    await socket.SendAsync(Concat(prefix, body), CancellationToken.None);
                    Sent++;
                }
                catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or IOException or ObjectDisposedException)
                {
                    SendErrors++;
                    FirstError ??= "send: " + e.Message;
                    return;
                }
            }
        }

        public async Task ReceiveLoopAsync(CancellationToken ct)
        {
            try
            {
                while (await socket.ReceiveAsync(ct) is { } doc)
                    using (doc) Handle(doc.RootElement, Stopwatch.GetTimestamp());
                if (!run.Closing) Failed("the server closed the socket");
            }
            catch (OperationCanceledException) { }
            catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or JsonException or ObjectDisposedException)
            {
                // The run closing its own sockets ends the loop this way too; that is not an error.
                if (!run.Closing) Failed("receive: " + e.Message);
            }
        }

        void Failed(string why)
        {
            ReadErrors++;
            FirstError ??= why;
        }

        void Handle(JsonElement frame, long now)
        {
            var type = frame.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type is "error")
            {
                ErrorFrames++;
                FirstError ??= "server: " + frame.GetRawText();
                return;
            }
            if (type is not ("ack" or "message")) return; // presence, typing, receipts: not this bench's business
            var message = frame.GetProperty("message");
            var seq = ReadLong(message.GetProperty("seq"));
            var parsed = Payload.TryParseBase64(message.GetProperty("ciphertext").GetString(), out var payload);
            if (parsed && payload.RunId < run.RunId)
            {
                // A straggler of an earlier run (which already counted it as lost): not this run's doing.
                Interlocked.Increment(ref run.FromEarlierRuns);
                return;
            }
            if (!parsed || payload.RunId != run.RunId || payload.Sequence < 0 || payload.Sequence >= count)
            {
                Strays++;
                FirstError ??= "a frame this run did not send: " + frame.GetRawText()[..Math.Min(200, frame.GetRawText().Length)];
                return;
            }
            var latency = Micros(now - payload.IntendedTicks);
            if (type is "ack" && payload.SenderIndex == Index)
            {
                if (AckSeq[payload.Sequence] != 0) { AckDuplicates++; return; }
                AckSeq[payload.Sequence] = seq;
                run.Ack.RecordValue(latency);
                Interlocked.Increment(ref run.Acked);
            }
            else if (type is "message" && payload.SenderIndex == (Index ^ 1))
            {
                if (ReceivedSeq[payload.Sequence] != 0) { DeliveryDuplicates++; return; }
                ReceivedSeq[payload.Sequence] = seq;
                // Within one conversation a recipient must see the partner's messages in send order and in seq order.
                if (payload.Sequence <= lastPeerSequence || seq <= lastPeerSeq) OrderViolations++;
                lastPeerSequence = payload.Sequence;
                lastPeerSeq = seq;
                run.EndToEnd.RecordValue(latency);
                Interlocked.Increment(ref run.Delivered);
            }
            else
            {
                Strays++;
                FirstError ??= $"{type} for connection {payload.SenderIndex} arrived on connection {Index}";
            }
        }

        static long ReadLong(JsonElement e) => e.ValueKind == JsonValueKind.String ? long.Parse(e.GetString()!) : e.GetInt64();
        static long Micros(long ticks) => Math.Max(0, ticks * 1_000_000 / Stopwatch.Frequency);

        static byte[] Concat(byte[] a, byte[] b)
        {
            var all = new byte[a.Length + b.Length];
            a.CopyTo(all, 0);
            b.CopyTo(all, a.Length);
            return all;
        }
    }
}
