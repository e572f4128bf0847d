using Chat.Web.Features.Auth;
using Chat.Web.Infrastructure;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Chat.Web.Features.Media;

/// <summary>
/// Upload (POST /media, multipart) and download (GET /media/{id}, /media/{id}/preview), for API clients (bearer) and
/// the chat page (cookie, with the antiforgery header on uploads). Downloads are proxied through the app rather than
/// redirected to presigned S3 URLs: each request is authorised as the member it comes from, a copied URL is worth
/// nothing to anyone else, and the bucket never needs to be reachable from browsers (docs/security.md, "Media").
/// </summary>
public static class MediaApi
{
    /// <summary>Room for the multipart framing and the small fields around the file.</summary>
    const long MultipartOverhead = 64 * 1024;
    const string AntiforgeryHeader = "RequestVerificationToken";

    public static void MapMediaApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/media").WithTags("Media").RequireAuthorization(MediaSetup.Policy);
        group.MapPost("/", Upload).Throttled(p => p.ApiPerUser, perUser: true).DisableAntiforgery()
            .Accepts<IFormFile>("multipart/form-data").Answers<Messaging.AttachmentView>(201, 400, 401, 413, 415, 422);
        SessionCheckedByEndpoint.On(group.MapGet("/{id}", (string id, CurrentUser me, MediaFiles files, HttpContext http, CancellationToken ct) => ServeAsync(id, preview: false, me, files, http, ct)))
            .Produces(200).Produces<ApiError>(401).Produces<ApiError>(404);
        SessionCheckedByEndpoint.On(group.MapGet("/{id}/preview", (string id, CurrentUser me, MediaFiles files, HttpContext http, CancellationToken ct) => ServeAsync(id, preview: true, me, files, http, ct)))
            .Produces(200).Produces<ApiError>(401).Produces<ApiError>(404);
    }

    /// <summary>
    /// multipart/form-data with a "file" part and, for a voice note, an optional "durationMs" part before it. The
    /// body is read as it arrives: Kestrel stops it past MEDIA_MAX_BYTES, and the upload stops counting there too.
    /// </summary>
    static async Task<IResult> Upload(HttpContext http, CurrentUser me, MediaUploads uploads, MediaSettings settings, IAntiforgery antiforgery, CancellationToken ct)
    {
        if (http.Request.ContentLength > settings.MaxBytes + MultipartOverhead) return TooLarge(settings);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = settings.MaxBytes + MultipartOverhead;
        // A cookie is sent by the browser on its own: a cookie-authorised upload must carry the page's antiforgery
        // token, in its header (checked without reading the body).
        if (http.Request.Headers.Authorization.Count == 0 &&
            (!http.Request.Headers.ContainsKey(AntiforgeryHeader) || !await antiforgery.IsRequestValidAsync(http)))
            return ApiErrors.BadRequest("The antiforgery token is missing or invalid; reload the page.");
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            return ApiErrors.Result(415, "Send the file as multipart/form-data with a \"file\" part.");

        var reader = new MultipartReader(boundary, http.Request.Body) { HeadersLengthLimit = 16 * 1024 };
        int? durationMs = null;
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                var field = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (field == "durationMs")
                {
                    using var text = new StreamReader(section.Body);
                    var value = await ReadSmallAsync(text);
                    if (!int.TryParse(value, out var ms)) return ApiErrors.BadRequest("durationMs must be a whole number of milliseconds.");
                    durationMs = ms;
                }
                else if (field == "file")
                {
                    var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    var result = await uploads.UploadAsync(me.Id, name, section.ContentType, section.Body, durationMs, ct);
                    return result switch
                    {
                        UploadResult.Stored s => TypedResults.Created(s.Attachment.Url, s.Attachment),
                        UploadResult.Refused r => ApiErrors.Result(r.Status, r.Error),
                        _ => throw new InvalidOperationException("Unknown upload result."),
                    };
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            return TooLarge(settings);
        }
        catch (InvalidDataException)
        {
            return ApiErrors.BadRequest("The multipart body is malformed.");
        }
        return ApiErrors.BadRequest("The form has no \"file\" part.");
    }

    static async Task<string> ReadSmallAsync(StreamReader text)
    {
        var buffer = new char[32];
        var n = await text.ReadBlockAsync(buffer);
        return new string(buffer, 0, n).Trim();
    }

    static IResult TooLarge(MediaSettings settings) =>
        ApiErrors.Result(413, $"The file must be at most {settings.MaxBytes / (1024 * 1024)} MB.");

    /// <summary>
    /// The blob, to a reader who may see it; 404 to anyone else, as for a file that does not exist. Only re-encoded
    /// images are shown inline; anything else is a download, and no answer here may run script on the app's origin.
    /// </summary>
    static async Task<IResult> ServeAsync(string id, bool preview, CurrentUser me, MediaFiles files, HttpContext http, CancellationToken ct)
    {
        var (access, opened) = await files.OpenAsync(me.Id, Tokens.Version(http.User) ?? -1, id, preview, ct);
        if (access == MediaAccess.SessionEnded) return ApiErrors.Result(StatusCodes.Status401Unauthorized, "The session has ended; sign in again.");
        if (opened is not { } media) return ApiErrors.NotFound("No such file.");
        var h = http.Response.Headers;
        h.ContentSecurityPolicy = "default-src 'none'; sandbox";
        h.XContentTypeOptions = "nosniff";
        h["Cross-Origin-Resource-Policy"] = "same-origin";
        // Never changes under its id; private: it is one member's answer, no shared cache may keep it.
        h.CacheControl = "private, max-age=31536000, immutable";
        var inline = preview || media.Attachment.Kind == Data.AttachmentKind.Image;
        h.ContentDisposition = new ContentDispositionHeaderValue(inline ? "inline" : "attachment") { FileNameStar = media.Attachment.Name }.ToString();
        // A file on disk goes out as the static file server sends one (with ranges); an S3 object is streamed through.
        return media.LocalPath is { } path
            ? TypedResults.PhysicalFile(path, media.ContentType, enableRangeProcessing: true)
            : TypedResults.Stream(media.Content!, media.ContentType);
    }
}
