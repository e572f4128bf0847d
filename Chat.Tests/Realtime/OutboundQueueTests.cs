using System.Collections.Concurrent;
using Chat.Web.Features.Realtime;

namespace Chat.Tests.Realtime;

/// <summary>
/// The connections' outbound queue on its own: order, one send at a time, the bound, stopping and completing.
/// (The sockets' use of it is covered by the gateway tests, including a consumer that does not read.)
/// </summary>
public sealed class OutboundQueueTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A sender that records what it sends and can be held, to fill the queue behind it.</summary>
    sealed class Recorder
    {
        public readonly ConcurrentQueue<int> Sent = new();
        public volatile TaskCompletionSource Gate = Open();
        /// <summary>Set when the sender has taken its first item (and waits at the gate, if it is closed).</summary>
        public readonly TaskCompletionSource Taken = new(TaskCreationOptions.RunContinuationsAsynchronously);
        int inFlight, maxInFlight;
        public int MaxInFlight => maxInFlight;

        static TaskCompletionSource Open()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }

        public async ValueTask<bool> SendAsync(int item)
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            Taken.TrySetResult();
            if (item == int.MinValue) throw new InvalidOperationException("a sender that fails");
            await Gate.Task;
            await Task.Yield();
            Sent.Enqueue(item);
            Interlocked.Decrement(ref inFlight);
            return item >= 0; // a negative item stands for a closing frame: nothing is sent after it
        }

        static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
        }
    }

    [Fact]
    public async Task Nothing_is_sent_before_start_then_everything_in_order_one_at_a_time()
    {
        var recorder = new Recorder();
        var queue = new OutboundQueue<int>(100);
        for (var i = 0; i < 10; i++) Assert.True(queue.TryWrite(i));
        await Task.Delay(100, Ct);
        Assert.Empty(recorder.Sent);

        queue.Start(recorder.SendAsync);
        for (var i = 10; i < 50; i++) Assert.True(queue.TryWrite(i));
        await queue.CompleteAsync().WaitAsync(Wait, Ct);
        Assert.Equal(Enumerable.Range(0, 50), recorder.Sent);
        Assert.Equal(1, recorder.MaxInFlight);
    }

    [Fact]
    public async Task Items_written_from_many_threads_are_each_sent_once_in_each_writers_order()
    {
        var recorder = new Recorder();
        var queue = new OutboundQueue<int>(100_000);
        queue.Start(recorder.SendAsync);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                Assert.True(queue.TryWrite(writer * 10_000 + i));
                if (i % 100 == 0) await Task.Yield();
            }
        }, Ct)));
        await queue.CompleteAsync().WaitAsync(Wait, Ct);

        var sent = recorder.Sent.ToArray();
        Assert.Equal(16_000, sent.Length);
        Assert.Equal(16_000, sent.Distinct().Count());
        foreach (var writer in sent.GroupBy(x => x / 10_000))
            Assert.Equal(writer.Order(), writer);
        Assert.Equal(1, recorder.MaxInFlight);
    }

    [Fact]
    public async Task A_full_queue_refuses_try_write_and_write_waits_for_a_free_place()
    {
        var recorder = new Recorder { Gate = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var queue = new OutboundQueue<int>(3);
        queue.Start(recorder.SendAsync);
        Assert.True(queue.TryWrite(1));
        await recorder.Taken.Task.WaitAsync(Wait, Ct); // taken by the sender, which is held
        Assert.True(queue.TryWrite(2));
        Assert.True(queue.TryWrite(3));
        Assert.True(queue.TryWrite(4));
        Assert.False(queue.TryWrite(5)); // three queued: full

        var waiting = queue.WriteAsync(5, Ct).AsTask();
        await Task.Delay(100, Ct);
        Assert.False(waiting.IsCompleted);

        recorder.Gate.SetResult();
        await waiting.WaitAsync(Wait, Ct);
        await queue.CompleteAsync().WaitAsync(Wait, Ct);
        Assert.Equal([1, 2, 3, 4, 5], recorder.Sent);
    }

    [Fact]
    public async Task A_send_that_stops_drops_the_rest_refuses_more_and_releases_a_waiting_writer()
    {
        var recorder = new Recorder { Gate = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var queue = new OutboundQueue<int>(2);
        queue.Start(recorder.SendAsync);
        Assert.True(queue.TryWrite(-1)); // "closing frame", held in the sender
        await recorder.Taken.Task.WaitAsync(Wait, Ct);
        Assert.True(queue.TryWrite(2));
        Assert.True(queue.TryWrite(3));
        var waiting = queue.WriteAsync(4, Ct).AsTask();
        Assert.False(waiting.IsCompleted);

        recorder.Gate.SetResult();
        await waiting.WaitAsync(Wait, Ct); // released, and its item dropped: nothing goes out after the closing frame
        Assert.False(queue.TryWrite(5));
        await queue.WriteAsync(6, Ct).AsTask().WaitAsync(Wait, Ct);
        await queue.CompleteAsync().WaitAsync(Wait, Ct);
        Assert.Equal([-1], recorder.Sent);
    }

    [Fact]
    public async Task A_sender_that_throws_stops_the_queue_instead_of_leaving_it_sending_for_ever()
    {
        var recorder = new Recorder();
        var queue = new OutboundQueue<int>(10);
        queue.Start(recorder.SendAsync);
        Assert.True(queue.TryWrite(1));
        Assert.True(queue.TryWrite(int.MinValue));
        Assert.True(queue.TryWrite(2));
        await queue.CompleteAsync().WaitAsync(Wait, Ct);
        Assert.Equal([1], recorder.Sent);
        Assert.False(queue.TryWrite(3));
    }

    [Fact]
    public void A_second_sender_is_refused()
    {
        var queue = new OutboundQueue<int>(10);
        queue.Start(_ => ValueTask.FromResult(true));
        Assert.Throws<InvalidOperationException>(() => queue.Start(_ => ValueTask.FromResult(true)));
    }

    [Fact]
    public async Task Complete_waits_for_what_is_queued_and_then_refuses_more()
    {
        var recorder = new Recorder { Gate = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var queue = new OutboundQueue<int>(10);
        queue.Start(recorder.SendAsync);
        for (var i = 0; i < 5; i++) Assert.True(queue.TryWrite(i));
        await recorder.Taken.Task.WaitAsync(Wait, Ct);
        var completed = queue.CompleteAsync();
        Assert.False(queue.TryWrite(5));
        await queue.WriteAsync(6, Ct).AsTask().WaitAsync(Wait, Ct); // dropped, not an error
        await Task.Delay(100, Ct);
        Assert.False(completed.IsCompleted); // the sender is still held with item 0

        recorder.Gate.SetResult();
        await completed.WaitAsync(Wait, Ct);
        Assert.Equal([0, 1, 2, 3, 4], recorder.Sent);
    }
}
