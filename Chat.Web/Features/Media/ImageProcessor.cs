using SkiaSharp;

namespace Chat.Web.Features.Media;

/// <summary>An image decoded and re-encoded (no metadata survives: EXIF, GPS, comments), with its preview.</summary>
public sealed record ProcessedImage(byte[] Image, int Width, int Height, byte[] Preview, int PreviewWidth, int PreviewHeight);

/// <summary>
/// Decodes an uploaded image with limits and re-encodes it, with SkiaSharp (Skia: the decoders Chromium ships, fuzzed
/// continuously; docs/security.md says why this library). The size is read from the header and checked before a pixel
/// is decoded, so a decompression bomb never gets its memory; an image that does not decode completely is refused.
/// </summary>
public sealed class ImageProcessor(MediaSettings settings)
{
    public const int PreviewSide = 320;
    /// <summary>A GIF's frames all cost memory in a browser: their total pixels are held to a few times the still-image limit.</summary>
    const int MaxFramePixelsFactor = 4;

    /// <summary>The processed image, or why it is refused (a sentence for the uploader).</summary>
    public (ProcessedImage? Image, string? Refusal) Process(string path, SniffedType type)
    {
        using var data = SKData.Create(path);
        using var codec = data is null ? null : SKCodec.Create(data);
        if (codec is null) return (null, "The image could not be read.");
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || info.Width > settings.MaxDimension || info.Height > settings.MaxDimension)
            return (null, $"The image must be at most {settings.MaxDimension} pixels on each side.");
        var pixels = (long)info.Width * info.Height;
        if (pixels > settings.MaxPixels || pixels * Math.Max(1, codec.FrameCount) > settings.MaxPixels * MaxFramePixelsFactor)
            return (null, $"The image must have at most {settings.MaxPixels / 1_000_000} million pixels.");

        // A GIF keeps its bytes (its animation; GIF has no EXIF), once every frame's size was checked above.
        var gif = type.ContentType == "image/gif";
        var size = gif ? info.Size : codec.GetScaledDimensions(StoredScale(Math.Max(info.Width, info.Height)));
        using var decoded = new SKBitmap(new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        if (codec.GetPixels(decoded.Info, decoded.GetPixels()) != SKCodecResult.Success)
            return (null, "The image is damaged or incomplete.");
        using var fitted = gif ? null : Fit(decoded);
        using var turned = Upright(fitted ?? decoded, codec.EncodedOrigin);
        var upright = turned ?? fitted ?? decoded;

        var image = gif ? File.ReadAllBytes(path) : Encode(upright, type.ContentType);
        var scale = Math.Min(1.0, (double)PreviewSide / Math.Max(upright.Width, upright.Height));
        var (pw, ph) = (Math.Max(1, (int)Math.Round(upright.Width * scale)), Math.Max(1, (int)Math.Round(upright.Height * scale)));
        using var small = upright.Resize(new SKImageInfo(pw, ph, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        var preview = small.Encode(SKEncodedImageFormat.Webp, 75).ToArray();
        return (new ProcessedImage(image, upright.Width, upright.Height, preview, pw, ph), null);
    }

    /// <summary>
    /// The largest eighth that fits <see cref="MediaSettings.ImageMaxSide"/>: a JPEG decodes straight to it (libjpeg-turbo
    /// scales in the DCT, which costs less than decoding in full), and so does a WebP; a codec that cannot scale decodes
    /// in full and <see cref="Fit"/> shrinks the pixels.
    /// </summary>
    float StoredScale(int side)
    {
        var eighths = 8;
        while (eighths > 1 && side * eighths > settings.ImageMaxSide * 8L) eighths--;
        return eighths / 8f;
    }

    /// <summary>Null when the decoded pixels fit already (no copy).</summary>
    SKBitmap? Fit(SKBitmap decoded)
    {
        var side = Math.Max(decoded.Width, decoded.Height);
        if (side <= settings.ImageMaxSide) return null;
        var scale = (double)settings.ImageMaxSide / side;
        var info = new SKImageInfo(Math.Max(1, (int)(decoded.Width * scale)), Math.Max(1, (int)(decoded.Height * scale)), SKColorType.Rgba8888, SKAlphaType.Premul);
        return decoded.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
    }

    static byte[] Encode(SKBitmap bitmap, string contentType) => contentType switch
    {
        "image/jpeg" => bitmap.Encode(SKEncodedImageFormat.Jpeg, 85).ToArray(),
        "image/webp" => bitmap.Encode(SKEncodedImageFormat.Webp, 85).ToArray(),
        _ => bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray(),
    };

    /// <summary>The picture as the camera held it: re-encoding drops the EXIF orientation tag, so it is applied to the pixels.</summary>
    /// <returns>Null when the pixels are upright already (no copy).</returns>
    static SKBitmap? Upright(SKBitmap source, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft) return null;
        var (w, h) = (source.Width, source.Height);
        var swaps = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var result = new SKBitmap(new SKImageInfo(swaps ? h : w, swaps ? w : h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(result);
        var matrix = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
            _ => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1), // LeftBottom
        };
        canvas.SetMatrix(matrix);
        using var image = SKImage.FromBitmap(source);
        canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest));
        return result;
    }
}
