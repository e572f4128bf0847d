using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Observability;

/// <summary>
/// The app's meters, scraped by Prometheus, and the spans of one send. The "Chat" meter and activity source are per
/// process, so these run alone: another host's sockets closing during the scrape would move its gauges (seen once).
/// </summary>
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
[Collection(nameof(TelemetryTests))]
public sealed partial class TelemetryTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_prometheus_scrape_shows_the_message_and_socket_counters_moving()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Postgres, s => s["METRICS_PROMETHEUS"] = "true");
        var (ann, bob) = (await host.RegisterAsync(), await host.RegisterAsync());
        using var client = host.Client();
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var before = await client.GetStringAsync("/metrics", Ct);
        for (var i = 0; i < 3; i++) await annSocket.SendAndAckAsync(bob.Id, $"m{i}");
        await using var bobSocket = await SocketClient.ConnectAsync(host, bob);
        await annSocket.SendAndAckAsync(bob.Id, "to-bob");
        await bobSocket.TakeAsync("message");

        // The exporter caches a scrape for a moment; ask until it has moved.
        string after = before;
        for (var i = 0; i < 50 && Value(after, "chat_messages_stored_total") < Value(before, "chat_messages_stored_total") + 4; i++)
        {
            await Task.Delay(100, Ct);
            after = await client.GetStringAsync("/metrics", Ct);
        }
        Assert.True(Value(after, "chat_messages_stored_total") >= Value(before, "chat_messages_stored_total") + 4, after);
        Assert.True(Value(after, "chat_messages_delivered_total") >= 1);
        Assert.True(Value(after, "chat_sockets_open") >= 2);
        Assert.Contains("chat_commit_duration_milliseconds_bucket", after);
        Assert.Contains("chat_batch_size_bucket", after);
    }

    [Fact]
    public async Task One_send_is_one_trace_from_the_socket_through_the_store_and_the_publish_to_its_delivery()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Chat",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await ChatHost.StartAsync(servers, Storage.Postgres);
        var (ann, bob) = (await host.RegisterAsync(), await host.RegisterAsync());
        await using var bobSocket = await SocketClient.ConnectAsync(host, bob);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        var id = "traced-" + Guid.NewGuid().ToString("N");
        await annSocket.SendAndAckAsync(bob.Id, id);
        await bobSocket.TakeAsync("message");

        Activity? send = null;
        for (var i = 0; i < 50 && (send = spans.FirstOrDefault(s => s.OperationName == "chat.send" && (string?)s.GetTagItem("chat.client_message_id") == id)) is null; i++)
            await Task.Delay(50, Ct);
        Assert.NotNull(send);
        string[] trace = [];
        for (var i = 0; i < 50 && !(trace = Names(spans, send!.TraceId)).Contains("chat.deliver"); i++) await Task.Delay(50, Ct);
        Assert.Equal(["chat.deliver", "chat.publish", "chat.send", "chat.store"], trace.Distinct().Order());
        Assert.All(spans.Where(s => s.TraceId == send!.TraceId && s != send), s => Assert.Equal(send!.SpanId, s.ParentSpanId));
    }

    static string[] Names(IEnumerable<Activity> spans, ActivityTraceId trace) => spans.Where(s => s.TraceId == trace).Select(s => s.OperationName).ToArray();

    /// <summary>The sum of a metric's samples in a Prometheus text scrape (every label set), 0 when absent.</summary>
    static double Value(string scrape, string metric) =>
        Sample().Matches(scrape).Where(m => m.Groups["name"].Value == metric).Sum(m => double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>[a-z_]+)(\{[^}]*\})? (?<value>[0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
