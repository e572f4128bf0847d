using System.Collections.Concurrent;
using System.Threading.Channels;
using Chat.Web.Features.Messaging;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Realtime;

/// <summary>The connections open on this node, by user. Delivers bus events to them.</summary>
public sealed class ConnectionRegistry(ConversationMembers members)
{
    readonly ConcurrentDictionary<long, ConcurrentDictionary<string, IChatEventSink>> byUser = new();
    readonly ConcurrentDictionary<string, IChatEventSink> all = new();
    long counter;

    /// <summary>This process's id: tags bus messages so a node skips its own echo from Redis.</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N")[..12];

    public string NewConnectionId() => $"{NodeId}-{Interlocked.Increment(ref counter)}";

    public void Add(IChatEventSink sink)
    {
        all[sink.Id] = sink;
        lock (byUser) byUser.GetOrAdd(sink.UserId, _ => new())[sink.Id] = sink;
    }

    public void Remove(IChatEventSink sink)
    {
        all.TryRemove(sink.Id, out _);
        lock (byUser)
        {
            if (!byUser.TryGetValue(sink.UserId, out var mine)) return;
            mine.TryRemove(sink.Id, out _);
            if (mine.IsEmpty) byUser.TryRemove(sink.UserId, out _);
        }
    }

    public int CountFor(long userId) => byUser.TryGetValue(userId, out var mine) ? mine.Count : 0;

    public IReadOnlyCollection<IChatEventSink> All => all.Values.ToList();

    /// <summary>Hands the events to their connections on this node, in order.</summary>
    public async ValueTask DeliverAllAsync(IReadOnlyList<Delivery> deliveries)
    {
        foreach (var d in deliveries) await DeliverAsync(d);
    }

    /// <summary>Hands the event to the addressed connections on this node; the origin connection gets its own version.</summary>
    public async ValueTask DeliverAsync(Delivery d)
    {
        using var span = d.Trace == default ? null : ChatTelemetry.Source.StartActivity("chat.deliver", System.Diagnostics.ActivityKind.Internal, d.Trace);
        if (d.Origin is { } origin && all.TryGetValue(origin, out var from)) from.TryEnqueue(d.ForOrigin());
        if (d.Everyone)
        {
            foreach (var sink in all.Values)
                if (sink.Id != d.Origin) sink.TryEnqueue(d.Event);
            return;
        }
        foreach (var userId in d.UserIds) DeliverTo(userId, d);
        if (d.ConversationId is not { } conversationId) return;
        var message = (d.Event as MessageEvent)?.Message;
        // A membership change: this node's list of the conversation is out of date from this seq on.
        if (message?.Kind == "system") members.Forget(conversationId);
        if (await members.GetAsync(conversationId, d.MembersChangedAtSeq ?? 0) is not { } list) return;
        foreach (var member in list.Members)
            if (member.UserId != d.ExceptUserId && (message is null ? member.IsCurrent : message.SeenBy(member)))
                DeliverTo(member.UserId, d);
    }

    void DeliverTo(long userId, Delivery d)
    {
        if (!byUser.TryGetValue(userId, out var mine)) return;
        foreach (var sink in mine.Values)
            if (sink.Id != d.Origin && sink.TryEnqueue(d.Event) && d.Event is MessageEvent) ChatTelemetry.MessagesDelivered.Add(1);
    }

    /// <summary>
    /// A user's events as an async stream, for consumers that render them elsewhere (an SSE endpoint:
    /// <c>TypedResults.ServerSentEvents(registry.SubscribeAsync(me, ct))</c>). The subscription counts as a
    /// connection for delivery only; it is removed when the enumeration ends. A subscriber that falls
    /// <paramref name="capacity"/> events behind is ended.
    /// </summary>
    public async IAsyncEnumerable<ChatEvent> SubscribeAsync(long userId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, int capacity = 256)
    {
        var sink = new QueueSink(NewConnectionId(), userId, capacity);
        Add(sink);
        try
        {
            await foreach (var e in sink.Reader.ReadAllAsync(ct)) yield return e;
        }
        finally
        {
            Remove(sink);
        }
    }

    sealed class QueueSink(string id, long userId, int capacity) : IChatEventSink
    {
        readonly Channel<ChatEvent> queue = Channel.CreateBounded<ChatEvent>(new BoundedChannelOptions(capacity) { SingleReader = true });
        public string Id => id;
        public long UserId => userId;
        public ChannelReader<ChatEvent> Reader => queue.Reader;

        public bool TryEnqueue(ChatEvent e)
        {
            if (queue.Writer.TryWrite(e)) return true;
            queue.Writer.TryComplete(); // too far behind: end the stream, the client reconnects and catches up
            return false;
        }
    }
}
