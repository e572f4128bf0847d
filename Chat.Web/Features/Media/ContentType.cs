using Chat.Web.Data;

namespace Chat.Web.Features.Media;

/// <summary>What an upload is, decided from its first bytes alone: its kind, the content type it is served with.</summary>
public sealed record SniffedType(AttachmentKind Kind, string ContentType)
{
    public bool IsImage => Kind == AttachmentKind.Image;
}

/// <summary>Magic numbers. A name or a client's content type is never believed; anything unknown is an opaque download.</summary>
public static class ContentSniffer
{
    public const int HeaderBytes = 16;
    static readonly SniffedType OctetStream = new(AttachmentKind.File, "application/octet-stream");

    public static SniffedType Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return new(AttachmentKind.Image, "image/jpeg");
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return new(AttachmentKind.Image, "image/png");
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8)) return new(AttachmentKind.Image, "image/gif");
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return new(AttachmentKind.Image, "image/webp");
        // Voice notes as browsers record them (MediaRecorder): Opus in WebM (Chromium) or Ogg (Firefox).
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return new(AttachmentKind.Voice, "audio/webm");
        if (head.StartsWith("OggS"u8)) return new(AttachmentKind.Voice, "audio/ogg");
        if (head.StartsWith("%PDF-"u8)) return new(AttachmentKind.File, "application/pdf");
        if (head.StartsWith("PK\u0003\u0004"u8)) return new(AttachmentKind.File, "application/zip");
        return OctetStream;
    }

    /// <summary>
    /// Whether the uploader presents the file as an image (by its name or declared type): one whose content is not an
    /// image is refused rather than stored as a download, since it is most likely a disguised page or script.
    /// </summary>
    public static bool ClaimsImage(string name, string? declaredType) =>
        (declaredType?.StartsWith("image/", StringComparison.OrdinalIgnoreCase) ?? false) ||
        Path.GetExtension(name).ToLowerInvariant() is ".jpg" or ".jpeg" or ".png" or ".gif" or ".webp" or ".svg" or ".bmp" or ".heic";
}
