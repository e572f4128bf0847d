using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Chat.Bench.Targets;

namespace Chat.Bench.Load;

/// <summary>
/// Groups of one size made on a target, with every member's socket open for as long as the runs into them last (1,000
/// sockets opened and closed per run would measure handshakes and presence, not fan-out). Member j of group g is
/// user g × Size + j, its creator member 0. Each socket's frames go to the run in progress.
/// </summary>
public sealed class ConnectedGroups : IAsyncDisposable
{
    readonly List<BenchSocket> sockets;
    readonly CancellationTokenSource stopReading = new();
    readonly List<Task> readers;
    volatile GroupRun? current;
    volatile bool closing;
    string? failure;

    ConnectedGroups(int size, IReadOnlyList<string> ids, List<BenchSocket> sockets)
    {
        Size = size;
        Ids = ids;
        this.sockets = sockets;
        readers = [.. sockets.Select((_, i) => Task.Run(() => ReadLoopAsync(i)))];
    }

    public int Size { get; }
    /// <summary>The groups' conversation ids, by group index.</summary>
    public IReadOnlyList<string> Ids { get; }
    public int Count => Ids.Count;
    public BenchSocket Socket(int group, int member) => sockets[group * Size + member];
    /// <summary>The first socket that closed or failed while the groups were in use, or null.</summary>
    public string? Failure => failure;

    /// <summary>Makes users.Count / size groups of the first members of <paramref name="users"/>, then connects every member.</summary>
    public static async Task<ConnectedGroups> CreateAsync(IChatTarget target, IReadOnlyList<BenchUser> users, int size)
    {
        var count = users.Count / size;
        var ids = new string[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (g, _) =>
        {
            var members = users.Skip(g * size).Take(size).ToList();
            ids[g] = await target.CreateGroupAsync(members[0], members, $"Bench {size} #{g + 1}");
        });
        var sockets = await BenchSocket.ConnectManyAsync([.. users.Take(count * size).Select(target.SocketUri)], smallBuffers: false);
        return new ConnectedGroups(size, ids, sockets);
    }

    /// <summary>Points every socket's frames at <paramref name="run"/> (null between runs).</summary>
    internal void Attach(GroupRun? run) => current = run;

    async Task ReadLoopAsync(int index)
    {
        try
        {
            while (await sockets[index].ReceiveUtf8Async(stopReading.Token) is { } utf8)
            {
                var now = Stopwatch.GetTimestamp();
                current?.Handle(index, GroupFrame.Read(utf8.Span), now);
            }
            if (!closing) failure ??= $"the server closed member socket {index}";
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is WebSocketException or JsonException or ObjectDisposedException)
        {
            if (!closing) failure ??= $"member socket {index}: {e.Message}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        closing = true;
        await Task.WhenAll(sockets.Select(s => s.DisposeAsync().AsTask()));
        stopReading.Cancel();
        await Task.WhenAll(readers);
        stopReading.Dispose();
    }
}
