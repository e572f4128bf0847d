using System.Threading.Channels;
using Chat.Web.Data;
using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Push;

/// <summary>
/// New messages waiting for their notifications, off the send path: the writer drops them here and goes on;
/// <see cref="PushNotifier"/> takes them out. Bounded: when push falls far behind, the oldest are dropped (a notification
/// is a hint; the messages are stored and sync finds them).
/// </summary>
public sealed class PushQueue : IStoredMessageListener
{
    readonly Channel<Message> queue = Channel.CreateBounded<Message>(new BoundedChannelOptions(10_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropOldest,
    });

    public ChannelReader<Message> Reader => queue.Reader;

    public void Stored(IReadOnlyList<Message> messages)
    {
        foreach (var m in messages)
            if (m.Kind == MessageKind.Text) queue.Writer.TryWrite(m);
    }
}
