using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Media;

/// <summary>An attachment's blob, opened for a reader who may see it.</summary>
/// <param name="LocalPath">The blob's file, when it is on this machine's disk; else <paramref name="Content"/> streams it.</param>
public sealed record OpenedMedia(Attachment Attachment, string ContentType, string? LocalPath, Stream? Content);

/// <summary>
/// Who may read an attachment, checked on every request: before it is sent, its uploader; once sent, the members of
/// its conversation who see its message (the seqs of their membership, as for the history). Anyone else is told
/// there is no such file.
/// </summary>
public sealed class MediaFiles(ChatDbContext db, IBlobStore blobs)
{
    public async Task<OpenedMedia?> OpenAsync(long userId, string id, bool preview, CancellationToken ct)
    {
        if (id.Length is 0 or > 32) return null;
        // One round trip: the row and the decision.
        var found = await db.Attachments.AsNoTracking().Where(a => a.Id == id).Select(a => new
        {
            Attachment = a,
            Allowed = a.MessageId == null
                ? a.UploaderId == userId
                : db.Messages.Any(m => m.Id == a.MessageId && db.Members.Any(cm => cm.ConversationId == m.ConversationId && cm.UserId == userId
                    && cm.JoinedAfterSeq < m.Seq && (cm.LeftAtSeq == null || m.Seq <= cm.LeftAtSeq))),
        }).FirstOrDefaultAsync(ct);
        if (found is not { Allowed: true } || (preview && found.Attachment.PreviewWidth is null)) return null;
        var a = found.Attachment;
        var (key, type) = preview ? (MediaKeys.Preview(a.Id), MediaKeys.PreviewType) : (a.Id, a.ContentType);
        if (blobs.LocalPath(key) is { } path) return new OpenedMedia(a, type, path, null);
        return await blobs.OpenAsync(key, ct) is { } blob ? new OpenedMedia(a, type, null, blob.Content) : null;
    }
}
