using Amazon.S3;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Chat.Web.Features.Media;

public static class MediaSetup
{
    /// <summary>The media endpoints take either a bearer token (API) or the session cookie (an img src on the chat page).</summary>
    public const string Policy = "media";

    /// <summary>Uploads on local disk under MEDIA_DIR, or in the S3 bucket MEDIA_S3_BUCKET when set.</summary>
    public static WebApplicationBuilder AddMedia(this WebApplicationBuilder builder)
    {
        var settings = MediaSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        if (settings.S3Bucket is { Length: > 0 } bucket)
        {
            var config = new AmazonS3Config { ForcePathStyle = settings.S3PathStyle, AuthenticationRegion = settings.S3Region };
            if (settings.S3Endpoint is { Length: > 0 } endpoint) config.ServiceURL = endpoint;
            else config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(settings.S3Region);
            var client = settings.S3AccessKey is { Length: > 0 }
                ? new AmazonS3Client(settings.S3AccessKey, settings.S3SecretKey, config)
                : new AmazonS3Client(config);
            builder.Services.AddSingleton<IAmazonS3>(client);
            builder.Services.AddSingleton(sp => new S3BlobStore(sp.GetRequiredService<IAmazonS3>(), bucket));
            builder.Services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<S3BlobStore>());
        }
        else
        {
            var root = Path.GetFullPath(Path.Combine(builder.Environment.ContentRootPath, settings.Directory));
            builder.Services.AddSingleton<IBlobStore>(new DiskBlobStore(root));
        }
        builder.Services.AddSingleton<ImageProcessor>();
        builder.Services.AddScoped<MediaUploads>();
        builder.Services.AddScoped<MediaFiles>();
        builder.Services.AddScoped<MediaRemoval>();
        builder.Services.AddSingleton<OrphanSweep>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OrphanSweep>());
        // A bearer token when the request has one, else the cookie; either way a missing one is a plain 401, not a
        // redirect to the login page (an img src or an API client has no use for one).
        builder.Services.AddAuthentication().AddPolicyScheme(Policy, "Bearer token or session cookie", o =>
        {
            o.ForwardDefaultSelector = http => http.Request.Headers.Authorization.Count > 0
                ? JwtBearerDefaults.AuthenticationScheme
                : CookieAuthenticationDefaults.AuthenticationScheme;
            o.ForwardChallenge = JwtBearerDefaults.AuthenticationScheme;
            o.ForwardForbid = JwtBearerDefaults.AuthenticationScheme;
        });
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.AddAuthenticationSchemes(Policy).RequireAuthenticatedUser());
        return builder;
    }

    /// <summary>A fresh S3-compatible server has no bucket yet: made at start-up, as migrations make the tables.</summary>
    public static async Task EnsureMediaStoreAsync(this WebApplication app)
    {
        if (app.Services.GetService<S3BlobStore>() is { } s3) await s3.EnsureBucketAsync(CancellationToken.None);
    }
}
