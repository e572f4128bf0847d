using System.Diagnostics;
using System.Threading.Channels;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// Group commit. One loop per process takes every send queued at that moment and stores them with one transaction
/// (<see cref="MessageStore"/>), then fans the committed messages out in the batch's order — seq order within each
/// conversation — with each sender's ack, and completes the senders. Nothing is acknowledged or published before its commit.
/// A second send of the same sender and client message id within one batch waits for the next batch, where the store
/// finds the first one stored: duplicates never fail the other messages of a batch.
/// </summary>
public sealed class MessageWriter(MessageStore store, IFanout fanout, IEnumerable<IStoredMessageListener> listeners, ILogger<MessageWriter> log) : BackgroundService, IAsyncDisposable
{
    /// <summary>At most this many messages per transaction, so one commit stays short.</summary>
    const int MaxBatch = 256;

    /// <summary>
    /// When this many sends queued up while the last batch was being stored, the server is near saturation: waiting
    /// <see cref="Linger"/> for more makes fewer, larger batches, and much of a batch's cost is fixed (docs/performance-log.md, "fifth round").
    /// </summary>
    const int LingerThreshold = 32;
    static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(1);

    // Bounded: when the database falls behind, senders wait here (and their sockets stop being read).
    readonly Channel<PendingSend> queue = Channel.CreateBounded<PendingSend>(new BoundedChannelOptions(8 * MaxBatch) { SingleReader = true });

    /// <summary>Queues the send for the next batch; returns once it is queued. Sends are stored in the order they were queued.</summary>
    public ValueTask QueueAsync(PendingSend send, CancellationToken ct) => queue.Writer.WriteAsync(send, ct);

