using Microsoft.Extensions.Configuration;

namespace Chat.Web.Features.Media;

/// <summary>Media settings, by their environment variable names (README, "Media").</summary>
public sealed class MediaSettings
{
    /// <summary>Where uploads are kept when no S3 bucket is set; relative to the app's content root.</summary>
    [ConfigurationKeyName("MEDIA_DIR")] public string Directory { get; set; } = "App_Data/media";
    /// <summary>Where an upload waits while it is checked; the system's temporary folder by default.</summary>
    [ConfigurationKeyName("MEDIA_TEMP_DIR")] public string? TempDirectory { get; set; }
    /// <summary>The largest upload, checked while the body streams in.</summary>
    [ConfigurationKeyName("MEDIA_MAX_BYTES")] public long MaxBytes { get; set; } = 16 * 1024 * 1024;
    /// <summary>What one user's uploads may take in all.</summary>
    [ConfigurationKeyName("MEDIA_QUOTA_BYTES")] public long QuotaBytes { get; set; } = 1024L * 1024 * 1024;
    /// <summary>An image's largest side and pixel count, checked from its header before anything is decoded.</summary>
    [ConfigurationKeyName("MEDIA_MAX_DIMENSION")] public int MaxDimension { get; set; } = 12_000;
    [ConfigurationKeyName("MEDIA_MAX_PIXELS")] public long MaxPixels { get; set; } = 50_000_000;
    /// <summary>A photo is stored at most this many pixels on its longer side (as chat apps send photos), a file as it came.</summary>
    [ConfigurationKeyName("MEDIA_IMAGE_MAX_SIDE")] public int ImageMaxSide { get; set; } = 2048;
    /// <summary>How long an upload may wait to be sent before it is removed.</summary>
    [ConfigurationKeyName("MEDIA_ORPHAN_HOURS")] public double OrphanHours { get; set; } = 24;

    /// <summary>Set: uploads go to this S3 bucket instead of the disk.</summary>
    [ConfigurationKeyName("MEDIA_S3_BUCKET")] public string? S3Bucket { get; set; }
    /// <summary>An S3-compatible server's URL (MinIO, R2, a test server); unset for AWS itself.</summary>
    [ConfigurationKeyName("MEDIA_S3_ENDPOINT")] public string? S3Endpoint { get; set; }
    [ConfigurationKeyName("MEDIA_S3_REGION")] public string S3Region { get; set; } = "us-east-1";
    [ConfigurationKeyName("MEDIA_S3_ACCESS_KEY")] public string? S3AccessKey { get; set; }
    [ConfigurationKeyName("MEDIA_S3_SECRET_KEY")] public string? S3SecretKey { get; set; }
    /// <summary>Path-style addressing (endpoint/bucket/key), which most S3-compatible servers need.</summary>
    [ConfigurationKeyName("MEDIA_S3_PATH_STYLE")] public bool S3PathStyle { get; set; } = true;

    public static MediaSettings From(IConfiguration config) => config.Get<MediaSettings>() ?? new();
}
