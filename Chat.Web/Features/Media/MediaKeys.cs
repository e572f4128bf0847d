using Chat.Web.Data;

namespace Chat.Web.Features.Media;

/// <summary>Where an attachment's blobs are: its original under its id, an image's preview beside it.</summary>
public static class MediaKeys
{
    public const string PreviewType = "image/webp";

    public static string Preview(string id) => id + ".preview";

    public static IEnumerable<string> Of(Attachment a) => a.PreviewWidth is null ? [a.Id] : [a.Id, Preview(a.Id)];

    /// <summary>Removes the attachment's blobs; a failure is logged, and the blob is left for an operator (its row is gone).</summary>
    public static async Task DeleteBlobsAsync(IBlobStore blobs, Attachment a, ILogger log)
    {
        foreach (var key in Of(a))
        {
            try
            {
                await blobs.DeleteAsync(key, CancellationToken.None);
            }
            catch (Exception e)
            {
                log.LogError(e, "Removing the blob of attachment {AttachmentId} failed", a.Id);
            }
        }
    }
}
