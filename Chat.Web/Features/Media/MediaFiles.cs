using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Media;

/// <summary>An attachment's blob, opened for a reader who may see it.</summary>
/// <param name="LocalPath">The blob's file, when it is on this machine's disk; else <paramref name="Content"/> streams it.</param>
public sealed record OpenedMedia(Attachment Attachment, string ContentType, string? LocalPath, Stream? Content);

/// <summary>What became of a request for a file.</summary>
public enum MediaAccess { Opened, NoSuchFile, SessionEnded }

/// <summary>
/// Who may read an attachment, checked on every request: before it is sent, its uploader; once sent, the members of
/// its conversation who see its message (the seqs of their membership, as for the history). Anyone else is told
/// there is no such file. The same query checks that the reader's session is current (<see cref="Auth.SessionCheckedByEndpoint"/>).
/// </summary>
public sealed class MediaFiles(ChatDbContext db, IBlobStore blobs)
{
    /// <summary>One round trip: the session, the row and the decision; compiled, as it runs for every file shown.</summary>
    static readonly CompiledQuery<Func<ChatDbContext, long, int, string, CancellationToken, Task<Found?>>> Access = new(() => EF.CompileAsyncQuery(
        (ChatDbContext db, long userId, int tokenVersion, string id, CancellationToken _) => (
            from session in db.Users.AsNoTracking().Where(u => u.Id == userId && u.TokenVersion == tokenVersion)
            from file in db.Attachments.AsNoTracking().Where(a => a.Id == id && (a.MessageId == null
                ? a.UploaderId == userId
                : db.Messages.Any(m => m.Id == a.MessageId && db.Members.Any(cm => cm.ConversationId == m.ConversationId && cm.UserId == userId
                    && cm.JoinedAfterSeq < m.Seq && (cm.LeftAtSeq == null || m.Seq <= cm.LeftAtSeq))))).DefaultIfEmpty()
            select new Found(file)).FirstOrDefault()));

    /// <summary>The reader's session is current; the file, if they may read it.</summary>
    sealed record Found(Attachment? File);

    public async Task<(MediaAccess Access, OpenedMedia? Media)> OpenAsync(long userId, int tokenVersion, string id, bool preview, CancellationToken ct)
    {
        if (id.Length is 0 or > 32) return (MediaAccess.NoSuchFile, null);
        var found = await Access.For(db)(db, userId, tokenVersion, id, ct);
        if (found is null) return (MediaAccess.SessionEnded, null);
        if (found.File is not { } a || (preview && a.PreviewWidth is null)) return (MediaAccess.NoSuchFile, null);
        var (key, type) = preview ? (MediaKeys.Preview(a.Id), MediaKeys.PreviewType) : (a.Id, a.ContentType);
        if (blobs.LocalPath(key) is { } path) return (MediaAccess.Opened, new OpenedMedia(a, type, path, null));
        return await blobs.OpenAsync(key, ct) is { } blob ? (MediaAccess.Opened, new OpenedMedia(a, type, null, blob.Content)) : (MediaAccess.NoSuchFile, null);
    }
}
