namespace Chat.Web.Features.Messaging;

/// <summary>
/// The fan-out port: hands events to the addressed connections on every node. Callers publish only after their
/// transaction committed. At-most-once: the database stays the source of truth and clients recover anything
/// missed with sync. Implemented by the realtime feature (in-process, or Redis across nodes).
/// </summary>
public interface IFanout
{
    Task PublishAsync(Delivery delivery, CancellationToken ct = default) => PublishAllAsync([delivery]);

    /// <summary>
    /// Delivers on this node, in order, and issues the publish to other nodes before it returns, so events published
    /// one after another reach every node in that order even when the caller does not await each one.
    /// </summary>
    Task PublishAllAsync(IReadOnlyList<Delivery> deliveries);
}
