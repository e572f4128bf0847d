namespace Chat.Web.Features.Realtime;

/// <summary>
/// One node's presence: the connections that count (an SSE subscription only listens, so it does not).
/// Also <see cref="RedisPresence"/>'s fallback while Redis is down.
/// </summary>
public sealed class LocalPresence : IPresenceStore
{
    readonly Dictionary<string, IChatEventSink> present = [];
    readonly Dictionary<long, int> perUser = [];

    public IChatEventSink[] Connections { get { lock (present) return present.Values.ToArray(); } }

    public Task<bool> ConnectedAsync(IChatEventSink c)
    {
        lock (present)
        {
            if (!present.TryAdd(c.Id, c)) return Task.FromResult(false);
            perUser[c.UserId] = perUser.GetValueOrDefault(c.UserId) + 1;
            return Task.FromResult(perUser[c.UserId] == 1);
        }
    }

    public Task<bool> DisconnectedAsync(IChatEventSink c)
    {
        lock (present)
        {
            if (!present.Remove(c.Id)) return Task.FromResult(false);
            var left = perUser[c.UserId] - 1;
            if (left == 0) perUser.Remove(c.UserId); else perUser[c.UserId] = left;
            return Task.FromResult(left == 0);
        }
    }

    public Task<bool> IsOnlineAsync(long userId)
    {
        lock (present) return Task.FromResult(perUser.ContainsKey(userId));
    }
}
