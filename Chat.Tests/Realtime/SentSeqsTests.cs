using Chat.Web.Features.Realtime;

namespace Chat.Tests.Realtime;

/// <summary>
/// What a connection remembers of the messages it was sent live, so that a sync does not send them again. (The
/// connection's use of it, a sync racing live messages, is covered by the delivery tests.)
/// </summary>
public sealed class SentSeqsTests
{
    [Fact]
    public void Seqs_in_any_order_are_remembered_exactly_per_conversation()
    {
        var sent = new SentSeqs(maxRanges: 100);
        long[] seqs = [5, 6, 7, 10, 9, 3, 12, 8];
        foreach (var seq in seqs) sent.Add(1, seq);
        sent.Add(2, 4);

        for (long seq = 0; seq <= 14; seq++)
        {
            Assert.Equal(seqs.Contains(seq), sent.Contains(1, seq));
            Assert.Equal(seq == 4, sent.Contains(2, seq));
        }
        Assert.False(sent.Contains(3, 5));
    }

    [Fact]
    public void Consecutive_seqs_take_one_range_so_a_busy_conversation_stays_small()
    {
        // Room for two ranges only: 10,000 messages in order fit in one, and the gaps after them take the second.
        var sent = new SentSeqs(maxRanges: 2);
        for (long seq = 1; seq <= 10_000; seq++) sent.Add(1, seq);
        Assert.True(sent.Contains(1, 1) && sent.Contains(1, 5_000) && sent.Contains(1, 10_000));
        sent.Add(1, 10_002); // a gap: the second range
        Assert.True(sent.Contains(1, 10_002));
        sent.Add(1, 10_004); // a third range: refused, not kept
        Assert.False(sent.Contains(1, 10_004));
        sent.Add(2, 1); // nor in another conversation: the limit is the connection's
        Assert.False(sent.Contains(2, 1));
        sent.Add(1, 10_001); // fills the gap: the two ranges become one
        sent.Add(1, 10_004); // so there is room again
        Assert.True(sent.Contains(1, 1) && sent.Contains(1, 10_000) && sent.Contains(1, 10_001) && sent.Contains(1, 10_002) && sent.Contains(1, 10_004));
        Assert.False(sent.Contains(1, 10_003));
    }

    [Fact]
    public void Clear_forgets_everything()
    {
        var sent = new SentSeqs(maxRanges: 2);
        sent.Add(1, 1);
        sent.Add(2, 5);
        Assert.True(sent.Contains(1, 1) && sent.Contains(2, 5)); // both ranges kept: the limit is reached
        sent.Clear();
        Assert.False(sent.Contains(1, 1));
        Assert.False(sent.Contains(2, 5));
        sent.Add(3, 9); // the count of ranges was cleared too: two new ones fit again
        sent.Add(4, 9);
        Assert.True(sent.Contains(3, 9) && sent.Contains(4, 9));
    }
}
