using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// One session's catch-up, exactly once by seq: a live message already sent by a catch-up is a duplicate, and one sent
/// live (or acked) is remembered so that a following catch-up skips it. Together each message reaches a session once,
/// as an ack or as a "message". Used by the session's sender only, one item at a time.
/// </summary>
sealed class CatchUp
{
    const int PageSize = 200;
    const int MaxTrackedLiveRanges = 4096;

    Dictionary<long, long>? caughtUpTo;
    SentSeqs? sentLive;

    /// <summary>Whether the message is new to the session; if so, it counts as sent.</summary>
    public bool IsNew(MessageView m)
    {
        var conversation = long.Parse(m.ConversationId);
        if (caughtUpTo is not null && m.Seq <= caughtUpTo.GetValueOrDefault(conversation)) return false;
        (sentLive ??= new SentSeqs(MaxTrackedLiveRanges)).Add(conversation, m.Seq);
        return true;
    }

    /// <summary>
    /// Writes every message after <paramref name="since"/>'s seq (0 for a conversation not listed) of each of the user's
    /// conversations (or of the listed ones only), conversation by conversation in seq order. Returns how far each went
    /// and how many messages were written.
    /// </summary>
    public async Task<(Dictionary<long, long> Positions, int Sent)> RunAsync(MessageHistory history, long userId, Dictionary<long, long> since,
        bool listedOnly, Func<MessageView, Task> write, CancellationToken ct)
    {
        var sent = 0;
        var positions = new Dictionary<long, long>();
        // Only the user's, whatever was asked, and only the seqs of their membership.
        foreach (var (id, joinedAfter, leftAt) in await history.ConversationsOfAsync(userId, ct))
        {
            if (listedOnly && !since.ContainsKey(id)) continue;
            var upTo = Math.Max(joinedAfter, since.GetValueOrDefault(id));
            while (true)
            {
                var page = await history.AfterAsync(id, upTo, PageSize, ct, leftAt, joinedAfter);
                foreach (var m in page.Items)
                {
                    if (sentLive?.Contains(id, m.Seq) != true)
                    {
                        await write(m);
                        sent++;
                    }
                    upTo = m.Seq;
                }
                if (page.NextCursor is null) break;
            }
            caughtUpTo ??= [];
            caughtUpTo[id] = Math.Max(caughtUpTo.GetValueOrDefault(id), upTo);
            positions[id] = upTo;
        }
        sentLive?.Clear();
        return (positions, sent);
    }
}
