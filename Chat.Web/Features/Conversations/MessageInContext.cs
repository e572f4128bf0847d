using Chat.Web.Data;
using Chat.Web.Features.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Conversations;

/// <summary>A page of a conversation around one message: the bubbles (oldest first), where older ones continue, and the message's seq.</summary>
public sealed record Context(IReadOnlyList<Bubble> Bubbles, string? OlderCursor, long FocusSeq);

/// <summary>
/// Opens a conversation at one of its messages (<see cref="ChatLink.At"/>): the page that ends a few messages after
/// it, so it shows with what led to it and what answered it. Older pages load above as usual, and the newer ones come
/// below through the page's usual catch-up (its socket syncs after the last seq shown): one way in, no second path.
/// </summary>
public sealed class MessageInContext(ChatDbContext db, ConversationMembers members, ConversationList list)
{
    /// <summary>How many messages after the one opened at the page shows below it.</summary>
    public const int NewerShown = 10;

    /// <summary>Null when the message is not in this conversation or not in the reader's membership period.</summary>
    public async Task<Context?> AroundAsync(long me, long conversationId, long messageId, CancellationToken ct)
    {
        if (await members.GetAsync(conversationId, ct) is not { } memberList || memberList.Find(me) is not { } period) return null;
        var seq = await db.Messages.AsNoTracking().Where(m => m.Id == messageId && m.ConversationId == conversationId)
            .Select(m => (long?)m.Seq).FirstOrDefaultAsync(ct);
        if (seq is not { } focus || !period.Sees(focus)) return null;
        var end = focus + NewerShown;
        var (bubbles, older) = await list.OlderAsync(me, conversationId, end + 1, ct);
        return new Context(bubbles, older, focus);
    }
}
