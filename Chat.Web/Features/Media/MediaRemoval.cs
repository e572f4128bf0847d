using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Media;

/// <summary>
/// Removing attachments: their rows, then their blobs (a blob whose removal fails is logged; no row points at it any more).
/// A message deleted for everyone, a deleted user, and the orphan sweep all remove through here.
/// </summary>
public sealed class MediaRemoval(ChatDbContext db, IBlobStore blobs, ILogger<MediaRemoval> log)
{
    /// <summary>Removes the message's attachments and their blobs; for "delete for everyone". Returns how many.</summary>
    public async Task<int> RemoveMessageBlobsAsync(long messageId, CancellationToken ct)
    {
        var attachments = await db.Attachments.AsNoTracking().Where(a => a.MessageId == messageId).ToListAsync(ct);
        await db.Attachments.Where(a => a.MessageId == messageId).ExecuteDeleteAsync(ct);
        await DeleteBlobsAsync(attachments);
        return attachments.Count;
    }

    /// <summary>
    /// Within the caller's transaction that deletes a user: removes the rows of everything they uploaded, and of every
    /// attachment in the conversations that go with them. The caller removes the blobs (<see cref="DeleteBlobsAsync"/>) after its commit.
    /// </summary>
    public async Task<List<Attachment>> RemoveRowsOfUserAsync(long userId, IReadOnlyCollection<long> conversationIds, CancellationToken ct)
    {
        var theirs = db.Attachments.Where(a => a.UploaderId == userId || (a.ConversationId != null && conversationIds.Contains(a.ConversationId.Value)));
        var attachments = await theirs.AsNoTracking().ToListAsync(ct);
        await theirs.ExecuteDeleteAsync(ct);
        return attachments;
    }

    /// <summary>Unsent uploads older than <paramref name="cutoff"/>, each removed only if still unsent at that moment (a send may take it meanwhile).</summary>
    public async Task<int> RemoveOrphansAsync(DateTime cutoff, CancellationToken ct)
    {
        var candidates = await db.Attachments.AsNoTracking().Where(a => a.MessageId == null && a.CreatedAt < cutoff).Take(500).ToListAsync(ct);
        if (candidates.Count == 0) return 0;
        var ids = candidates.ConvertAll(a => a.Id);
        await db.Attachments.Where(a => ids.Contains(a.Id) && a.MessageId == null).ExecuteDeleteAsync(ct);
        // What a send took between the two statements is still there, and keeps its blobs.
        var kept = (await db.Attachments.AsNoTracking().Where(a => ids.Contains(a.Id)).Select(a => a.Id).ToListAsync(ct)).ToHashSet();
        var removed = candidates.FindAll(a => !kept.Contains(a.Id));
        await DeleteBlobsAsync(removed);
        return removed.Count;
    }

    public async Task DeleteBlobsAsync(IEnumerable<Attachment> attachments)
    {
        foreach (var a in attachments) await MediaKeys.DeleteBlobsAsync(blobs, a, log);
    }
}
