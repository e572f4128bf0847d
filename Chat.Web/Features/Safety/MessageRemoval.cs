using Chat.Web.Data;
using Chat.Web.Features.Actions;
using Chat.Web.Features.Admin;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Safety;

/// <summary>
/// A site admin deletes a reported message for everyone: the tombstone of a delete for everyone (MessageActions), so its
/// members see it go live and in their sync, and its files go with it; audited. The one place moderation deletes a message.
/// </summary>
public sealed class MessageRemoval(MessageActions actions, ChatDbContext db, WriteGate writes, AuditLog audit)
{
    /// <summary>False when there is no such text message; deleting one already deleted changes nothing.</summary>
    public async Task<bool> DeleteForEveryoneAsync(long adminId, long messageId, CancellationToken ct)
    {
        if (!await actions.DeleteAsSiteAdminAsync(adminId, messageId, ct)) return false;
        var message = await db.Messages.AsNoTracking().Where(m => m.Id == messageId).Select(m => new { m.ConversationId, m.SenderId }).FirstAsync(ct);
        using var _ = await writes.EnterAsync(ct);
        audit.Add("message.deleted", adminId, messageId, $"conversation={message.ConversationId}; sender={message.SenderId}; by=admin");
        await db.SaveChangesAsync(ct);
        return true;
    }
}