    // The last batch's publish to other nodes, issued but not yet awaited; and whether the store may still hold
    // conversations (PostgreSQL advisory locks) that wait for it.
    Task lastPublished = Task.CompletedTask;
    bool holdingConversations;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<PendingSend>();
        var waitingForNextBatch = new List<PendingSend>();
        var clientKeys = new HashSet<(long, string)>();
        // Not cancelled by stoppingToken: at shutdown the queue is completed and what is in it is still stored.
        while (waitingForNextBatch.Count > 0 || await WaitForSendsAsync())
        {
            if (queue.Reader.Count >= LingerThreshold) await Task.Delay(Linger, CancellationToken.None);
            batch.Clear();
            clientKeys.Clear();
            foreach (var send in waitingForNextBatch) if (clientKeys.Add(send.ClientKey)) batch.Add(send);
            waitingForNextBatch.RemoveAll(batch.Contains);
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var send))
            {
                if (clientKeys.Add(send.ClientKey)) batch.Add(send);
                else waitingForNextBatch.Add(send);
            }
            await WriteBatchAsync(batch);
        }
        await lastPublished;
        await store.ReleaseAsync();
    }

    /// <summary>
    /// Waits for sends. A busy writer lets go of the last batch's conversations at the start of the next batch,
    /// in the same round trip; an idle one does it as soon as the last batch's events are out, since another
    /// node may be waiting for one of those conversations.
    /// </summary>
    async Task<bool> WaitForSendsAsync()
    {
        var next = queue.Reader.WaitToReadAsync(CancellationToken.None).AsTask();
        if (holdingConversations && !next.IsCompleted && await Task.WhenAny(next, lastPublished) != next)
        {
            await store.ReleaseAsync();
            holdingConversations = false;
        }
        return await next;
    }

    async Task WriteBatchAsync(List<PendingSend> batch)
    {
        // The store first lets go of what the last batch held: only once that batch's events reached Redis, so
        // another node that takes one of its conversations next publishes after them (seq order across nodes).
        // Usually they are out long before: the writer waits here, not after each publish.
        await lastPublished;
        holdingConversations = true;
        StoreOutcome[] outcomes;
        var started = Stopwatch.GetTimestamp();
        var startedAt = DateTimeOffset.UtcNow;
        try
        {
            outcomes = await store.StoreAsync(batch.ConvertAll(s => s.Message), CancellationToken.None);
        }
        catch (Exception e)
        {
            // Nothing of the batch is stored; each sender reports a server error and may retry with its client id.
            log.LogError(e, "Storing a batch of {Count} messages failed", batch.Count);
            foreach (var send in batch) send.Fail(e);
            return;
        }
        var stored = new List<PendingSend>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
            if (outcomes[i] == StoreOutcome.Stored) stored.Add(batch[i]);
        ChatTelemetry.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        ChatTelemetry.BatchSize.Record(batch.Count);
        ChatTelemetry.MessagesStored.Add(stored.Count);
        if (ChatTelemetry.Source.HasListeners())
            foreach (var send in stored) Span("chat.store", send, startedAt)?.SetTag("chat.batch.size", batch.Count).Dispose();
        var groups = stored.Where(s => s.Message.ReceiverId is null).Select(s => s.Message.ConversationId).Distinct().ToArray();
        var membersChanged = groups.Length == 0 ? null : await store.MembersChangedAtAsync(groups);
        lastPublished = Announce(stored, membersChanged);
        for (var i = 0; i < batch.Count; i++) batch[i].Complete(outcomes[i]);
        if (stored.Count > 0) foreach (var listener in listeners) listener.Stored(stored.ConvertAll(s => s.Message));
    }

    /// <summary>
    /// The fan-out of a batch's committed messages, in seq order; each sender's connection gets its ack in the same step.
    /// Published to other nodes as one bus message, issued now and awaited only before the next batch. The messages
    /// are stored: a failure here is logged, not reported as a failed send.
    /// </summary>
    async Task Announce(List<PendingSend> stored, Dictionary<long, long>? membersChanged)
    {
        if (stored.Count == 0) return;
        var spans = ChatTelemetry.Source.HasListeners() ? stored.ConvertAll(s => Span("chat.publish", s, DateTimeOffset.UtcNow)) : null;
        try
        {
            await fanout.PublishAllAsync(stored.ConvertAll(s => Addressed(s, membersChanged)));
        }
        catch (Exception e)
        {
            log.LogError(e, "Announcing {Count} stored messages failed; their recipients catch up with sync", stored.Count);
        }
        spans?.ForEach(s => s?.Dispose());
    }

    /// <summary>A direct message to its two users; a group message to its conversation, whose members each node finds.</summary>
    static Delivery Addressed(PendingSend s, Dictionary<long, long>? membersChanged)
    {
        var view = MessageView.From(s.Message);
        var e = new MessageEvent(s.Quote is null ? view : view with { ReplyTo = s.Quote }); // no copy for the usual message
        return (s.Message.ReceiverId is { } receiver
            ? new Delivery(e, [receiver, s.Message.SenderId], Origin: s.Origin)
            : Delivery.ToMembers(e, s.Message.ConversationId, origin: s.Origin) with
            {
                MembersChangedAtSeq = membersChanged?.TryGetValue(s.Message.ConversationId, out var at) == true ? at : null,
            }) with { Trace = s.Trace };
    }

    /// <summary>A span of one send's way through the writer, a child of its "chat.send" span.</summary>
    static Activity? Span(string name, PendingSend send, DateTimeOffset startedAt) =>
        send.Trace == default ? null : ChatTelemetry.Source.StartActivity(name, ActivityKind.Internal, send.Trace, startTime: startedAt);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    /// <summary>
    /// A stop that ran out of time leaves the loop running. The store was created before the writer, so it is disposed
    /// after this (services go in reverse order): the loop must be done with the store's one connection by then, or
    /// the two would use it at once (a dispose hung for good on such a race).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        if (ExecuteTask is { } loop) await loop.WaitAsync(StoreDrainBound).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Dispose();
    }

    /// <summary>Past the database's command timeout: a batch still running by then has failed.</summary>
    static readonly TimeSpan StoreDrainBound = TimeSpan.FromSeconds(60);
}
