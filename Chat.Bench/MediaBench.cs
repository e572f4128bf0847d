using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Chat.Bench.Load;
using Chat.Bench.Reporting;
using Chat.Bench.Targets;
using SkiaSharp;

namespace Chat.Bench;

/// <summary>
/// The media mode (issue 28's targets), against the real app on one core: a 2 MB photo uploaded and sent (upload,
/// type check, decode, re-encode, preview, store, then the send and its ack), one at a time, for its latency; uploads
/// from four clients at once for the images the server's one core processes a second; and a 1 MB file served to a
/// member beside the same bytes as a static file from the app's wwwroot, in the same run, for their cost per request.
/// </summary>
public sealed class MediaBench(BenchSettings settings, BenchResults results)
{
    const int PhotoWarmup = 5, PhotoRuns = 100, ParallelUploaders = 4, ServeRounds = 5, ServeRequestsPerRound = 300, ServeConcurrency = 4;
    static readonly TimeSpan ThroughputWindow = TimeSpan.FromSeconds(15);
    const string StaticPath = "/bench-media/file-1mb.bin";

    public async Task RunAsync(BenchDatabase database)
    {
        var photo = Photo(2 * 1024 * 1024);
        var file = new byte[1024 * 1024];
        new Random(28).NextBytes(file);
        file[0] = 0; // an opaque download, whatever the random bytes start with
        // The static twin, in the wwwroot the app serves from (its content root is the build output folder).
        var webRoot = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(settings.AppDll))!, "wwwroot", "bench-media");
        Directory.CreateDirectory(webRoot);
        await File.WriteAllBytesAsync(Path.Combine(webRoot, "file-1mb.bin"), file);

        Progress($"media ({database.Storage}): starting the app");
        await using var app = await AppTarget.StartAsync(settings.AppDll, settings.ServerCpus, database, Path.Combine(settings.WorkDirectory, "app-media.log"),
            new Dictionary<string, string> { ["MEDIA_DIR"] = Path.Combine(settings.WorkDirectory, "media"), ["MEDIA_QUOTA_BYTES"] = (100L << 30).ToString() });
        var users = await app.UsersAsync(2);
        var (ann, bob) = (users[0], users[1]);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(app.SocketUri(ann), CancellationToken.None);
        await ReadFrameAsync(socket); // ready

        Progress($"media ({database.Storage}): {PhotoRuns} photos of {photo.Length / 1024} KB, uploaded and sent one at a time");
        var latencies = new List<double>();
        for (var i = 0; i < PhotoWarmup + PhotoRuns; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var id = await UploadAsync(app, ann, "photo.jpg", photo);
            await SendAsync(socket, bob.Id, $"photo-{i}", id);
            if (i >= PhotoWarmup) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        latencies.Sort();

        Progress($"media ({database.Storage}): photos from {ParallelUploaders} uploaders at once for {ThroughputWindow.TotalSeconds:0} s");
        var cpuBefore = app.Server.CpuTime();
        var clock = Stopwatch.StartNew();
        var processed = 0;
        await Task.WhenAll(Enumerable.Range(0, ParallelUploaders).Select(async _ =>
        {
            while (clock.Elapsed < ThroughputWindow)
            {
                await UploadAsync(app, ann, "photo.jpg", photo);
                Interlocked.Increment(ref processed);
            }
        }));
        var elapsed = clock.Elapsed;
        var throughputCpu = app.Server.CpuTime() - cpuBefore;

        Progress($"media ({database.Storage}): a 1 MB file to a member vs the same file from wwwroot, {ServeRounds} rounds of {ServeRequestsPerRound} each");
        var fileId = await UploadAsync(app, ann, "file.bin", file);
        await SendAsync(socket, bob.Id, "file", fileId);
        var media = new ServeTotals();
        var statics = new ServeTotals();
        for (var round = 0; round < ServeRounds; round++)
        {
            // Alternating, so that whatever else the shared machine does falls on both alike.
            await ServeAsync(app, null, StaticPath, file.Length, statics);
            await ServeAsync(app, bob, $"/media/{fileId}", file.Length, media);
        }

        results.Media.Add(new MediaResult(database.Storage, photo.Length, PhotoRuns,
            Percentile(latencies, 0.50), Percentile(latencies, 0.99), Math.Round(latencies[^1], 1),
            processed / elapsed.TotalSeconds, processed / Math.Max(0.001, throughputCpu.TotalSeconds),
            file.Length, media.MeanMs, statics.MeanMs, media.CpuMicrosPerRequest, statics.CpuMicrosPerRequest));
        Directory.Delete(webRoot, recursive: true);
    }

    sealed class ServeTotals
    {
        public long Requests;
        public double TotalMs;
        public TimeSpan Cpu;
        public double MeanMs => TotalMs / Math.Max(1, Requests);
        public double CpuMicrosPerRequest => Cpu.TotalMilliseconds * 1000 / Math.Max(1, Requests);
    }

    static async Task ServeAsync(AppTarget app, BenchUser? user, string path, int expectedLength, ServeTotals totals)
    {
        var cpu = app.Server.CpuTime();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, ServeConcurrency).Select(async _ =>
        {
            var buffer = new byte[64 * 1024];
            while (Interlocked.Increment(ref next) <= ServeRequestsPerRound)
            {
                var started = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                if (user is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
                using var response = await app.Api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode}");
                await using var body = await response.Content.ReadAsStreamAsync();
                long length = 0;
                int read;
                while ((read = await body.ReadAsync(buffer)) > 0) length += read;
                if (length != expectedLength) throw new InvalidOperationException($"GET {path}: {length} bytes, expected {expectedLength}");
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (totals) { totals.Requests++; totals.TotalMs += ms; }
            }
        }));
        totals.Cpu += app.Server.CpuTime() - cpu;
    }

    static async Task<string> UploadAsync(AppTarget app, BenchUser user, string name, byte[] bytes)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", name } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/media") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        using var response = await app.Api.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 201) throw new InvalidOperationException($"upload failed: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    static async Task SendAsync(ClientWebSocket socket, string to, string clientId, string attachmentId)
    {
        var frame = JsonSerializer.SerializeToUtf8Bytes(new { type = "send-message", toUserId = to, clientMessageId = clientId, ciphertext = "", attachments = new[] { attachmentId } });
        await socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
        while (true)
        {
            using var reply = JsonDocument.Parse(await ReadFrameAsync(socket));
            var type = reply.RootElement.GetProperty("type").GetString();
            if (type == "ack" && reply.RootElement.GetProperty("clientMessageId").GetString() == clientId) return;
            if (type == "error") throw new InvalidOperationException("send refused: " + reply.RootElement);
        }
    }

    static async Task<string> ReadFrameAsync(ClientWebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            message.Write(buffer, 0, result.Count);
        } while (!result.EndOfMessage);
        return Encoding.UTF8.GetString(message.ToArray());
    }

    /// <summary>A photo-like JPEG (gradients under fine noise, 12 megapixels scaled to size) of about <paramref name="bytes"/>.</summary>
    static byte[] Photo(int bytes)
    {
        var random = new Random(2);
        for (var side = 1200; ; side += 200)
        {
            using var bitmap = new SKBitmap(side * 4 / 3, side);
            for (var y = 0; y < bitmap.Height; y++)
                for (var x = 0; x < bitmap.Width; x++)
                    bitmap.SetPixel(x, y, new SKColor((byte)(x * 255 / bitmap.Width ^ random.Next(40)), (byte)(y * 255 / bitmap.Height ^ random.Next(40)), (byte)random.Next(256)));
            var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 88).ToArray();
            if (jpeg.Length >= bytes * 0.9) return jpeg;
        }
    }

    static double Percentile(List<double> sorted, double p) => Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)], 1);

    static void Progress(string what) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {what}");
}
