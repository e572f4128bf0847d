using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

/// <summary>One recipient of a message: whether it reached them, and when they read it.</summary>
public sealed record RecipientState(string UserId, string DisplayName, bool Delivered, DateTime? DeliveredAt, DateTime? ReadAt);

public sealed record MessageInfoView(string MessageId, string ConversationId, long Seq, IReadOnlyList<RecipientState> Recipients);

/// <summary>
/// "Message info", for its sender only: each recipient's delivered and read state. In a group, from the members'
/// watermarks, and the read time from their read marks (the first at or past the message's seq); a group keeps no
/// delivered time per member.
/// </summary>
public sealed class MessageInfo(ChatDbContext db)
{
    public async Task<MessageInfoView?> ForSenderAsync(long me, long messageId, CancellationToken ct)
    {
        var m = await db.Messages.AsNoTracking().FirstOrDefaultAsync(x => x.Id == messageId && x.SenderId == me && x.Kind == MessageKind.Text, ct);
        if (m is null) return null;
        List<RecipientState> recipients;
        if (m.ReceiverId is { } receiver)
        {
            recipients = await db.Users.AsNoTracking().Where(u => u.Id == receiver)
                .Select(u => new RecipientState(u.Id.ToString(), u.DisplayName, m.DeliveredAt != null, m.DeliveredAt, m.ReadAt)).ToListAsync(ct);
        }
        else
        {
            var readAt = await db.ReadMarks.AsNoTracking().Where(r => r.ConversationId == m.ConversationId && r.UpToSeq >= m.Seq)
                .GroupBy(r => r.UserId).Select(g => new { g.Key, At = g.Min(r => r.At) }).ToDictionaryAsync(x => x.Key, x => x.At, ct);
            var rows = await (from member in db.Members.AsNoTracking()
                              join u in db.Users on member.UserId equals u.Id
                              where member.ConversationId == m.ConversationId && member.LeftAt == null && member.UserId != me && member.JoinedAfterSeq < m.Seq
                              orderby u.DisplayName, u.Id
                              select new { u.Id, u.DisplayName, Delivered = member.DeliveredUpToSeq >= m.Seq, Read = member.ReadUpToSeq >= m.Seq }).ToListAsync(ct);
            recipients = rows.ConvertAll(r => new RecipientState(r.Id.ToString(), r.DisplayName, r.Delivered || r.Read, null,
                r.Read && readAt.TryGetValue(r.Id, out var at) ? at : null));
        }
        return new MessageInfoView(m.Id.ToString(), m.ConversationId.ToString(), m.Seq, recipients);
    }
}
