using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Api;
using Chat.Tests.Groups;
using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Chat.Web.Features.Admin;
using Chat.Web.Features.Media;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Media;

/// <summary>
/// Photos, files and voice notes through the real app, on each database provider, with the uploads on local disk and
/// in a real S3-compatible server: who may fetch a file, how its type is decided, what is stripped, what is refused
/// (leaving nothing behind), and what removes the blobs.
/// </summary>
public abstract class MediaTests(MediaApp app)
{
    readonly ChatHost host = app.Host;
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_photo_is_fetched_by_its_uploader_before_sending_and_by_the_pairs_members_after_and_by_nobody_else()
    {
        var (ann, bob, eve) = (await host.RegisterAsync(), await host.RegisterAsync(), await host.RegisterAsync());
        var photo = await UploadOkAsync(ann, "beach.jpg", TestMedia.Jpeg(800, 600));
        Assert.Equal("image", photo.Str("kind"));
        Assert.Equal("image/jpeg", photo.Str("contentType"));
        Assert.Equal(800, photo.GetProperty("width").GetInt32());
        Assert.Equal(600, photo.GetProperty("height").GetInt32());
        var preview = photo.GetProperty("preview");
        Assert.Equal(320, preview.GetProperty("width").GetInt32());
        Assert.Equal(240, preview.GetProperty("height").GetInt32());
        var url = photo.Str("url")!;

        // Unsent: the uploader's alone.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(ann, url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(bob, url)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(null, url)).StatusCode);

        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var bobSocket = await SocketClient.ConnectAsync(host, bob);
        var ack = await SendAsync(annSocket, bob.Id, null, "c-photo", [photo.Str("id")!], "At the beach");
        var sent = ack.Message().GetProperty("attachments");
        Assert.Equal(photo.Str("id"), Assert.Single(sent.EnumerateArray()).Str("id"));
        var live = await bobSocket.TakeAsync(f => f.IsMessage() && f.Message().Str("clientMessageId") == "c-photo");
        Assert.Equal(url, live.Message().GetProperty("attachments")[0].Str("url"));

        foreach (var path in new[] { url, preview.Str("url")! })
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(ann, path)).StatusCode);
            var forBob = await GetAsync(bob, path);
            Assert.Equal(HttpStatusCode.OK, forBob.StatusCode);
            Assert.Equal("nosniff", forBob.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Contains("sandbox", forBob.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(eve, path)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(null, path)).StatusCode);
        }
        Assert.Equal("image/webp", (await GetAsync(bob, preview.Str("url")!)).Content.Headers.ContentType!.MediaType);

        // The history carries the attachment too.
        using var bobClient = host.Client(bob.Token);
        var page = await bobClient.GetOkAsync($"/conversations/{ann.Id}/messages");
        Assert.Equal(photo.Str("id"), page.GetProperty("items")[0].GetProperty("attachments")[0].Str("id"));

        // The file's own query checks the session: a token from before "log out everywhere" fetches nothing more.
        Assert.Equal(HttpStatusCode.OK, (await bobClient.PostAsync("/auth/logout-all", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(bob, url)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(bob, preview.Str("url")!)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(ann, url)).StatusCode);
    }

    [Fact]
    public async Task In_a_group_only_members_who_see_the_message_may_fetch_its_file()
    {
        var (ann, bob, eve, late) = (await host.RegisterAsync(), await host.RegisterAsync(), await host.RegisterAsync(), await host.RegisterAsync());
        var group = await GroupApi.CreateAsync(host, ann, "Trip", bob);
        var pdf = await UploadOkAsync(ann, "tickets.pdf", TestMedia.Pdf);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await SendAsync(annSocket, null, group, "g-pdf", [pdf.Str("id")!]);
        (await GroupApi.AddAsync(host, ann, group, late.Id)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(bob, pdf.Str("url")!)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(eve, pdf.Str("url")!)).StatusCode);
        // Joined after it was sent: the message is not in their history, nor is its file.
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(late, pdf.Str("url")!)).StatusCode);
        (await GroupApi.RemoveAsync(host, ann, group, bob.Id)).EnsureSuccessStatusCode();
        // Removed later: they keep the history up to their leaving, its files included.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(bob, pdf.Str("url")!)).StatusCode);
    }

    [Fact]
    public async Task The_type_is_decided_by_the_content_and_a_page_or_script_is_only_ever_a_sandboxed_download()
    {
        var ann = await host.RegisterAsync();
        var before = await app.BlobKeysAsync();

        // A "PNG" that is really HTML: refused, whatever its name and declared type.
        var fake = await UploadAsync(ann, "cat.png", TestMedia.Html, "image/png");
        await ApiAssert.ErrorAsync(fake, HttpStatusCode.UnsupportedMediaType);
        await ApiAssert.ErrorAsync(await UploadAsync(ann, "cat.svg", "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"u8.ToArray(), "image/svg+xml"),
            HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(before, await app.BlobKeysAsync());

        // HTML under its own name: an opaque download, never a page on our origin.
        var page = await UploadOkAsync(ann, "page.html", TestMedia.Html, "text/html");
        Assert.Equal("file", page.Str("kind"));
        Assert.Equal("application/octet-stream", page.Str("contentType"));
        var served = await GetAsync(ann, page.Str("url")!);
        Assert.Equal("application/octet-stream", served.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", served.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("page.html", served.Content.Headers.ContentDisposition.FileNameStar);
        Assert.Equal("nosniff", served.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("default-src 'none'; sandbox", served.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal(TestMedia.Html, await served.Content.ReadAsByteArrayAsync(Ct));

        // A PDF named .txt is a PDF; a JPEG named .bin is an image; WebM audio is a voice note with its duration.
        Assert.Equal("application/pdf", (await UploadOkAsync(ann, "notes.txt", TestMedia.Pdf, "text/plain")).Str("contentType"));
        Assert.Equal("image", (await UploadOkAsync(ann, "blob.bin", TestMedia.Jpeg(40, 30), "application/octet-stream")).Str("kind"));
        var voice = await UploadOkAsync(ann, "voice-note.webm", TestMedia.Webm, "audio/webm", durationMs: 4200);
        Assert.Equal("voice", voice.Str("kind"));
        Assert.Equal("audio/webm", voice.Str("contentType"));
        Assert.Equal(4200, voice.GetProperty("durationMs").GetInt32());
        Assert.Equal(JsonValueKind.Null, voice.GetProperty("preview").ValueKind);
        Assert.Equal("attachment", (await GetAsync(ann, voice.Str("url")!)).Content.Headers.ContentDisposition!.DispositionType);
    }

    [Fact]
    public async Task An_image_is_re_encoded_so_its_exif_gps_tags_are_gone()
    {
        var ann = await host.RegisterAsync();
        var original = TestMedia.WithGps(TestMedia.Jpeg(640, 480));
        Assert.True(original.AsSpan().IndexOf(TestMedia.GpsMarker) > 0, "the test image carries EXIF");
        var photo = await UploadOkAsync(ann, "gps.jpg", original);

        var stored = await (await GetAsync(ann, photo.Str("url")!)).Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal([0xFF, 0xD8, 0xFF], stored[..3]);
        Assert.Equal(-1, stored.AsSpan().IndexOf(TestMedia.GpsMarker));
        Assert.Equal(-1, stored.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xE1])); // no APP1 segment at all
        Assert.Equal(stored.Length, photo.GetProperty("size").GetInt64());
        var preview = await (await GetAsync(ann, photo.GetProperty("preview").Str("url")!)).Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal(-1, preview.AsSpan().IndexOf(TestMedia.GpsMarker));
    }

    [Fact]
    public async Task A_photo_larger_than_the_stored_side_is_stored_scaled_to_fit_and_still_decodes_whole()
    {
        var ann = await host.RegisterAsync();
        // A JPEG scales while it decodes, to the largest eighth that fits 2,048 px: 3,000 x 2,000 -> 5/8.
        var jpeg = await UploadOkAsync(ann, "big.jpg", TestMedia.LargeJpeg(3000, 2000));
        Assert.Equal((1875, 1250), (jpeg.GetProperty("width").GetInt32(), jpeg.GetProperty("height").GetInt32()));
        using (var stored = SkiaSharp.SKBitmap.Decode(await (await GetAsync(ann, jpeg.Str("url")!)).Content.ReadAsByteArrayAsync(Ct)))
            Assert.Equal((1875, 1250), (stored.Width, stored.Height));
        // A PNG decodes in full and is shrunk after.
        var png = await UploadOkAsync(ann, "wide.png", TestMedia.Png(2500, 100));
        Assert.Equal((2048, 81), (png.GetProperty("width").GetInt32(), png.GetProperty("height").GetInt32()));
        // Scaled or not, a cut-off photo is refused.
        var cut = TestMedia.LargeJpeg(3000, 2000);
        await ApiAssert.ErrorAsync(await UploadAsync(ann, "cut.jpg", cut[..(cut.Length * 2 / 3)]), (HttpStatusCode)422);
    }

    [Fact]
    public async Task Bad_uploads_get_a_clear_4xx_and_leave_nothing_stored_or_on_disk()
    {
        var ann = await host.RegisterAsync();
        var before = await app.BlobKeysAsync();

        var huge = await ApiAssert.ErrorAsync(await UploadAsync(ann, "huge.png", TestMedia.HugePng()), (HttpStatusCode)422);
        Assert.Contains("pixels", huge.Str("error"));
        var jpeg = TestMedia.Jpeg(400, 300);
        await ApiAssert.ErrorAsync(await UploadAsync(ann, "cut.jpg", jpeg[..(jpeg.Length / 2)]), (HttpStatusCode)422);
        await ApiAssert.ErrorAsync(await UploadAsync(ann, "big.bin", new byte[MediaApp.MaxBytes + 1]), HttpStatusCode.RequestEntityTooLarge);
        foreach (var name in new[] { "../../etc/passwd", "dir\\file.txt", "bell\u0007.txt", "new\nline.txt", "evil\u202Egpj.exe", "" })
            await ApiAssert.ErrorAsync(await UploadAsync(ann, name, TestMedia.Pdf), HttpStatusCode.BadRequest);
        await ApiAssert.ErrorAsync(await UploadAsync(ann, "empty.txt", []), HttpStatusCode.BadRequest);

        Assert.Equal(before, await app.BlobKeysAsync());
        Assert.Empty(Directory.EnumerateFileSystemEntries(app.TempDirectory));
        Assert.Equal(0, await WithDbAsync(db => db.Attachments.CountAsync(a => a.UploaderId == long.Parse(ann.Id), Ct)));
    }

    [Fact]
    public async Task A_2_GB_upload_is_refused_by_its_length_and_a_chunked_one_once_past_the_limit_while_it_streams()
    {
        var ann = await host.RegisterAsync();
        // Declares 2 GB and would send that much: refused from the headers, before the body is read.
        var (status, sent) = await RawUpload.PostAsync(host.Address, ann.Token, contentLength: 2L * 1024 * 1024 * 1024, Ct);
        Assert.Equal(413, status);
        Assert.True(sent < 64 * 1024 * 1024, $"the server read {sent} bytes of it");

        // No length (chunked): stopped once the limit is passed, while it streams in.
        (status, sent) = await RawUpload.PostAsync(host.Address, ann.Token, contentLength: null, Ct);
        Assert.Equal(413, status);
        Assert.True(sent < 64 * 1024 * 1024, $"the server read {sent} bytes of it");
        Assert.Empty(Directory.EnumerateFileSystemEntries(app.TempDirectory));
    }

    [Fact]
    public async Task A_users_quota_is_enforced()
    {
        var ann = await host.RegisterAsync();
        var chunk = new byte[900_000];
        Random.Shared.NextBytes(chunk);
        chunk[0] = 0; // not by chance a known type
        await UploadOkAsync(ann, "a.bin", chunk);
        await UploadOkAsync(ann, "b.bin", chunk);
        var refused = await ApiAssert.ErrorAsync(await UploadAsync(ann, "c.bin", chunk), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("quota", refused.Str("error"));
        Assert.Equal(2, await WithDbAsync(db => db.Attachments.CountAsync(a => a.UploaderId == long.Parse(ann.Id), Ct)));
    }

    [Fact]
    public async Task A_send_may_carry_only_the_senders_unsent_uploads_and_a_retry_gets_the_same_ack()
    {
        var (ann, bob, cat) = (await host.RegisterAsync(), await host.RegisterAsync(), await host.RegisterAsync());
        var photo = await UploadOkAsync(ann, "p.jpg", TestMedia.Jpeg(64, 64));
        var bobs = await UploadOkAsync(bob, "b.pdf", TestMedia.Pdf);
        await using var socket = await SocketClient.ConnectAsync(host, ann);

        var first = await SendAsync(socket, bob.Id, null, "once", [photo.Str("id")!]);
        var retried = await SendAsync(socket, bob.Id, null, "once", [photo.Str("id")!]);
        Assert.Equal(first.Message().Str("id"), retried.Message().Str("id"));
        Assert.Equal(first.Message().GetProperty("seq").GetInt64(), retried.Message().GetProperty("seq").GetInt64());

        // Sent into the pair with Bob: not into another conversation.
        Assert.Equal("attachment_sent", (await SendRefusedAsync(socket, cat.Id, "elsewhere", [photo.Str("id")!])).Str("code"));
        Assert.Equal("unknown_attachment", (await SendRefusedAsync(socket, bob.Id, "not-mine", [bobs.Str("id")!])).Str("code"));
        Assert.Equal("unknown_attachment", (await SendRefusedAsync(socket, bob.Id, "made-up", ["AAAAAAAAAAAAAAAAAAAAAA"])).Str("code"));
        Assert.Equal("invalid_ciphertext", (await SendRefusedAsync(socket, bob.Id, "nothing", [], text: "")).Str("code"));
        // Bob's upload is still his alone, and stored once.
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(ann, bobs.Str("url")!)).StatusCode);
        Assert.Equal(1, await WithDbAsync(db => db.Messages.CountAsync(m => m.SenderId == long.Parse(ann.Id), Ct)));
    }

    [Fact]
    public async Task Uploads_never_sent_within_a_day_are_removed_with_their_blobs_and_sent_ones_stay()
    {
        var (ann, bob) = (await host.RegisterAsync(), await host.RegisterAsync());
        var orphan = await UploadOkAsync(ann, "o.jpg", TestMedia.Jpeg(50, 50));
        var fresh = await UploadOkAsync(ann, "f.pdf", TestMedia.Pdf);
        var sent = await UploadOkAsync(ann, "s.jpg", TestMedia.Jpeg(50, 50));
        await using var socket = await SocketClient.ConnectAsync(host, ann);
        await SendAsync(socket, bob.Id, null, "keep", [sent.Str("id")!]);
        string[] old = [orphan.Str("id")!, sent.Str("id")!];
        await WithDbAsync(db => db.Attachments.Where(a => old.Contains(a.Id)).ExecuteUpdateAsync(s => s.SetProperty(a => a.CreatedAt, a => a.CreatedAt.AddHours(-25)), Ct));

        Assert.True(await host.Services.GetRequiredService<OrphanSweep>().SweepAsync(Ct) >= 1);

        var keys = await app.BlobKeysAsync();
        Assert.DoesNotContain(orphan.Str("id"), keys);
        Assert.DoesNotContain(orphan.Str("id") + ".preview", keys);
        Assert.Contains(fresh.Str("id"), keys);
        Assert.Contains(sent.Str("id"), keys);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(ann, orphan.Str("url")!)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(bob, sent.Str("url")!)).StatusCode);
    }

    [Fact]
    public async Task Removing_a_messages_media_and_deleting_a_user_remove_their_blobs()
    {
        var (ann, bob, cat) = (await host.RegisterAsync(), await host.RegisterAsync(), await host.RegisterAsync());
        var group = await GroupApi.CreateAsync(host, ann, "Club", bob, cat);
        await using var annSocket = await SocketClient.ConnectAsync(host, ann);
        await using var catSocket = await SocketClient.ConnectAsync(host, cat);
        var deleted = await UploadOkAsync(ann, "gone.jpg", TestMedia.Jpeg(80, 80));
        var message = await SendAsync(annSocket, bob.Id, null, "to-delete", [deleted.Str("id")!]);
        var inPair = await UploadOkAsync(ann, "pair.pdf", TestMedia.Pdf);
        await SendAsync(annSocket, bob.Id, null, "pair", [inPair.Str("id")!]);
        var inGroup = await UploadOkAsync(ann, "group.jpg", TestMedia.Jpeg(80, 80));
        await SendAsync(annSocket, null, group, "group", [inGroup.Str("id")!]);
        var unsent = await UploadOkAsync(ann, "draft.pdf", TestMedia.Pdf);
        var catsPhoto = await UploadOkAsync(cat, "cat.jpg", TestMedia.Jpeg(80, 80));
        await SendAsync(catSocket, null, group, "cats", [catsPhoto.Str("id")!]);

        // "Delete for everyone" removes the message's blobs through this one call.
        await using (var scope = host.Services.CreateAsyncScope())
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<MediaRemoval>().RemoveMessageBlobsAsync(long.Parse(message.Message().Str("id")!), Ct));
        Assert.DoesNotContain(deleted.Str("id"), await app.BlobKeysAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(bob, deleted.Str("url")!)).StatusCode);

        await using (var scope = host.Services.CreateAsyncScope())
            Assert.Equal(DeleteUserResult.Deleted, await scope.ServiceProvider.GetRequiredService<AdminUsers>().DeleteAsync(long.Parse(cat.Id), long.Parse(ann.Id), Ct));
        var keys = await app.BlobKeysAsync();
        foreach (var gone in new[] { inPair, inGroup, unsent })
        {
            Assert.DoesNotContain(gone.Str("id"), keys);
            Assert.DoesNotContain(gone.Str("id") + ".preview", keys);
        }
        Assert.Contains(catsPhoto.Str("id"), keys);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(bob, inGroup.Str("url")!)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(bob, catsPhoto.Str("url")!)).StatusCode);
        Assert.Equal(0, await WithDbAsync(db => db.Attachments.CountAsync(a => a.UploaderId == long.Parse(ann.Id), Ct)));
    }

    // --- helpers

    async Task<JsonElement> UploadOkAsync(TestUser user, string name, byte[] bytes, string? type = null, int? durationMs = null)
    {
        var response = await UploadAsync(user, name, bytes, type, durationMs);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"upload of {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    async Task<HttpResponseMessage> UploadAsync(TestUser user, string name, byte[] bytes, string? type = null, int? durationMs = null)
    {
        using var client = host.Client(user.Token);
        var file = new ByteArrayContent(bytes);
        if (type is not null) file.Headers.ContentType = new MediaTypeHeaderValue(type);
        var form = Multipart(name, file);
        if (durationMs is { } ms) form = Multipart(name, file, ms);
        return await client.PostAsync("/media", form, Ct);
    }

    static MultipartFormDataContent Multipart(string name, HttpContent file, int? durationMs = null)
    {
        var form = new MultipartFormDataContent();
        if (durationMs is { } ms) form.Add(new StringContent(ms.ToString()), "durationMs");
        // Written by hand: HttpClient would quote or encode the name, and these tests need the raw one.
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileNameStar = name };
        form.Add(file);
        return form;
    }

    async Task<HttpResponseMessage> GetAsync(TestUser? user, string path)
    {
        using var client = host.Client(user?.Token);
        return await client.GetAsync(path, Ct);
    }

    static async Task<JsonElement> SendAsync(SocketClient socket, string? to, string? conversationId, string clientId, string[] attachments, string text = "")
    {
        await socket.SendAsync(new
        {
            type = "send-message", toUserId = to, conversationId, clientMessageId = clientId,
            ciphertext = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text)), attachments,
        });
        var reply = await socket.TakeAsync(f => (f.Type() == "ack" && f.Str("clientMessageId") == clientId) || (f.Type() == "error" && f.Str("ref") == clientId));
        Assert.True(reply.Type() == "ack", "expected an ack, got " + reply);
        return reply;
    }

    static async Task<JsonElement> SendRefusedAsync(SocketClient socket, string to, string clientId, string[] attachments, string text = "caption")
    {
        await socket.SendAsync(new
        {
            type = "send-message", toUserId = to, clientMessageId = clientId,
            ciphertext = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text)), attachments,
        });
        var reply = await socket.TakeAsync(f => (f.Type() == "ack" && f.Str("clientMessageId") == clientId) || (f.Type() == "error" && f.Str("ref") == clientId));
        Assert.Equal("error", reply.Type());
        return reply;
    }

    async Task<T> WithDbAsync<T>(Func<ChatDbContext, Task<T>> query)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ChatDbContext>());
    }
}

