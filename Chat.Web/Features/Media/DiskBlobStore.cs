namespace Chat.Web.Features.Media;

/// <summary>
/// Blobs as files under MEDIA_DIR, fanned out by the key's first two characters. Keys are the server's own random
/// ids, never a user's file name. A file is written under a temporary name and moved into place, so a reader never
/// sees half of one.
/// </summary>
public sealed class DiskBlobStore(string root) : IBlobStore
{
    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken ct)
    {
        var path = PathOf(key);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".part";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
                await content.CopyToAsync(file, ct);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public Task<(Stream Content, long Length)?> OpenAsync(string key, CancellationToken ct)
    {
        try
        {
            var file = new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, useAsync: true);
            return Task.FromResult<(Stream, long)?>((file, file.Length));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<(Stream, long)?>(null);
        }
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    public string? LocalPath(string key) => File.Exists(PathOf(key)) ? PathOf(key) : null;

    string PathOf(string key)
    {
        if (key.Length < 3 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || key.Contains(".."))
            throw new ArgumentException("Not a blob key.", nameof(key));
        return Path.Combine(root, key[..2], key);
    }
}
