using Chat.Web.Data;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// An attachment as the API and the socket send it. <see cref="Url"/> and <see cref="Preview"/> are the app's own
/// addresses (GET /media/{id}, /media/{id}/preview), answered only to the conversation's members; Preview is null
/// for anything but an image. Kind is "image", "file" or "voice".
/// </summary>
public sealed record AttachmentView(
    string Id, string Kind, string Name, long Size, string ContentType, int? Width, int? Height, int? DurationMs,
    string Url, PreviewView? Preview)
{
    public static AttachmentView From(Attachment a) => new(
        a.Id, a.Kind.ToString().ToLowerInvariant(), a.Name, a.Size, a.ContentType, a.Width, a.Height, a.DurationMs,
        $"/media/{a.Id}", a.PreviewWidth is { } w && a.PreviewHeight is { } h ? new PreviewView($"/media/{a.Id}/preview", w, h) : null);
}

/// <summary>A WebP preview of an image, at most 320 pixels on its longer side, with its own size for the page's layout.</summary>
public sealed record PreviewView(string Url, int Width, int Height);

/// <summary>
/// A message's attachments, compared by their content: a record compares a plain list by reference, and two views
/// of one stored message (an ack and its retry's) must be equal.
/// </summary>
public sealed class AttachmentList : List<AttachmentView>
{
    public AttachmentList() { }

    public AttachmentList(IEnumerable<AttachmentView> items) : base(items) { }

    public override bool Equals(object? obj) => obj is AttachmentList other && this.SequenceEqual(other);

    public override int GetHashCode() => Count;
}
