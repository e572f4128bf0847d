using System.Buffers.Binary;

namespace Chat.Bench.Load;

/// <summary>
/// What a bench message carries inside its "ciphertext": who sent it, its place in the sender's
/// stream and when it was meant to leave, padded to a fixed size so every target moves the same bytes.
/// </summary>
public readonly record struct Payload(int RunId, int SenderIndex, long Sequence, long IntendedTicks)
{
    const uint Magic = 0x31764243; // "CBv1"
    public const int HeaderBytes = 28;

    public byte[] ToBytes(int size)
    {
        var bytes = new byte[Math.Max(size, HeaderBytes)];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], RunId);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], SenderIndex);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[20..], IntendedTicks);
        // A fixed, non-zero filler: the size matters, the content does not.
        for (var i = HeaderBytes; i < bytes.Length; i++) bytes[i] = (byte)(i * 31);
        return bytes;
    }

    public string ToBase64(int size) => Convert.ToBase64String(ToBytes(size));

    public static bool TryParseBase64(string? base64, out Payload payload)
    {
        payload = default;
        return base64 is not null && TryParseBase64(base64.AsSpan(), out payload);
    }

    public static bool TryParseBase64(ReadOnlySpan<char> base64, out Payload payload)
    {
        payload = default;
        Span<byte> buffer = stackalloc byte[HeaderBytes + 3];
        // Only the header is needed: decode the first 40 base64 characters (30 bytes).
        if (base64.Length < 40 || !Convert.TryFromBase64Chars(base64[..40], buffer, out var written) || written < HeaderBytes)
            return false;
        if (BinaryPrimitives.ReadUInt32LittleEndian(buffer) != Magic) return false;
        payload = new Payload(
            BinaryPrimitives.ReadInt32LittleEndian(buffer[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(buffer[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[12..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[20..]));
        return true;
    }
}
