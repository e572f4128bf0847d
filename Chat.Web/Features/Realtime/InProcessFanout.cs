using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Realtime;

/// <summary>One node: straight to this node's connections.</summary>
public sealed class InProcessFanout(ConnectionRegistry registry) : IFanout
{
    public Task PublishAllAsync(IReadOnlyList<Delivery> deliveries) => registry.DeliverAllAsync(deliveries).AsTask();
}
