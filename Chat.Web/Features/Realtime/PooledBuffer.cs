using System.Buffers;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// Bytes written into an array rented from the shared pool, grown by renting a larger one and returned on Dispose:
/// a received frame or a bus message without garbage per use.
/// </summary>
public sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    byte[] array = ArrayPool<byte>.Shared.Rent(4096);
    int written;

    public ReadOnlyMemory<byte> Written => array.AsMemory(0, written);

    public void Advance(int count) => written += count;

    /// <summary>The free space after what is written, at least <paramref name="sizeHint"/> bytes (at least one).</summary>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return array.AsMemory(written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return array.AsSpan(written);
    }

    void Reserve(int sizeHint)
    {
        if (array.Length - written >= Math.Max(sizeHint, 1)) return;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(array.Length * 2, written + sizeHint));
        array.AsSpan(0, written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(array);
        array = larger;
    }

    public void Dispose()
    {
        if (array.Length > 0) ArrayPool<byte>.Shared.Return(array);
        array = [];
        written = 0;
    }
}
