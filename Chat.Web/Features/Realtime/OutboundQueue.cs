using System.Threading.Channels;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// A connection's outbound frames: bounded, first in first out, written from any thread and sent one at a time by a
/// sender that runs only while there is something to send. An idle connection holds this object and a queue of at most four empty slots —
/// no write loop waiting on a channel, no waiting reader operation, no cancellation registration (a
/// <see cref="Channel"/> with a write loop awaiting it held about 1 KB more per idle socket; docs/performance-log.md).
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
        // The sending runs on the thread pool, as a channel's reader continuation did: a publisher delivering to
        // many connections never sends on their sockets itself. No execution context flows (nor allocates).
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return true;
    }

    /// <summary>
    /// Queues the item, waiting while the queue is full. Once the queue is completed or stopped the item is dropped, as a
    /// channel nobody reads any more would keep it: nothing goes out after a closing frame, and the caller need not care.
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
                    // After a burst the array may have grown to the queue's capacity: an idle connection gives it back. A small one
                    // is kept, so that a connection getting one message at a time does not reallocate it for each.
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
