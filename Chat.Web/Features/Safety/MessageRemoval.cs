using Chat.Web.Data;
using Chat.Web.Features.Admin;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Safety;

/// <summary>
/// A site admin deletes a reported message for everyone: the text is gone (an empty ciphertext, which also takes it
/// out of the search index), a tombstone stays in its seq. The one place moderation deletes a message; the change
/// event that tells every member (items 4 and 6 of issue 27) hooks in here, after the commit.
/// </summary>
public sealed class MessageRemoval(ChatDbContext db, WriteGate writes, AuditLog audit, TimeProvider clock)
{
    /// <summary>False when there is no such text message; deleting one already deleted changes nothing.</summary>
    public async Task<bool> DeleteForEveryoneAsync(long adminId, long messageId, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        var message = await db.Messages.FirstOrDefaultAsync(m => m.Id == messageId && m.Kind == MessageKind.Text, ct);
        if (message is null) return false;
        if (message.DeletedAt is not null) return true;
        message.DeletedAt = clock.GetUtcNow().UtcDateTime;
        message.Ciphertext = [];
        audit.Add("message.deleted", adminId, messageId, $"conversation={message.ConversationId}; sender={message.SenderId}; by=admin");
        await db.SaveChangesAsync(ct);
        return true;
    }
}
