using System.Buffers;
using System.Text.Json;
using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// A bus message of <see cref="RedisFanout"/>: the origin node's id, a newline, and a JSON array of deliveries; or, after
/// the same origin line, a control message ("join", "welcome &lt;node id&gt;").
/// </summary>
public static class BusMessage
{
    /// <summary>A bus message closes at this size (the rest goes in the next), to stay off the large object heap.</summary>
    public const int MaxBytes = 32 * 1024;

    public static ReadOnlySpan<byte> Join => "join"u8;
    public static ReadOnlySpan<byte> Welcome => "welcome "u8;

    /// <summary>Deliveries from <paramref name="next"/> on, as many as fit <see cref="MaxBytes"/>; the caller disposes the buffer once published.</summary>
    public static PooledBuffer Encode(ReadOnlySpan<byte> originLine, IReadOnlyList<Delivery> deliveries, ref int next)
    {
        var bytes = new PooledBuffer();
        bytes.Write(originLine);
        using var json = new Utf8JsonWriter(bytes);
        json.WriteStartArray();
        do JsonSerializer.Serialize(json, deliveries[next++], EventJson.Options);
        while (next < deliveries.Count && json.BytesPending + json.BytesCommitted < MaxBytes);
        json.WriteEndArray();
        json.Flush();
        return bytes;
    }

    /// <summary>The deliveries of a bus message's payload (after the origin line); malformed ones are left out.</summary>
    public static List<Delivery> Decode(ReadOnlySpan<byte> payload) =>
        (JsonSerializer.Deserialize<Delivery[]>(payload, EventJson.Options) ?? []).Where(d => d is { Event: not null, UserIds: not null }).ToList();
}
