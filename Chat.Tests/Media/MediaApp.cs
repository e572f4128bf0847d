using Amazon.S3;
using Chat.Tests.Infrastructure;
using Chat.Tests.Realtime;
using Chat.Web.Features.Media;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Media;

/// <summary>
/// An app for the media suites on one database provider, keeping its uploads on local disk or in a real S3-compatible
/// server on loopback. Small limits so that the limit tests need no large bodies: 1 MB an upload, 2.5 MB a user.
/// </summary>
public abstract class MediaApp(TestServers servers, Storage storage, bool s3) : IAsyncLifetime
{
    public const long MaxBytes = 1_000_000;
    public const long QuotaBytes = 2_500_000;
    public const string Bucket = "chat-media-test";
    S3Server? s3Server;

    public ChatHost Host { get; private set; } = null!;
    public bool UsesS3 => s3;
    /// <summary>Where uploads wait while they are checked: empty whenever no upload is in flight.</summary>
    public string TempDirectory { get; } = Path.Combine(Path.GetTempPath(), $"chat-media-tmp-{Guid.NewGuid():N}");
    public string MediaDirectory { get; } = Path.Combine(Path.GetTempPath(), $"chat-media-{Guid.NewGuid():N}");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(TempDirectory);
        if (s3) s3Server = await S3Server.StartAsync();
        Host = await ChatHost.StartAsync(servers, storage, settings =>
        {
            RealtimeApp.Bulk(settings);
            settings["RATE_LIMIT_API_PER_MINUTE"] = "100000";
            // No first-user admin: the test that deletes a user would otherwise depend on which test registered first.
            settings["AUTO_ADMIN_FIRST_USER"] = "false";
            settings["MEDIA_MAX_BYTES"] = MaxBytes.ToString();
            settings["MEDIA_QUOTA_BYTES"] = QuotaBytes.ToString();
            settings["MEDIA_TEMP_DIR"] = TempDirectory;
            settings["MEDIA_DIR"] = MediaDirectory;
            if (s3Server is not null)
            {
                settings["MEDIA_S3_BUCKET"] = Bucket;
                settings["MEDIA_S3_ENDPOINT"] = s3Server.Endpoint;
                settings["MEDIA_S3_ACCESS_KEY"] = S3Server.AccessKey;
                settings["MEDIA_S3_SECRET_KEY"] = S3Server.SecretKey;
            }
        });
    }

    /// <summary>Every blob the store holds, read from the store itself: the media folder, or the bucket's listing.</summary>
    public async Task<List<string>> BlobKeysAsync()
    {
        if (!s3) return Directory.Exists(MediaDirectory)
            ? Directory.EnumerateFiles(MediaDirectory, "*", SearchOption.AllDirectories).Select(f => Path.GetFileName(f)).ToList()
            : [];
        var listing = await Host.Services.GetRequiredService<IAmazonS3>().ListObjectsV2Async(new() { BucketName = Bucket });
        return (listing.S3Objects ?? []).Select(o => o.Key).ToList();
    }

    public IBlobStore Blobs => Host.Services.GetRequiredService<IBlobStore>();

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        if (s3Server is not null) await s3Server.DisposeAsync();
        foreach (var dir in new[] { TempDirectory, MediaDirectory })
            try { Directory.Delete(dir, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}

public sealed class MediaPostgresDiskApp(TestServers servers) : MediaApp(servers, Storage.Postgres, s3: false);
public sealed class MediaSqliteDiskApp(TestServers servers) : MediaApp(servers, Storage.Sqlite, s3: false);
public sealed class MediaPostgresS3App(TestServers servers) : MediaApp(servers, Storage.Postgres, s3: true);
public sealed class MediaSqliteS3App(TestServers servers) : MediaApp(servers, Storage.Sqlite, s3: true);
