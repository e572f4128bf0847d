using Chat.Tests.Infrastructure;

namespace Chat.Tests.Realtime;

/// <summary>
/// Two users on two nodes exchange 300 messages, spread over about 3 s, while <c>outage</c> runs once a third of one
/// side's are acked; then each syncs from its first gap and must hold every seq exactly once. Returns how many messages
/// sync brought (what the outage cost live delivery).
/// </summary>
public static class OutageExchange
{
    public const int Each = 150, Total = 2 * Each;
    static readonly TimeSpan LongWait = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(SocketClient annSocket, TestUser ann, SocketClient bobSocket, TestUser bob, string conversation, Func<Task> outage)
    {
        async Task SendAsync(SocketClient socket, TestUser to, string prefix)
        {
            for (var n = 0; n < Each; n++)
            {
                await socket.SendMessageAsync(to.Id, $"{prefix}{n}");
                await Task.Delay(20);
            }
        }
        var exchange = Task.WhenAll(SendAsync(annSocket, bob, "a"), SendAsync(bobSocket, ann, "b"));
        await annSocket.WaitForCountAsync(f => f.Type() == "ack", Each / 3, LongWait);
        await outage();
        await exchange;
        // As the protocol tells a client: a send refused with server_error (the outage's, on its way in) is sent again
        // with the same clientMessageId, which stores nothing twice.
        await RetryRefusedAsync(annSocket, bob, "a");
        await RetryRefusedAsync(bobSocket, ann, "b");
        await annSocket.WaitForCountAsync(f => f.Type() == "ack", Each, LongWait);
        await bobSocket.WaitForCountAsync(f => f.Type() == "ack", Each, LongWait);

        var recovered = 0;
        foreach (var socket in new[] { annSocket, bobSocket })
        {
            var held = socket.Received.Where(f => f.Type() is "ack" or "message").Select(f => f.Seq()).ToHashSet();
            var contiguous = 0L;
            while (held.Contains(contiguous + 1)) contiguous++;
            await socket.SendAsync(new { type = "sync", since = new Dictionary<string, long> { [conversation] = contiguous } });
            recovered += (await socket.TakeAsync("sync-complete", LongWait)).GetProperty("sent").GetInt32();
            await Task.Delay(300, TestContext.Current.CancellationToken); // anything late and doubled would show now
            var all = socket.Received.Where(f => f.Type() is "ack" or "message").Select(f => f.Seq()).ToList();
            Assert.Equal(Enumerable.Range(1, Total).Select(n => (long)n), all.Order());
        }
        return recovered;
    }

    static async Task RetryRefusedAsync(SocketClient socket, TestUser to, string prefix)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var acked = socket.Received.Where(f => f.Type() == "ack").Select(f => f.Str("clientMessageId")).ToHashSet();
            var refused = socket.Received.Where(f => f.Type() == "error" && f.Str("code") == "server_error").Select(f => f.Str("ref"))
                .Where(id => id is not null && !acked.Contains(id)).Distinct().ToList();
            if (refused.Count == 0) return;
            foreach (var id in refused) await socket.SendMessageAsync(to.Id, id!);
        }
    }
}
