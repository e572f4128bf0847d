using System.Collections.Concurrent;

namespace Chat.Web.Features.Messaging;

/// <summary>Pair → conversation id, per process. Safe to cache: ids never change and are never reused.</summary>
public sealed class KnownConversations
{
    readonly ConcurrentDictionary<(long, long), long> ids = new();

    static (long, long) Key(long a, long b) => a < b ? (a, b) : (b, a);
    public bool TryGet(long a, long b, out long id) => ids.TryGetValue(Key(a, b), out id);
    public void Remember(long a, long b, long id) => ids[Key(a, b)] = id;
    public void Forget(long a, long b) => ids.TryRemove(Key(a, b), out _);
}
