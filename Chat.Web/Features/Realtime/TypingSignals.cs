using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// Typing indicators with expiry. A "start" reaches the peer once; while the typist keeps sending
/// "start" the indicator stays on; <see cref="RealtimeSettings.TypingExpirySeconds"/> after the last one the peer gets "stop" by
/// itself, so a closed laptop does not leave "typing…" on screen. Both sockets' protocols call this.
/// </summary>
/// <summary>Who sees a typist: a peer, or a group's current members.</summary>
public readonly record struct TypingTarget(long? UserId, long? ConversationId)
{
    public static TypingTarget Peer(long userId) => new(userId, null);
    public static TypingTarget Group(long conversationId) => new(null, conversationId);
}

public sealed class TypingSignals(IFanout fanout, RealtimeSettings settings, TimeProvider clock, IServiceScopeFactory scopes, ILogger<TypingSignals> log) : IDisposable
{
    readonly TimeSpan expiry = TimeSpan.FromSeconds(settings.TypingExpirySeconds);
    readonly Dictionary<(long From, TypingTarget To), ITimer> active = [];

    public async Task StartAsync(long from, TypingTarget to, CancellationToken ct = default)
    {
        bool isNew;
        lock (active) isNew = !active.ContainsKey((from, to));
        // Between a pair where one blocked the other nobody sees the other type; asked once per indicator, not per keystroke.
        if (isNew && to.UserId is { } peer && await BlockedAsync(from, peer, ct)) return;
        lock (active)
        {
            isNew = !active.TryGetValue((from, to), out var timer);
            if (isNew)
            {
                timer = clock.CreateTimer(_ => _ = ExpireAsync(from, to), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                active[(from, to)] = timer;
            }
            timer!.Change(expiry, Timeout.InfiniteTimeSpan);
        }
        if (isNew) await PublishAsync(from, to, "start", ct);
    }

    async Task<bool> BlockedAsync(long from, long peer, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Data.ChatDbContext>().BlockBetweenAsync(from, peer, ct) is not null;
    }

    public Task StopAsync(long from, TypingTarget to, CancellationToken ct = default) =>
        Clear(from, to) ? PublishAsync(from, to, "stop", ct) : Task.CompletedTask;

    /// <summary>Ends every indicator of a user who went away (their last connection closed).</summary>
    public Task StopAllFromAsync(long from, CancellationToken ct = default)
    {
        TypingTarget[] peers;
        lock (active) peers = active.Keys.Where(k => k.From == from).Select(k => k.To).ToArray();
        return Task.WhenAll(peers.Select(to => StopAsync(from, to, ct)));
    }

    async Task ExpireAsync(long from, TypingTarget to)
    {
        try
        {
            await StopAsync(from, to);
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Could not send a typing stop");
        }
    }

    bool Clear(long from, TypingTarget to)
    {
        lock (active)
        {
            if (!active.Remove((from, to), out var timer)) return false;
            timer.Dispose();
            return true;
        }
    }

    Task PublishAsync(long from, TypingTarget to, string state, CancellationToken ct) => fanout.PublishAsync(to.ConversationId is { } group
        ? Delivery.ToMembers(new TypingEvent(from.ToString(), null, state, group.ToString()), group, exceptUserId: from)
        : Delivery.To(new TypingEvent(from.ToString(), to.UserId.ToString(), state), to.UserId!.Value), ct);

    public void Dispose()
    {
        lock (active)
        {
            foreach (var timer in active.Values) timer.Dispose();
            active.Clear();
        }
    }
}
