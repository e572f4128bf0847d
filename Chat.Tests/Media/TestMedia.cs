using System.Buffers.Binary;
using System.Text;
using SkiaSharp;

namespace Chat.Tests.Media;

/// <summary>Files for the media tests, made here: real encoded images (one with GPS tags), and hostile ones.</summary>
public static class TestMedia
{
    /// <summary>A JPEG of a gradient with some noise, so that it compresses like a photo.</summary>
    public static byte[] Jpeg(int width, int height, int quality = 90)
    {
        using var bitmap = new SKBitmap(width, height);
        var random = new Random(width * 31 + height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 255 / width), (byte)(y * 255 / height), (byte)random.Next(256)));
        return bitmap.Encode(SKEncodedImageFormat.Jpeg, quality).ToArray();
    }

    /// <summary>A large JPEG made fast and small: a smooth gradient, drawn rather than set pixel by pixel.</summary>
    public static byte[] LargeJpeg(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height), [SKColors.SkyBlue, SKColors.Orange], SKShaderTileMode.Clamp) })
            canvas.DrawRect(0, 0, width, height, paint);
        return bitmap.Encode(SKEncodedImageFormat.Jpeg, 80).ToArray();
    }

    public static byte[] Png(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(new SKColor(30, 120, 200, 180));
        return bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray();
    }

    public static readonly byte[] GpsMarker = Encoding.ASCII.GetBytes("Exif\0\0");

    /// <summary>
    /// The JPEG with an EXIF segment (APP1) right after its start marker: an IFD0 pointing at a GPS IFD with
    /// latitude 52°31'12" N and longitude 13°24'36" E, as a phone camera writes them.
    /// </summary>
    public static byte[] WithGps(byte[] jpeg)
    {
        var tiff = new List<byte>();
        void U16(int v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); tiff.AddRange(b); }
        void U32(long v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)v); tiff.AddRange(b); }
        tiff.AddRange("II"u8.ToArray()); U16(42); U32(8);
        // IFD0 at 8: one entry, GPSInfo (0x8825) -> the GPS IFD at 26.
        U16(1); U16(0x8825); U16(4); U32(1); U32(26); U32(0);
        // GPS IFD at 26: four entries (2 + 4 * 12 + 4 = 54 bytes), then the rationals at 80.
        U16(4);
        U16(1); U16(2); U32(2); tiff.AddRange("N\0\0\0"u8.ToArray());   // GPSLatitudeRef
        U16(2); U16(5); U32(3); U32(80);                                // GPSLatitude
        U16(3); U16(2); U32(2); tiff.AddRange("E\0\0\0"u8.ToArray());   // GPSLongitudeRef
        U16(4); U16(5); U32(3); U32(104);                               // GPSLongitude
        U32(0);
        foreach (var v in new[] { 52, 31, 12, 13, 24, 36 }) { U32(v); U32(1); }
        var payload = GpsMarker.Concat(tiff).ToArray();
        var segment = new byte[4 + payload.Length];
        segment[0] = 0xFF; segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(segment, 4);
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }

    /// <summary>A PNG that says it is 30,000 × 30,000 (900 million pixels, 3.6 GB decoded) in a few dozen bytes.</summary>
    public static byte[] HugePng(int side = 30_000)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, side);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), side);
        ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
        var compressed = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            z.Write(new byte[64 * 1024]); // the start of a stream of zeros: what a bomb would go on with
        return [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. Chunk("IHDR", ihdr), .. Chunk("IDAT", compressed.ToArray()), .. Chunk("IEND", [])];
    }

    static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), System.IO.Hashing.Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    public static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

    public static readonly byte[] Html = Encoding.ASCII.GetBytes("<!doctype html><html><body><script>alert(document.cookie)</script></body></html>");

    /// <summary>The start of a WebM file (EBML header, "webm" doc type) and some bytes: what a browser's recorder makes, to the sniffer.</summary>
    public static readonly byte[] Webm = [0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84, (byte)'w', (byte)'e', (byte)'b', (byte)'m', .. new byte[2000]];
}
