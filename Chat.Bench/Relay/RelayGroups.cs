using System.Collections.Concurrent;

namespace Chat.Bench.Relay;

/// <summary>
/// The relay's groups: a fixed member list and a seq per group, in memory. A send takes the group's lock to number the
/// message and queue it to every member, so each member sees the group's messages in seq order, as the app's writer
/// publishes them.
/// </summary>
sealed class RelayGroups
{
    readonly ConcurrentDictionary<string, RelayGroup> byId = new();
    long lastId;

    public string Create(string creator, IEnumerable<string> memberIds)
    {
        var id = "g" + Interlocked.Increment(ref lastId);
        byId[id] = new RelayGroup(id, [.. new[] { creator }.Concat(memberIds).Distinct()]);
        return id;
    }

    public RelayGroup? Find(string id) => byId.GetValueOrDefault(id);
}

sealed class RelayGroup(string id, string[] members)
{
    public string Id => id;
    public string[] Members => members;
    public readonly HashSet<string> MemberSet = [.. members];
    /// <summary>Held while a message is numbered and queued to the members.</summary>
    public readonly Lock Gate = new();
    public long LastSeq;
}
