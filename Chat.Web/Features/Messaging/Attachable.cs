using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// Which uploads a send may carry: the sender's own, not yet sent. The store links them to the message in the
/// insert's transaction, and only while still unsent, so two sends racing for one upload cannot both carry it.
/// </summary>
public sealed class Attachable(ChatDbContext db)
{
    public async Task<(List<Attachment> Found, SendResult.Rejected? Refused)> FindAsync(long senderId, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var found = await db.Attachments.AsNoTracking().Where(a => ids.Contains(a.Id) && a.UploaderId == senderId).ToListAsync(ct);
        if (found.Count != ids.Count)
            return (found, new SendResult.Rejected("unknown_attachment", "An attachment is not one of your uploads (or it was removed)."));
        if (found.Any(a => a.MessageId is not null))
            return (found, new SendResult.Rejected("attachment_sent", "An attachment was sent in another message already; upload it again."));
        // In the order the sender gave.
        return (ids.Select(id => found.First(a => a.Id == id)).ToList(), null);
    }
}
