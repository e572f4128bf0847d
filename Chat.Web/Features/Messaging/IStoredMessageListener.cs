using Chat.Web.Data;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// Told of each batch of new messages once it is committed and its fan-out issued (push notifications, for one).
/// Called on the writer's loop: it must return at once and hand any work elsewhere.
/// </summary>
public interface IStoredMessageListener
{
    void Stored(IReadOnlyList<Message> messages);
}
