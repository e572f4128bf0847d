using System.Runtime.InteropServices;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// The seqs of the messages a connection was sent live since its last sync, per conversation, kept as ranges of
/// consecutive seqs. Live messages come mostly in seq order, so a conversation usually takes one range however many
/// messages it had; a set of (conversation, seq) pairs took 24 bytes per message, grew to 4,096 entries (about
/// 100 KB) on every busy connection that never synced, and each such set went to the large object heap.
/// </summary>
public sealed class SentSeqs(int maxRanges)
{
    readonly Dictionary<long, List<(long From, long To)>> byConversation = [];
    int ranges;

    /// <summary>
    /// Adds the seq, unless it needs a new range and <c>maxRanges</c> are kept already: then it is not kept, and a sync
    /// would send that message once more (same id and seq), as the capped set before did. That takes <c>maxRanges</c>
    /// gaps since the last sync; keeping fewer seqs than were sent could never lose a message, only repeat one.
    /// </summary>
    public void Add(long conversation, long seq)
    {
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(byConversation, conversation, out _);
        list ??= [];
        // i: the first range that starts after seq (new seqs are usually past the last range).
        var i = list.Count;
        while (i > 0 && list[i - 1].From > seq) i--;
        if (i > 0 && seq <= list[i - 1].To) return;
        var joinsLeft = i > 0 && list[i - 1].To == seq - 1;
        var joinsRight = i < list.Count && list[i].From == seq + 1;
        if (joinsLeft && joinsRight)
        {
            list[i - 1] = (list[i - 1].From, list[i].To);
            list.RemoveAt(i);
            ranges--;
        }
        else if (joinsLeft) list[i - 1] = (list[i - 1].From, seq);
        else if (joinsRight) list[i] = (seq, list[i].To);
        else if (ranges < maxRanges)
        {
            list.Insert(i, (seq, seq));
            ranges++;
        }
    }

    public bool Contains(long conversation, long seq)
    {
        if (!byConversation.TryGetValue(conversation, out var list)) return false;
        foreach (var (from, to) in list)
            if (from <= seq && seq <= to) return true;
        return false;
    }

    public void Clear()
    {
        byConversation.Clear();
        ranges = 0;
    }
}
