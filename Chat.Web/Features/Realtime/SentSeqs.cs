using System.Runtime.InteropServices;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// The seqs of the messages a connection was sent live since its last sync, per conversation, as ranges of consecutive
/// seqs: live messages come mostly in order, so a conversation usually takes one range, however many messages it had
/// (docs/performance-log.md, "The send path, third round", item 14).
/// </summary>
public sealed class SentSeqs(int maxRanges)
{
    readonly Dictionary<long, List<(long From, long To)>> byConversation = [];
    int ranges;

    /// <summary>
    /// Adds the seq, unless it needs a new range and <c>maxRanges</c> are kept already: then a sync sends that message
    /// once more (same id and seq). Keeping fewer seqs than were sent can repeat a message, never lose one.
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
