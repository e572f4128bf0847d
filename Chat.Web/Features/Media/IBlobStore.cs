namespace Chat.Web.Features.Media;

/// <summary>Where an upload's bytes live, by key: the disk (<see cref="DiskBlobStore"/>) or an S3 bucket (<see cref="S3BlobStore"/>).</summary>
public interface IBlobStore
{
    Task PutAsync(string key, Stream content, string contentType, CancellationToken ct);
    /// <summary>The blob's bytes and length, or null when there is no such blob.</summary>
    Task<(Stream Content, long Length)?> OpenAsync(string key, CancellationToken ct);
    /// <summary>The blob's file when it is one on this machine (served like a static file), else null.</summary>
    string? LocalPath(string key) => null;

    /// <summary>Removes the blob; no error when it is gone already.</summary>
    Task DeleteAsync(string key, CancellationToken ct);
}
