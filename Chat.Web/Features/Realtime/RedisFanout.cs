using System.Text;
using System.Text.Json;
using Chat.Web.Features.Messaging;
using Chat.Web.Infrastructure;
using StackExchange.Redis;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// Many nodes over Redis pub/sub, on the channels of <see cref="BusShards"/>: every node subscribes to every
/// channel and sees each channel's events in the one order Redis received them (the writer publishes a conversation's
/// messages in seq order, and a conversation stays on one channel). Each event is also delivered on this node at once, and
/// a node skips its own echo, so same-node delivery works while Redis is down; events published during an outage are
/// recovered with sync. A bus message is the origin node's id, a newline and a JSON array of deliveries, or a control
/// message ("join", "welcome"). A node that hears no other node publishes nothing. The protocol, step by step:
/// docs/performance-log.md, "The bus protocol".
/// </summary>
public sealed class RedisFanout(IConnectionMultiplexer redis, ConnectionRegistry registry, ChatSettings settings, ILogger<RedisFanout> log)
    : IFanout, IHostedService
{
    readonly BusShards shards = new(settings.RedisPrefix, settings.RedisFanoutShards);
    readonly byte[] ownId = Encoding.ASCII.GetBytes(registry.NodeId);
    readonly byte[] ownPrefix = Encoding.ASCII.GetBytes(registry.NodeId + "\n");
    readonly byte[] echoProbe = Encoding.ASCII.GetBytes(registry.NodeId + "\n[]");

    public async Task PublishAllAsync(IReadOnlyList<Delivery> deliveries)
    {
        await registry.DeliverAllAsync(deliveries);
        // Decided after the caller's commit: a node that joins after this still finds these events in the database.
        if (!listeners.OthersListen || deliveries is [{ Addressed: false }]) return; // an origin's own event stays on its node
        if (!redis.IsConnected) return; // fail fast during an outage instead of queueing behind it
        var subscriber = redis.GetSubscriber();
        var published = new List<(Task Publish, PooledBuffer Bytes)>();
        string? failure = null;
        try
        {
            // Issued one after another without waiting: Redis keeps each channel's in this order.
            foreach (var (shard, part) in ByShard(deliveries))
                for (var next = 0; next < part.Count;)
                {
                    var bytes = BusMessage.Encode(ownPrefix, part, ref next);
                    published.Add((subscriber.PublishAsync(shards.Channels[shard], bytes.Written), bytes));
                }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            failure = e.GetType().Name;
        }
        // A publish owns its bytes until it is done.
        foreach (var (publish, bytes) in published)
        {
            try
            {
                await publish;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                failure ??= e.GetType().Name;
            }
            bytes.Dispose();
        }
        if (failure is not null) log.LogWarning("Redis publish failed ({Reason}); other nodes' clients will catch up with sync", failure);
    }

    /// <summary>The deliveries split by channel, each part in the order given.</summary>
    IEnumerable<(int Shard, IReadOnlyList<Delivery> Part)> ByShard(IReadOnlyList<Delivery> deliveries)
    {
        if (shards.Count == 1)
        {
            yield return (0, deliveries);
            yield break;
        }
        foreach (var group in deliveries.Where(d => d.Addressed).GroupBy(shards.Of)) yield return (group.Key, group.ToList());
    }

    readonly CancellationTokenSource stopping = new();
    readonly BusListeners listeners = new();
    /// <summary>Per channel: its subscription (null while it has none) and when it last echoed this node's probe.</summary>
    readonly ChannelMessageQueue?[] subscriptions = new ChannelMessageQueue?[BusShards.CountFor(settings.RedisFanoutShards)];
    readonly long[] lastEchoTicks = [.. Enumerable.Repeat(DateTime.UtcNow.Ticks, BusShards.CountFor(settings.RedisFanoutShards))];
    /// <summary>Completed by the next echo this node hears: set before a probe goes out.</summary>
    TaskCompletionSource? nextEcho;
    int welcomesAwaited;
    readonly TaskCompletionSource welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How often the node publishes an empty bus message to hear its own echo.</summary>
    internal static readonly TimeSpan EchoInterval = TimeSpan.FromSeconds(2);
    /// <summary>No echo for this long while Redis answers: the subscription is gone, and the node takes it again.</summary>
    static readonly TimeSpan EchoSilence = TimeSpan.FromSeconds(10);

    /// <summary>Subscribes before the node takes requests; started while Redis is down, it keeps trying in the background.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        // Every channel before the join (the others hear of this node only then); a channel that failed is taken by the watch.
        var subscribed = await Task.WhenAll(Enumerable.Range(0, shards.Count).Select(TrySubscribeAsync));
        if (subscribed[0]) await JoinAsync(awaitWelcomes: true, subscribed: true);
        redis.ConnectionRestored += RejoinAfterReconnect;
        _ = WatchEchoAsync(stopping.Token);
    }

    /// <summary>After a reconnect, a join tells nodes that went lone meanwhile (this node's own count cannot make it lone).</summary>
    void RejoinAfterReconnect(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription) _ = JoinAsync(awaitWelcomes: false, subscribed: false);
    }

    /// <summary>
    /// Tells the other nodes this one listens. At start the node waits (at most <see cref="EchoInterval"/>, for a
    /// listener that is not a node and never answers) until every other listener has welcomed it: each welcomes
    /// only after it has started publishing again.
    /// </summary>
    async Task JoinAsync(bool awaitWelcomes, bool subscribed)
    {
        try
        {
            var heard = listeners.Heard;
            var count = await redis.GetSubscriber().PublishAsync(shards.Control, (byte[])[.. ownPrefix, .. BusMessage.Join]);
            // A welcome may come before the count's reply: it counts down first, and the wait ends at zero either way.
            if (awaitWelcomes && count > 1 && Interlocked.Add(ref welcomesAwaited, (int)count - 1) > 0
                && await Task.WhenAny(welcomed.Task, Task.Delay(EchoInterval)) != welcomed.Task)
                log.LogWarning("Not every listener on {Channel} welcomed this node within {Seconds} s (not every listener need be a node)", shards.Control, EchoInterval.TotalSeconds);
            listeners.Count(count, heard, subscribed);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            log.LogWarning("Redis join failed ({Reason}); other nodes learn of this node from its echo probes", e.GetType().Name);
        }
    }

    /// <summary>
    /// StackExchange.Redis re-subscribes after a reconnect by itself, but not always (after a Redis restart a node was seen
    /// to hear nothing again). So the node probes each channel for its own echo, and after <see cref="EchoSilence"/>
    /// without one while Redis answers drops that channel's subscription and takes a new one: the old one first, so no
    /// event is handled twice. On a cluster each channel lives on one master, so a restarted master costs only its own.
    /// </summary>
    async Task WatchEchoAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(EchoInterval, ct);
                // All channels at once: a master that hangs delays only its own channels' probes, not the others'.
                await Task.WhenAll(Enumerable.Range(0, shards.Count).Select(shard => TendAsync(shard, ct)));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One channel's turn of the watch: a probe while it echoes, a new subscription once it has been silent too long.</summary>
    async Task TendAsync(int shard, CancellationToken ct)
    {
        if (!redis.IsConnected)
        {
            // Silence while Redis is down says nothing of the subscription: the library restores it on reconnect.
            Interlocked.Exchange(ref lastEchoTicks[shard], DateTime.UtcNow.Ticks);
            return;
        }
        var silent = DateTime.UtcNow - new DateTime(Interlocked.Read(ref lastEchoTicks[shard]), DateTimeKind.Utc);
        if (subscriptions[shard] is not null && silent < EchoSilence)
        {
            await ProbeAsync(shard, ct);
            return;
        }
        if (subscriptions[shard] is { } stale)
        {
            log.LogWarning("No echo from {Channel} for {Seconds:F0} s; subscribing again", shards.Channels[shard], silent.TotalSeconds);
            try { await stale.UnsubscribeAsync(); }
            catch (Exception e) when (e is RedisException or TimeoutException) { }
            subscriptions[shard] = null;
        }
        if (await TrySubscribeAsync(shard))
        {
            Interlocked.Exchange(ref lastEchoTicks[shard], DateTime.UtcNow.Ticks);
            if (shard == 0) await JoinAsync(awaitWelcomes: false, subscribed: true);
        }
    }

    /// <summary>
    /// Publishes an empty bus message, to hear its echo and, on the first channel, to count the listeners. The node
    /// counts itself only if an echo comes back after the probe went out: a node whose subscription went between its
    /// last echo and this count would otherwise take the one other listener for itself.
    /// </summary>
    async Task ProbeAsync(int shard, CancellationToken ct)
    {
        try
        {
            var heard = listeners.Heard;
            var echo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (shard == 0) Volatile.Write(ref nextEcho, echo);
            var count = await redis.GetSubscriber().PublishAsync(shards.Channels[shard], echoProbe);
            if (shard != 0) return;
            var subscribed = count == 1 && await Task.WhenAny(echo.Task, Task.Delay(EchoInterval / 2, ct)) == echo.Task;
            listeners.Count(count, heard, subscribed);
        }
        catch (Exception e) when (e is RedisException or TimeoutException) { }
    }

    async Task<bool> TrySubscribeAsync(int shard)
    {
        try
        {
            // A ChannelMessageQueue hands messages over one at a time, in order (a plain handler may run concurrently).
            var queue = await redis.GetSubscriber().SubscribeAsync(shards.Channels[shard]);
            queue.OnMessage(ReceiveAsync);
            subscriptions[shard] = queue;
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            log.LogWarning("Redis subscribe to {Channel} failed ({Reason}); retrying", shards.Channels[shard], e.GetType().Name);
            return false;
        }
    }

    async Task ReceiveAsync(ChannelMessage message)
    {
        if (Decode(message) is not { } deliveries) return;
        if (ChatTelemetry.FanoutLag.Enabled)
            foreach (var d in deliveries)
                if (d.Event is MessageEvent m) ChatTelemetry.FanoutLag.Record((DateTime.UtcNow - m.Message.CreatedAt).TotalMilliseconds);
        try
        {
            await registry.DeliverAllAsync(deliveries);
        }
        catch (Exception e) // a group's members could not be read (the database is away): its clients catch up with sync
        {
            log.LogWarning("Delivering a bus message failed ({Reason})", e.GetType().Name);
        }
    }

    /// <summary>Another node's deliveries, or null for a control message (handled here) or this node's own echo.</summary>
    List<Delivery>? Decode(ChannelMessage message)
    {
        var bytes = ((ReadOnlyMemory<byte>)message.Message).Span;
        if (bytes.StartsWith(ownPrefix))
        {
            var shard = shards.IndexOf(message.Channel);
            if (shard < 0) return null;
            Interlocked.Exchange(ref lastEchoTicks[shard], DateTime.UtcNow.Ticks); // the subscription works
            if (shard == 0) Volatile.Read(ref nextEcho)?.TrySetResult();
            return null; // delivered here when it was published
        }
        listeners.HeardAnotherNode();
        try
        {
            var newline = bytes.IndexOf((byte)'\n');
            if (newline < 0) throw new JsonException("no origin line");
            var payload = bytes[(newline + 1)..];
            if (payload.SequenceEqual(BusMessage.Join))
            {
                // Sent after HeardAnotherNode: from here on this node publishes to the new one.
                Welcome(bytes[..newline]);
                return null;
            }
            if (payload.StartsWith(BusMessage.Welcome))
            {
                if (payload[BusMessage.Welcome.Length..].SequenceEqual(ownId) && Interlocked.Decrement(ref welcomesAwaited) == 0)
                    welcomed.TrySetResult();
                return null;
            }
            return BusMessage.Decode(payload);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException) // an unknown or abstract event type
        {
            log.LogWarning(e, "Ignored a malformed message on {Channel}", message.Channel);
            return null;
        }
    }

    void Welcome(ReadOnlySpan<byte> node)
    {
        try
        {
            redis.GetSubscriber().Publish(shards.Control, (byte[])[.. ownPrefix, .. BusMessage.Welcome, .. node], CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException) // never out of the handler
        {
            log.LogWarning("Redis welcome failed ({Reason}); the new node starts without it", e.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken ct)
    {
        redis.ConnectionRestored -= RejoinAfterReconnect;
        stopping.Cancel();
        return Task.CompletedTask;
    }
}