/// <summary>
/// An upload of endless zeros over a plain socket, so that the test sees the server's answer however early it comes
/// (HttpClient gives up on a request whose body the server stopped reading). Returns the status and the bytes sent.
/// </summary>
static class RawUpload
{
    public static async Task<(int Status, long Sent)> PostAsync(Uri address, string token, long? contentLength, CancellationToken ct)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, ct);
        var stream = tcp.GetStream();
        const string boundary = "endless";
        var head = $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n";
        var length = contentLength is { } n ? $"Content-Length: {n}\r\n" : "Transfer-Encoding: chunked\r\n";
        var request = $"POST /media HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {token}\r\n" +
            $"Content-Type: multipart/form-data; boundary={boundary}\r\n{length}\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), ct);
        long sent = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writing = Task.Run(async () =>
        {
            var zeros = new byte[64 * 1024];
            try
            {
                await Write(System.Text.Encoding.ASCII.GetBytes(head));
                while (!stop.IsCancellationRequested && sent < 256L * 1024 * 1024) await Write(zeros);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // the server closed the request: what it answered is the point
            }

            async Task Write(byte[] bytes)
            {
                if (contentLength is null) await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{bytes.Length:X}\r\n"), stop.Token);
                await stream.WriteAsync(bytes, stop.Token);
                if (contentLength is null) await stream.WriteAsync("\r\n"u8.ToArray(), stop.Token);
                Interlocked.Add(ref sent, bytes.Length);
            }
        }, ct);
        var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), ct);
        await stop.CancelAsync();
        await writing;
        return (int.Parse(statusLine!.Split(' ')[1]), Interlocked.Read(ref sent));
    }
}

public sealed class MediaPostgresDiskTests(MediaPostgresDiskApp app) : MediaTests(app), IClassFixture<MediaPostgresDiskApp>;
public sealed class MediaSqliteDiskTests(MediaSqliteDiskApp app) : MediaTests(app), IClassFixture<MediaSqliteDiskApp>;
public sealed class MediaPostgresS3Tests(MediaPostgresS3App app) : MediaTests(app), IClassFixture<MediaPostgresS3App>;
public sealed class MediaSqliteS3Tests(MediaSqliteS3App app) : MediaTests(app), IClassFixture<MediaSqliteS3App>;
