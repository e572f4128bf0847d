using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Resilience;

/// <summary>
/// The failure test spends two cores on two app processes, a PostgreSQL and a Redis for a minute: it runs alone, after
/// the parallel tests, and nothing timing-sensitive runs beside it.
/// </summary>
[CollectionDefinition(nameof(ResilienceRun), DisableParallelization = true)]
public sealed class ResilienceRun;

/// <summary>
/// Issue 31's multi-node failure test, on one machine: two app nodes as separate processes on their own loopback
/// addresses (127.0.0.1 and 127.0.0.2), a PostgreSQL and a Redis of the test's own. Ten pairs of users, one of each pair
/// on each node, exchange 10,000 messages (500 from each user) while, in turn, node A is killed with SIGKILL (and
/// started again), PostgreSQL is restarted, Redis is restarted, and node B is restarted gracefully (SIGTERM). The clients
/// reconnect, resend and sync as docs/api.md tells them to (<see cref="ResilientClient"/>). Then, per conversation:
/// every acked message is stored exactly once with the acked id and seq (0 lost), no clientMessageId and no message
/// index is stored twice and no client was shown two messages at one seq, one message at two seqs, or one message twice
/// on one connection (0 duplicates), seqs run 1..n with no gap and each sender's messages are in the order they were sent
/// (0 reordered); each client's own view (live and synced) and a fresh full sync equal the database. After the kill and
/// the SIGTERM every client of the node reconnected (after the SIGTERM, told so with 1012), and readiness went 503 during
/// the drain.
/// <para>
/// Each fault comes when enough messages were sent since the last one recovered, so all four happen under traffic; a
/// restarted node gets its clients back (they move home). The time each fault took to recover goes to the test output,
/// as the worst over the clients: the longest stall of one sender's acks (a pause of over 150 ms, two and a half send intervals,
/// overlapping the fault, from its start to a second after it was over) and how long after the fault's start the last
/// stall ended (<i>all acked again</i>); the same for each client's view, the seqs it holds without a gap, its own and
/// its peer's (<i>all views moving</i>); and when every client got a peer's message live again, through the fan-out
/// rather than a sync, once the fault was over (<i>live fan-out back</i>). A fault that stalled nobody shows 0. The
/// figures are reported, not asserted: they depend on the machine.
/// </para>
/// </summary>
[Collection(nameof(ResilienceRun))]
public sealed class FailureTests
{
    const int Pairs = 10;
    const int PerUser = 500; // 10 pairs × 2 users × 500 = 10,000 messages
    const int Users = 2 * Pairs;
    const int Total = Users * PerUser;
    /// <summary>Each user sends a message every 60 ms: about 330 messages a second in all, so the run takes about 30 s of traffic.</summary>
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(60);
    static readonly TimeSpan NodeStart = TimeSpan.FromSeconds(120); // caps only: a loaded machine is slow
    static readonly TimeSpan Recovery = TimeSpan.FromSeconds(60);

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    sealed record Fault(string Name, long Trigger, Func<Fault, Task> Inject, AppNode? Node = null, Func<Task>? Restore = null)
    {
        public double At { get; set; }
        public long SentAt { get; set; }
        public long AckedAt { get; set; }
        public double Injected { get; set; }
        public double? NodeBack { get; set; }
        public Stall? Acks { get; set; }
        public Stall? Views { get; set; }
        public double? LiveRecovery { get; set; }
        public List<ResilientClient> OnNode { get; set; } = [];
        public string Notes { get; set; } = "";
    }

