namespace Chat.Web.Features.Realtime;

/// <summary>
/// Whether anything but this node listens on the bus, for <see cref="RedisFanout"/>: a node alone publishes nothing.
/// True until a count says otherwise, and whenever another node is heard; false only when a publish reached no one else
/// and no other node was heard while it was on its way: a join that overtook the count's reply wins.
/// </summary>
public sealed class BusListeners
{
    volatile bool othersListen = true;
    long othersHeard;
    readonly Lock gate = new();

    public bool OthersListen => othersListen;

    /// <summary>How many times another node was heard: taken before a publish, given back to <see cref="Count"/> after it.</summary>
    public long Heard => Interlocked.Read(ref othersHeard);

    /// <summary>
    /// A publish's count of listeners, this node among them when <paramref name="selfCounted"/> (it knows its subscription
    /// works). A node not sure it was counted takes a count of one for another node: a deaf node goes on publishing.
    /// </summary>
    public void Count(long count, long heardBefore, bool selfCounted)
    {
        // Under the lock: a node heard between the check and the write would otherwise be overwritten.
        lock (gate)
        {
            if (count > 1 || count == 1 && !selfCounted) othersListen = true;
            else if (othersHeard == heardBefore) othersListen = false;
        }
    }

    public void HeardAnotherNode()
    {
        lock (gate)
        {
            othersHeard++;
            othersListen = true;
        }
    }
}
