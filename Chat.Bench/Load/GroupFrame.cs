using System.Text.Json;

namespace Chat.Bench.Load;

/// <summary>
/// The fields a group run reads from a frame — its type, and its message's seq, kind and payload — taken with a
/// Utf8JsonReader: at tens of thousands of deliveries a second a document per frame would spend the generator's core.
/// </summary>
public readonly record struct GroupFrame(GroupFrame.Kind Type, long Seq, bool System, bool HasPayload, Payload Payload)
{
    public enum Kind { Other, Ack, Message, Error }

    public static GroupFrame Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var type = Kind.Other;
        long seq = 0;
        bool system = false, hasPayload = false;
        Payload payload = default;
        Span<char> chars = stackalloc char[1024];
        reader.Read(); // the frame's object
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.ValueTextEquals("ack"u8) ? Kind.Ack : reader.ValueTextEquals("message"u8) ? Kind.Message
                    : reader.ValueTextEquals("error"u8) ? Kind.Error : Kind.Other;
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject) continue;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("seq"u8))
                    {
                        reader.Read();
                        seq = reader.TokenType == JsonTokenType.String ? long.Parse(reader.GetString()!) : reader.GetInt64();
                    }
                    else if (reader.ValueTextEquals("kind"u8))
                    {
                        reader.Read();
                        system = reader.ValueTextEquals("system"u8);
                    }
                    else if (reader.ValueTextEquals("ciphertext"u8))
                    {
                        reader.Read();
                        // The app's serialiser escapes '+' (\u002B): CopyString unescapes.
                        var length = reader.HasValueSequence || reader.ValueSpan.Length > chars.Length ? -1 : reader.CopyString(chars);
                        hasPayload = length >= 0 ? Payload.TryParseBase64(chars[..length], out payload) : Payload.TryParseBase64(reader.GetString(), out payload);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return new GroupFrame(type, seq, system, hasPayload, payload);
    }
}
