using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace Chat.Web.Features.Media;

/// <summary>
/// Blobs in an S3 bucket (AWS or any S3-compatible server). The bucket stays private: the app reads each blob and
/// passes it on to a member (see MediaApi for why downloads are proxied rather than presigned).
/// </summary>
public sealed class S3BlobStore(IAmazonS3 s3, string bucket) : IBlobStore
{
    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken ct) =>
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = content,
            ContentType = contentType,
            AutoCloseStream = false,
            // Checksums need a seekable stream or chunked signing, which not every S3-compatible server speaks.
            ChecksumAlgorithm = null,
            UseChunkEncoding = false,
        }, ct);

    public async Task<(Stream Content, long Length)?> OpenAsync(string key, CancellationToken ct)
    {
        try
        {
            var response = await s3.GetObjectAsync(bucket, key, ct);
            return (response.ResponseStream, response.ContentLength);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task DeleteAsync(string key, CancellationToken ct) => await s3.DeleteObjectAsync(bucket, key, ct);

    /// <summary>Creates the bucket when it is missing (a fresh S3-compatible server); on AWS create it beforehand.</summary>
    public async Task EnsureBucketAsync(CancellationToken ct)
    {
        try
        {
            await s3.PutBucketAsync(bucket, ct);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }
}
