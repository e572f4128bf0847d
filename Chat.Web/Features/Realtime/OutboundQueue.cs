using System.Threading.Channels;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// A connection's outbound frames: bounded, first in first out, written from any thread and sent one at a time by a
/// sender that runs only while there is something to send, so an idle connection holds no write loop awaiting a
/// <see cref="Channel"/> (docs/performance-log.md, "Idle connections").
/// </summary>
public sealed class OutboundQueue<T>(int capacity) : IThreadPoolWorkItem
{
    readonly Queue<T> items = new();
    Func<T, ValueTask<bool>>? send;
    bool sending = true, completed, stopped; // "sending" until Start: items queue up and nothing is sent yet
    TaskCompletionSource? spaceFreed, drained;

    /// <summary>
    /// Starts sending what is queued and what comes after (a connection starts once it is registered), one item at a time
    /// with <paramref name="sender"/>. It returns false to stop (after a closing frame, or when the socket failed), which drops
    /// what is still queued and refuses what comes after; it handles its own errors (an exception stops the queue too).
    /// </summary>
    public void Start(Func<T, ValueTask<bool>> sender)
    {
        if (send is not null) throw new InvalidOperationException("The queue has a sender already."); // two would race
        send = sender;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Queues the item without waiting; false when the queue is full, completed or stopped.</summary>
    public bool TryWrite(T item)
    {
        lock (items)
        {
            if (completed || stopped || items.Count >= capacity) return false;
            items.Enqueue(item);
            if (sending) return true;
            sending = true;
        }
        // Sent on the thread pool, so a publisher delivering to many connections never sends on their sockets itself;
        // no execution context flows (nor allocates).
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return true;
    }

    /// <summary>
    /// Queues the item, waiting while the queue is full. Once the queue is completed or stopped the item is dropped:
    /// nothing goes out after a closing frame, and the caller need not care.
    /// </summary>
    public ValueTask WriteAsync(T item, CancellationToken ct) => TryWrite(item) ? ValueTask.CompletedTask : WaitAndWriteAsync(item, ct);

    async ValueTask WaitAndWriteAsync(T item, CancellationToken ct)
    {
        while (!TryWrite(item))
        {
            Task freed;
            lock (items)
            {
                if (completed || stopped) return;
                if (items.Count < capacity) continue; // a place came free meanwhile
                freed = (spaceFreed ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
            await freed.WaitAsync(ct);
        }
    }

    /// <summary>
    /// No more items: completes once what is queued has been sent (at once if nothing is being sent; before
    /// <see cref="Start"/>, at once too, what is queued then never being sent).
    /// </summary>
    public Task CompleteAsync()
    {
        TaskCompletionSource? waiting;
        Task result;
        lock (items)
        {
            completed = true;
            waiting = spaceFreed;
            spaceFreed = null;
            if (send is null) items.Clear();
            result = sending && send is not null ? (drained ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task : Task.CompletedTask;
        }
        waiting?.TrySetResult(); // a writer waiting for space now finds the queue completed
        return result;
    }

    void IThreadPoolWorkItem.Execute() => _ = SendQueuedAsync();

    /// <summary>Runs while the queue has items; the one sender at a time (<c>sending</c> is set by whoever starts it).</summary>
    async Task SendQueuedAsync()
    {
        while (true)
        {
            T? item = default;
            bool finished;
            TaskCompletionSource? freed, done = null;
            lock (items)
            {
                freed = spaceFreed;
                spaceFreed = null;
                finished = stopped || !items.TryDequeue(out item);
                if (finished)
                {
                    items.Clear();
                    // An idle connection gives back an array grown by a burst, but keeps a small one so that one message
                    // at a time does not reallocate it each time.
                    if (items.Capacity > 4) items.TrimExcess();
                    sending = false;
                    done = drained;
                }
            }
            freed?.TrySetResult();
            if (finished)
            {
                done?.TrySetResult();
                return;
            }
            bool more;
            try
            {
                more = await send!(item!);
            }
            catch
            {
                more = false; // send logs its own failures; an unexpected one still must not leave the queue "sending"
            }
            if (!more) lock (items) stopped = true;
        }
    }
}