    [Fact(Timeout = 300_000)]
    public async Task Two_nodes_lose_duplicate_and_reorder_nothing_through_sigkill_database_and_redis_restarts_and_a_graceful_restart()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var servers = await ResilienceServers.StartAsync();
        TestContext.Current.TestOutputHelper?.WriteLine($"PostgreSQL and Redis of the test's own started in {started.Elapsed.TotalSeconds:F1} s; times below are from then");
        try
        {
            await RunAsync(servers);
        }
        catch
        {
            servers.Keep = true; // the nodes' logs, for the failure's story
            throw;
        }
    }

    static async Task RunAsync(ResilienceServers servers)
    {
        var output = TestContext.Current.TestOutputHelper;
        var traffic = new Traffic();
        var report = new StringBuilder();
        void Say(string line)
        {
            var stamped = $"[{traffic.Now / 1000,6:F1} s] {line}";
            report.AppendLine(stamped);
            output?.WriteLine(stamped);
        }

        await using var a = new AppNode("A", "127.0.0.1", servers);
        await using var b = new AppNode("B", "127.0.0.2", servers);
        await Task.WhenAll(a.StartAsync(NodeStart), b.StartAsync(NodeStart));
        Say($"PostgreSQL on :{servers.PostgresPort}, Redis on :{servers.RedisPort}, node A at {a.Address}, node B at {b.Address}: ready");

        // Ten pairs: the first of each pair signs up on node A, the second on node B.
        var runTag = Guid.NewGuid().ToString("N")[..8];
        var pairs = new List<(TestUser OnA, TestUser OnB, string Conversation)>();
        for (var i = 0; i < Pairs; i++)
        {
            var onA = await RegisterAsync(a, $"Ann {i}");
            var onB = await RegisterAsync(b, $"Bob {i}");
            pairs.Add((onA, onB, await ConversationAsync(a, onA, onB.Id)));
        }
        var clients = new List<ResilientClient>();
        var peer = new Dictionary<ResilientClient, ResilientClient>();
        foreach (var (onA, onB, conversation) in pairs)
        {
            var ann = new ResilientClient(onA.DisplayName, onA, onB.Id, conversation, a, b, PerUser, Interval, traffic, runTag);
            var bob = new ResilientClient(onB.DisplayName, onB, onA.Id, conversation, b, a, PerUser, Interval, traffic, runTag);
            clients.AddRange([ann, bob]);
            peer[ann] = bob;
            peer[bob] = ann;
        }

        var faults = new List<Fault>();
        faults.AddRange(
        [
            new("SIGKILL node A", 1_500, async f =>
            {
                await a.KillAsync();
                f.Notes = $"exit {a.LastExitCode}";
            }, a, async () => await RestartAsync(a)),
            new("PostgreSQL restart", 3_500, async f => await servers.RestartPostgresAsync(TimeSpan.FromSeconds(1))),
            new("Redis restart", 5_500, async f => await servers.RestartRedisAsync(TimeSpan.FromSeconds(1))),
            new("SIGTERM node B", 7_500, async f =>
            {
                await b.SendSigtermAsync();
                // Readiness goes false at once, while the node still answers (the drain, SHUTDOWN_DRAIN_SECONDS = 1).
                int? status;
                do status = await b.ReadyStatusAsync();
                while (status == 200 && traffic.Now - f.At < 800);
                var notReadyAfter = traffic.Now - f.At;
                var exit = await b.WaitForExitAsync(TimeSpan.FromSeconds(30));
                f.Notes = $"/health/ready answered {status?.ToString() ?? "nothing"} {notReadyAfter:F0} ms after SIGTERM; exit {exit} after {(traffic.Now - f.At) / 1000:F1} s";
                Assert.Equal(503, status);
                Assert.Equal(0, exit);
            }, b, async () => await RestartAsync(b)),
        ]);

        async Task RestartAsync(AppNode node)
        {
            await node.StartAsync(NodeStart);
            faults.Last(f => f.At > 0).NodeBack = traffic.Now;
            // Clients that moved to the other node go back to their own, as clients of a region would.
            var deadline = traffic.Now + Recovery.TotalMilliseconds;
            while (clients.Where(c => c.Home == node).Any(c => c.ConnectedTo != node))
            {
                foreach (var c in clients.Where(c => c.Home == node && c.ConnectedTo is { } at && at != node)) c.RequestRehome();
                if (traffic.Now > deadline) throw new TimeoutException($"clients of node {node.Name} did not come back to it");
                await Task.Delay(500, Ct);
            }
        }

        int GateFor(long trigger) => (int)Math.Min(PerUser, (trigger + 400 + Users - 1) / Users);
        traffic.OpenGate(GateFor(faults[0].Trigger));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = clients.Select(c => Task.Run(() => c.RunAsync(stop.Token), Ct)).ToList();
        async Task StopAsync()
        {
            await stop.CancelAsync();
            try { await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None); }
            catch (TimeoutException) { Say("some clients did not stop within 10 s"); }
        }
        try
        {
            await WaitUntilAsync(() =>
            {
                // A client whose first connection timed out on a busy machine went to the other node: back to its own.
                foreach (var c in clients.Where(c => c.ConnectedTo is { } at && at != c.Home)) c.RequestRehome();
                return clients.All(c => c.ConnectedTo == c.Home);
            }, TimeSpan.FromSeconds(60), "every client connected to its node");
            Say($"{Users} clients connected, {Pairs} on each node; sending {Total:N0} messages, one every {Interval.TotalMilliseconds:F0} ms per user");

            for (var i = 0; i < faults.Count; i++)
            {
                var fault = faults[i];
                // Under traffic: at least 300 more messages since the last fault recovered, and more allowed past it.
                var trigger = Math.Max(fault.Trigger, traffic.Started + 300);
                traffic.OpenGate(GateFor(trigger));
                await WaitUntilAsync(() => traffic.Started >= trigger, TimeSpan.FromSeconds(60), $"{trigger} messages sent before \"{fault.Name}\"");
                traffic.OpenGate(i + 1 < faults.Count ? GateFor(faults[i + 1].Trigger) : PerUser);
                if (fault.Node is { } target) fault.OnNode = [.. clients.Where(c => c.ConnectedTo == target)];
                fault.SentAt = traffic.Started;
                fault.AckedAt = traffic.Acked;
                fault.At = traffic.Now;
                Say($"fault {i + 1}: {fault.Name} at {fault.SentAt:N0} messages sent, {fault.AckedAt:N0} acked");
                await fault.Inject(fault);
                fault.Injected = traffic.Now;
                if (fault.Restore is not null) await fault.Restore();
                await WaitUntilAsync(() => AckStall(clients, fault) is not null && ViewStall(clients, fault) is not null
                    && LiveRecovery(clients, fault) is not null, Recovery, $"recovery from \"{fault.Name}\"");
                fault.Acks = AckStall(clients, fault);
                fault.Views = ViewStall(clients, fault);
                fault.LiveRecovery = LiveRecovery(clients, fault);
                Say($"  recovered: acks stalled at most {fault.Acks!.Value.Length / 1000:F2} s and every client was acked again {fault.Acks.Value.EndedAfter / 1000:F2} s after the fault; " +
                    $"views stalled at most {fault.Views!.Value.Length / 1000:F2} s, every view moved again after {fault.Views.Value.EndedAfter / 1000:F2} s"
                    + $", live fan-out to every client {fault.LiveRecovery / 1000:F2} s after it"
                    + (fault.NodeBack is { } back ? $"; node ready again after {(back - fault.At) / 1000:F1} s" : "")
                    + (fault.Notes.Length > 0 ? $"; {fault.Notes}" : ""));
            }

            await WaitUntilAsync(() => clients.All(c => c.SendingDone), TimeSpan.FromSeconds(90), "every message acked");
            Say($"all {traffic.Acked:N0} messages acked");
        }
        catch
        {
            await StopAsync();
            Say(Diagnostics(clients, a, b));
            throw;
        }

        // The store, as the REST API reads it.
        var stored = new Dictionary<string, List<JsonElement>>();
        foreach (var (onA, onB, conversation) in pairs) stored[conversation] = await HistoryAsync(a, onA, onB.Id);

        // After the final sync every client holds its whole conversation.
        foreach (var c in clients) c.RequestSync();
        try
        {
            await WaitUntilAsync(() => clients.All(c => c.GaplessUpTo >= stored[c.ConversationId].Count), TimeSpan.FromSeconds(20), "every client synced to the end");
        }
        catch (TimeoutException e)
        {
            Say(e.Message); // the checks below say what is missing where
        }
        finally
        {
            await StopAsync();
        }

        // A fresh connection's sync from seq 0, for every user, on the node of the user's own.
        var fullSync = new Dictionary<ResilientClient, List<JsonElement>>();
        foreach (var c in clients) fullSync[c] = await ResilientClient.FullSyncAsync(c.Home, c.User.Token, TimeSpan.FromSeconds(30));

        var problems = new List<string>();
        var lost = 0;
        var duplicates = 0;
        var reordered = 0;
        var neverStored = 0;
        foreach (var (onA, onB, conversation) in pairs)
        {
            var messages = stored[conversation];
            var seqs = messages.Select(m => m.GetProperty("seq").GetInt64()).ToList();
            if (!seqs.SequenceEqual(Enumerable.Range(1, seqs.Count).Select(n => (long)n)))
            {
                reordered++;
                problems.Add($"conversation {conversation}: seqs are not 1..{seqs.Count} in order: {string.Join(",", seqs.Take(50))}…");
            }
            foreach (var dup in messages.GroupBy(m => m.Str("clientMessageId")).Where(g => g.Count() > 1))
            {
                duplicates += dup.Count() - 1;
                problems.Add($"conversation {conversation}: clientMessageId {dup.Key} stored {dup.Count()} times");
            }
            foreach (var sender in new[] { onA, onB })
            {
                var indexes = messages.Where(m => m.Str("senderId") == sender.Id)
                    .Select(m => ResilientClient.IndexOf(m.Str("ciphertext")!, sender.Id) ?? -1).ToList();
                var counts = indexes.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
                var missing = Enumerable.Range(0, PerUser).Where(x => !counts.ContainsKey(x)).ToList();
                var doubled = counts.Where(kv => kv.Value > 1).Select(kv => kv.Key).ToList();
                neverStored += missing.Count;
                if (missing.Count > 0) problems.Add($"{sender.DisplayName}: {missing.Count} messages never stored, e.g. #{string.Join(", #", missing.Take(10))}");
                if (doubled.Count > 0)
                {
                    duplicates += doubled.Sum(x => counts[x] - 1);
                    problems.Add($"{sender.DisplayName}: {doubled.Count} messages stored more than once, e.g. #{string.Join(", #", doubled.Take(10))}");
                }
                if (counts.ContainsKey(-1)) problems.Add($"{sender.DisplayName}: {counts[-1]} stored messages with a text it never sent");
                var outOfOrder = indexes.Zip(indexes.Skip(1)).Count(p => p.Second <= p.First);
                if (outOfOrder > 0)
                {
                    reordered += outOfOrder;
                    problems.Add($"{sender.DisplayName}: {outOfOrder} messages stored before one sent earlier: {string.Join(",", indexes.Take(40))}…");
                }
            }
            // (First of each: a clientMessageId stored twice is a problem above already.)
            var byClientId = messages.GroupBy(m => m.Str("senderId") + "/" + m.Str("clientMessageId"), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (Id: g.First().Str("id")!, Seq: g.First().GetProperty("seq").GetInt64()), StringComparer.Ordinal);
            var storeView = messages.GroupBy(m => m.GetProperty("seq").GetInt64()).ToDictionary(g => g.Key, g => g.First().Str("id"));
            foreach (var c in clients.Where(c => c.ConversationId == conversation))
            {
                // Every ack the client got names a message that is stored, with that id and seq.
                foreach (var (clientId, acked) in c.AckedByClientId)
                    if (!byClientId.TryGetValue(c.User.Id + "/" + clientId, out var found))
                    {
                        lost++;
                        problems.Add($"{c.Name}: acked message {clientId} (id {acked.Id}, seq {acked.Seq}) is not stored");
                    }
                    else if (found != acked) problems.Add($"{c.Name}: {clientId} was acked as id {acked.Id} seq {acked.Seq}, stored as id {found.Id} seq {found.Seq}");
                if (c.AckedByClientId.Count != PerUser) problems.Add($"{c.Name}: {c.AckedByClientId.Count} of {PerUser} messages acked");
                // What the client holds (live and synced) is the store, seq for seq.
                var heldView = c.HeldMessages;
                var differ = storeView.Where(kv => !heldView.TryGetValue(kv.Key, out var h) || h.Id != kv.Value).Select(kv => kv.Key).ToList();
                if (differ.Count > 0 || heldView.Count != storeView.Count)
                    problems.Add($"{c.Name}: holds {heldView.Count} messages, the store {storeView.Count}; differing seqs {string.Join(",", differ.Take(20))}");
                // A fresh full sync is the store too, in seq order.
                var synced = fullSync[c].Select(m => (Seq: m.GetProperty("seq").GetInt64(), Id: m.Str("id"))).ToList();
                if (!synced.SequenceEqual(messages.Select(m => (Seq: m.GetProperty("seq").GetInt64(), Id: m.Str("id")))))
                    problems.Add($"{c.Name}: a full sync from 0 gave {synced.Count} messages that are not the store's {messages.Count}");
                // An acked message sent again after a reconnect got its ack back (identical, or it is a violation above).
                var connectionsOf = c.Connections.ToDictionary(x => x.Number);
                foreach (var echo in c.Echoes.Where(e => e.AnsweredAt is null))
                    if (connectionsOf[echo.Connection].ClosedAt is not { } closed || closed - echo.SentAt >= 3000)
                        problems.Add($"{c.Name}: acked message {echo.ClientId}, sent again on connection {echo.Connection}, got no ack");
                foreach (var v in c.Violations.Take(20)) problems.Add(v);
                duplicates += c.Violations.Count(v => v.Contains("twice"));
            }
        }
        var storedTotal = stored.Values.Sum(m => m.Count);
        if (storedTotal != Total) problems.Add($"{storedTotal:N0} messages stored, {Total:N0} sent");

        // The graceful restart: every client of node B was told 1012 and reconnected; after the kill, every client of A reconnected.
        foreach (var fault in faults.Where(f => f.OnNode.Count > 0))
        {
            var graceful = fault.Name.StartsWith("SIGTERM");
            foreach (var c in fault.OnNode)
            {
                var connections = c.Connections;
                var closed = connections.FirstOrDefault(x => x.OpenedAt < fault.At && x.ClosedAt >= fault.At);
                if (closed is null) problems.Add($"{c.Name}: its connection was not closed by \"{fault.Name}\"");
                else if (graceful && (closed.ClosedBy != "server" || closed.CloseStatus != (WebSocketCloseStatus)1012))
                    problems.Add($"{c.Name}: \"{fault.Name}\" ended its connection with {closed.CloseStatus?.ToString() ?? "no close frame"} ({closed.ClosedBy}), not 1012");
                if (!connections.Any(x => x.OpenedAt >= fault.At && x.ReadyAt is not null))
                    problems.Add($"{c.Name}: did not reconnect after \"{fault.Name}\"");
            }
        }
        foreach (var node in new[] { a, b })
            if (!node.IsRunning) problems.Add($"node {node.Name} is not running at the end (exit {node.LastExitCode}); see {node.LogFile}");

        Say(Summary(clients, faults, storedTotal, lost, neverStored, duplicates, reordered, a, b));
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(60)) + "\n\n" + report);
    }

    /// <summary>
    /// The longest, over the 20 clients, from the fault until a peer's message came live again (through the fan-out, across
    /// the nodes but while one node is down), once the fault was over (Redis back, say): without it clients would only
    /// ever catch up by sync.
    /// </summary>
    static double? LiveRecovery(List<ResilientClient> clients, Fault fault)
    {
        var worst = 0.0;
        foreach (var c in clients)
        {
            if (c.FirstLivePeerMessageAfter(fault.Injected) is not { } at) return null;
            worst = Math.Max(worst, at - fault.At);
        }
        return worst;
    }

    /// <summary>A client's worst stall through a fault: the longest pause between two of its events (acks, or steps of its gapless view).</summary>
    record struct Stall(double Length, double EndedAfter);

    /// <summary>A pause longer than this (two and a half send intervals, from the fault's start) is a stall; shorter ones are the pacing.</summary>
    const double StallThresholdMs = 150;

    /// <summary>
    /// The stalls of one client through a fault: pauses of over <see cref="StallThresholdMs"/> (counted from the fault's
    /// start) between consecutive <paramref name="times"/> that overlap the fault, from its start to a second after it was over
    /// (<see cref="Fault.Injected"/>): the longest, and when the last one ended, from the fault's start (0 and 0 for a
    /// client the fault did not stall). Null until an event after that window shows the client is going again.
    /// </summary>
    static Stall? StallThrough(IReadOnlyList<double> times, Fault fault)
    {
        var windowEnd = fault.Injected + 1000;
        if (times.Count == 0 || times[^1] <= windowEnd) return null;
        Stall worst = default;
        for (var i = 1; i < times.Count; i++)
        {
            // Counted from the fault's start: a pause before it (a sender held at the traffic gate, say) is not the fault's.
            var length = times[i] - Math.Max(times[i - 1], fault.At);
            if (times[i] < fault.At || times[i - 1] > windowEnd || length <= StallThresholdMs) continue;
            worst = new Stall(Math.Max(worst.Length, length), Math.Max(worst.EndedAfter, times[i] - fault.At));
        }
        return worst;
    }

    /// <summary>The worst of <see cref="StallThrough"/> over the clients (a client done sending by then is left out); null while one is still stalled.</summary>
    static Stall? WorstStall(List<ResilientClient> clients, Fault fault, Func<ResilientClient, IReadOnlyList<double>> times)
    {
        Stall worst = default;
        foreach (var c in clients)
        {
            if (StallThrough(times(c), fault) is not { } stall)
            {
                if (c.SendingDone) continue;
                return null;
            }
            worst = new Stall(Math.Max(worst.Length, stall.Length), Math.Max(worst.EndedAfter, stall.EndedAfter));
        }
        return worst;
    }

    /// <summary>Acks: when each sender was acked again.</summary>
    static Stall? AckStall(List<ResilientClient> clients, Fault fault) => WorstStall(clients, fault, c => c.Acks.ConvertAll(x => x.AckedAt));

    /// <summary>Each client's view (the seqs it holds without a gap, its own and its peer's): when it moved again.</summary>
    static Stall? ViewStall(List<ResilientClient> clients, Fault fault) => WorstStall(clients, fault, c => c.Progress.ConvertAll(x => x.At));

    static string Summary(List<ResilientClient> clients, List<Fault> faults, int stored, int lost, int neverStored, int duplicates, int reordered, AppNode a, AppNode b)
    {
        var s = new StringBuilder();
        s.AppendLine("fault                 at (s)   sent then  longest ack stall (s)  all acked again (s)  longest view stall (s)  all views moving (s)  live fan-out back (s)  node ready (s)  reconnects");
        for (var i = 0; i < faults.Count; i++)
        {
            var f = faults[i];
            var until = i + 1 < faults.Count ? faults[i + 1].At : double.MaxValue;
            var reconnects = clients.Sum(c => c.Connections.Count(x => x.OpenedAt >= f.At && x.OpenedAt < until && x.ReadyAt is not null));
            s.AppendLine($"{f.Name,-20} {f.At / 1000,7:F1} {f.SentAt,11:N0} {f.Acks?.Length / 1000,22:F2} {f.Acks?.EndedAfter / 1000,20:F2} {f.Views?.Length / 1000,23:F2} {f.Views?.EndedAfter / 1000,21:F2} {f.LiveRecovery / 1000,21:F2} {(f.NodeBack is { } n ? $"{(n - f.At) / 1000:F1}" : "-"),15} {reconnects,11}");
        }
        var acks = clients.SelectMany(c => c.Acks).ToList();
        var latencies = acks.Select(x => x.AckedAt - x.LastSentAt).Order().ToList();
        var errors = clients.SelectMany(c => c.ErrorCodes).GroupBy(kv => kv.Key).Select(g => $"{g.Key} ×{g.Sum(kv => kv.Value)}");
        s.AppendLine($"messages: {Total:N0} sent, {acks.Count:N0} acked, {stored:N0} stored; acked but lost {lost}, never stored {neverStored}, duplicates {duplicates}, reordered {reordered}");
        var echoes = clients.SelectMany(c => c.Echoes).ToList();
        s.AppendLine($"resends of unacked messages {clients.Sum(c => c.Resends):N0} (messages sent more than once: {acks.Count(x => x.Attempts > 1):N0}); " +
            $"acked messages sent again after a reconnect {echoes.Count}, answered with their ack {echoes.Count(e => e.AnsweredAt is not null)}");
        s.AppendLine($"connections {clients.Sum(c => c.Connections.Count):N0}; error frames: {(errors.Any() ? string.Join(", ", errors) : "none")}; " +
            $"sends that got neither an ack nor an error within 5 s (sent again): {clients.Sum(c => c.AckTimeouts)}");
        if (latencies.Count > 0)
            s.AppendLine($"ack latency of the last attempt: median {latencies[latencies.Count / 2]:F1} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:F1} ms, max {latencies[^1]:F0} ms");
        foreach (var node in new[] { a, b }) s.AppendLine(NodeErrors(node));
        return s.ToString();
    }

    /// <summary>The node's Error lines, grouped by their message with the numbers taken out.</summary>
    static string NodeErrors(AppNode node)
    {
        var groups = node.ErrorLines.Select(line =>
            {
                try
                {
                    var doc = JsonDocument.Parse(line).RootElement;
                    return doc.Str("@m") ?? line;
                }
                catch (JsonException)
                {
                    return line;
                }
            })
            .Select(m => Regex.Replace(m.Length > 140 ? m[..140] : m, @"\d+(\.\d+)?", "#"))
            .GroupBy(m => m).OrderByDescending(g => g.Count()).ToList();
        if (groups.Count == 0) return $"node {node.Name}: no Error lines";
        return $"node {node.Name}: {node.ErrorLines.Count} Error lines ({node.LogFile}):\n" + string.Join("\n", groups.Take(12).Select(g => $"  {g.Count(),5} × {g.Key}"));
    }

    static string Diagnostics(List<ResilientClient> clients, AppNode a, AppNode b) =>
        string.Join("\n", clients.Select(c => $"{c.Name}: sent {c.Sent}, acked {c.Acks.Count}, holds up to {c.GaplessUpTo}, on {c.ConnectedTo?.Name ?? "-"}, " +
            $"{c.Connections.Count} connections, violations {c.Violations.Count}"))
        + "\n--- node A ---\n" + a.Tail(30) + "\n--- node B ---\n" + b.Tail(30);

    static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not within {timeout.TotalSeconds:F0} s: {what}");
            await Task.Delay(50, Ct);
        }
    }

    static async Task<TestUser> RegisterAsync(AppNode node, string name)
    {
        using var http = new HttpClient { BaseAddress = node.Address, Timeout = TimeSpan.FromSeconds(30) };
        var phone = ChatHost.NewPhone();
        using var response = await http.PostAsJsonAsync("/auth/register", ChatHost.RegisterBody(phone, name), Ct);
        response.EnsureSuccessStatusCode();
        var auth = (await response.Content.ReadFromJsonAsync<AuthBody>(Ct))!;
        return new TestUser(auth.User.Id, phone, auth.User.DisplayName, "correct horse 1", auth.Token, auth.User.IsAdmin);
    }

    static async Task<string> ConversationAsync(AppNode node, TestUser me, string peerId)
    {
        using var http = Authorized(node, me);
        var body = await http.GetFromJsonAsync<JsonElement>($"/conversations/{peerId}", Ct);
        return body.GetProperty("conversationId").GetString()!;
    }

    /// <summary>The whole conversation, oldest first, through the catch-up API (?afterSeq=).</summary>
    static async Task<List<JsonElement>> HistoryAsync(AppNode node, TestUser me, string peerId)
    {
        using var http = Authorized(node, me);
        var all = new List<JsonElement>();
        string after = "0";
        while (true)
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/conversations/{peerId}/messages?afterSeq={after}&limit=100", Ct);
            all.AddRange(page.GetProperty("items").EnumerateArray().Select(m => m.Clone()));
            if (page.GetProperty("nextCursor") is { ValueKind: JsonValueKind.String } next) after = next.GetString()!;
            else if (page.GetProperty("nextCursor") is { ValueKind: JsonValueKind.Number } number) after = number.GetRawText();
            else return all;
        }
    }

    static HttpClient Authorized(AppNode node, TestUser user)
    {
        var http = new HttpClient { BaseAddress = node.Address, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        return http;
    }
}
