using Chat.Web.Data;
using Chat.Web.Features.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// Turns connection changes into presence: when a user's first connection opens or last one closes (on any node),
/// their conversation peers get a <see cref="PresenceEvent"/>; going offline stores <c>LastSeenAt</c>.
/// </summary>
public sealed class PresenceTracker(IPresenceStore store, IFanout fanout, IServiceScopeFactory scopes, TimeProvider clock)
{
    public async Task ConnectedAsync(IChatEventSink connection, CancellationToken ct)
    {
        if (!await store.ConnectedAsync(connection)) return;
        await PublishAsync(connection.UserId, new PresenceEvent(connection.UserId.ToString(), true, null), ct);
    }

    public async Task DisconnectedAsync(IChatEventSink connection, CancellationToken ct)
    {
        if (!await store.DisconnectedAsync(connection)) return;
        var now = clock.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % 10)); // microseconds: what PostgreSQL keeps
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
            using (await scope.ServiceProvider.GetRequiredService<WriteGate>().EnterAsync(ct))
                await db.Users.Where(u => u.Id == connection.UserId).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastSeenAt, now), ct);
        }
        await PublishAsync(connection.UserId, new PresenceEvent(connection.UserId.ToString(), false, now), ct);
    }

    async Task PublishAsync(long userId, PresenceEvent e, CancellationToken ct)
    {
        var peers = await PeersOfAsync(userId, ct);
        if (peers.Length > 0) await fanout.PublishAsync(Delivery.To(e, peers), ct);
    }

    /// <summary>Whether the user has a connection on any node now (for pages that show a dot).</summary>
    public Task<bool> IsOnlineAsync(long userId) => store.IsOnlineAsync(userId);

    /// <summary>
    /// Everyone <paramref name="userId"/> has a direct conversation with: presence is shared per contact, but not with
    /// someone they blocked.
    /// </summary>
    public async Task<long[]> PeersOfAsync(long userId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        return await (from mine in db.Members.AsNoTracking()
                      join c in db.Conversations on mine.ConversationId equals c.Id
                      join other in db.Members on mine.ConversationId equals other.ConversationId
                      where mine.UserId == userId && c.Kind == ConversationKind.Direct && other.UserId != userId
                          && !db.Blocks.Any(b => b.BlockerId == userId && b.BlockedId == other.UserId)
                      select other.UserId).ToArrayAsync(ct);
    }
}
