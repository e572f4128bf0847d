using System.Security.Cryptography;
using Chat.Web.Data;
using Chat.Web.Features.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Media;

/// <summary>What became of an upload: the stored attachment, or a refusal with its HTTP status and a sentence.</summary>
public abstract record UploadResult
{
    public sealed record Stored(AttachmentView Attachment) : UploadResult;
    public sealed record Refused(int Status, string Error) : UploadResult;
}

/// <summary>
/// Takes an upload: streams it to a temporary file, counting (never more than MEDIA_MAX_BYTES is read), decides its
/// type from its bytes, decodes and re-encodes an image with its preview, checks the uploader's quota, and stores the
/// blobs and the row. Anything refused leaves nothing behind. The API and the chat page's form both upload through here.
/// </summary>
public sealed class MediaUploads(ChatDbContext db, IBlobStore blobs, ImageProcessor images, MediaSettings settings, TimeProvider clock,
    ILogger<MediaUploads> log)
{
    public const int MaxVoiceMilliseconds = 60 * 60 * 1000;

    /// <param name="declaredType">The client's content type: only used to notice a file dressed up as an image.</param>
    /// <param name="durationMs">A voice note's length as its recorder measured it (browsers' WebM carries none).</param>
    public async Task<UploadResult> UploadAsync(long userId, string? name, string? declaredType, Stream content, int? durationMs, CancellationToken ct)
    {
        if (FileNames.Refusal(name) is { } badName) return new UploadResult.Refused(400, badName);
        if (durationMs is < 0 or > MaxVoiceMilliseconds) return new UploadResult.Refused(400, "durationMs must be from 0 to one hour.");
        var temporary = Path.Combine(settings.TempDirectory ?? Path.GetTempPath(), "chat-upload-" + NewId());
        try
        {
            var size = await CopyLimitedAsync(content, temporary, ct);
            if (size is null) return TooLarge();
            if (size == 0) return new UploadResult.Refused(400, "The file is empty.");
            var used = await db.Attachments.Where(a => a.UploaderId == userId).SumAsync(a => (long?)a.Size, ct) ?? 0;
            if (used + size > settings.QuotaBytes)
                return new UploadResult.Refused(413, $"Your storage quota of {settings.QuotaBytes / (1024 * 1024)} MB is used up; delete some messages first.");

            var type = ContentSniffer.Sniff(await HeadAsync(temporary, ct));
            if (!type.IsImage && ContentSniffer.ClaimsImage(name!, declaredType))
                return new UploadResult.Refused(415, "The file is not an image (JPEG, PNG, WebP or GIF), whatever its name says.");
            var attachment = new Attachment
            {
                Id = NewId(),
                UploaderId = userId,
                Kind = type.Kind,
                Name = name!,
                ContentType = type.ContentType,
                Size = size.Value,
                DurationMs = type.Kind == AttachmentKind.Voice ? durationMs : null,
                CreatedAt = StoredTime.Now(clock),
            };
            ProcessedImage? image = null;
            if (type.IsImage)
            {
                (image, var refusal) = images.Process(temporary, type);
                if (image is null) return new UploadResult.Refused(422, refusal!);
                (attachment.Size, attachment.Width, attachment.Height) = (image.Image.Length, image.Width, image.Height);
                (attachment.PreviewWidth, attachment.PreviewHeight) = (image.PreviewWidth, image.PreviewHeight);
            }
            await StoreAsync(attachment, temporary, image, ct);
            return new UploadResult.Stored(AttachmentView.From(attachment));
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    UploadResult.Refused TooLarge() => new(413, $"The file must be at most {settings.MaxBytes / (1024 * 1024)} MB.");

    /// <summary>The blobs first, then the row: a row never points at a missing blob. A failure takes the blobs back.</summary>
    async Task StoreAsync(Attachment attachment, string temporary, ProcessedImage? image, CancellationToken ct)
    {
        try
        {
            if (image is null)
            {
                await using var file = File.OpenRead(temporary);
                await blobs.PutAsync(attachment.Id, file, attachment.ContentType, ct);
            }
            else
            {
                await blobs.PutAsync(attachment.Id, new MemoryStream(image.Image), attachment.ContentType, ct);
                await blobs.PutAsync(MediaKeys.Preview(attachment.Id), new MemoryStream(image.Preview), MediaKeys.PreviewType, ct);
            }
            db.Attachments.Add(attachment);
            await db.SaveChangesAsync(ct);
        }
        catch
        {
            await MediaKeys.DeleteBlobsAsync(blobs, attachment, log);
            throw;
        }
    }

    /// <summary>Copies at most MEDIA_MAX_BYTES; the byte count, or null (and nothing kept) when the content is longer.</summary>
    async Task<long?> CopyLimitedAsync(Stream content, string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > settings.MaxBytes) return null;
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
        }
        return total;
    }

    static async Task<byte[]> HeadAsync(string path, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        var head = new byte[ContentSniffer.HeaderBytes];
        var n = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        return head[..n];
    }

    static string NewId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
