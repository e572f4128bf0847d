using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Push;

/// <summary>A subscription as its owner sees it: which device, and which push service (its host only; the URL is a secret).</summary>
public sealed record PushSubscriptionView(string Id, string Device, string Service, DateTime CreatedAt)
{
    public static PushSubscriptionView From(PushSubscription s) =>
        new(s.Id.ToString(), s.Device, Uri.TryCreate(s.Endpoint, UriKind.Absolute, out var u) ? u.Host : "", s.CreatedAt);
}

/// <summary>A user's browsers that receive push: subscribe (again), list, remove.</summary>
public sealed class PushSubscriptions(ChatDbContext db, WriteGate writes, PushOptions push, TimeProvider clock)
{
    /// <summary>
    /// Stores a validated request's subscription unless its endpoint is refused (the reason, for a 400); a known endpoint
    /// (the same browser subscribing again) gets the new keys and owner. For the JSON API and the browser pages alike.
    /// </summary>
    public async Task<(PushSubscriptionView? Subscribed, string? Refusal)> SubscribeAsync(long userId, SubscribeRequest request, string? userAgent, CancellationToken ct)
    {
        var endpoint = request.Endpoint!;
        if (await PushEndpoints.RefusalAsync(endpoint, push.Settings.AllowPrivateEndpoints, ct) is { } refusal) return (null, refusal);
        var (p256dh, auth, device) = (request.Keys!.P256dh!.TrimEnd('='), request.Keys.Auth!.TrimEnd('='), DeviceLabel.From(userAgent));
        using var _ = await writes.EnterAsync(ct);
        var row = await db.PushSubscriptions.FirstOrDefaultAsync(s => s.Endpoint == endpoint, ct);
        if (row is null)
        {
            row = new PushSubscription { Endpoint = endpoint, P256dh = p256dh, Auth = auth, Device = device };
            db.PushSubscriptions.Add(row);
        }
        (row.UserId, row.P256dh, row.Auth, row.Device, row.CreatedAt) = (userId, p256dh, auth, device, Messaging.StoredTime.Now(clock));
        await db.SaveChangesAsync(ct);
        var stale = await db.PushSubscriptions.Where(s => s.UserId == userId).OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)
            .Skip(PushLimits.MaxPerUser).Select(s => s.Id).ToListAsync(ct);
        if (stale.Count > 0) await db.PushSubscriptions.Where(s => stale.Contains(s.Id)).ExecuteDeleteAsync(ct);
        return (PushSubscriptionView.From(row), null);
    }

    public async Task<IReadOnlyList<PushSubscriptionView>> ListAsync(long userId, CancellationToken ct) =>
        (await db.PushSubscriptions.AsNoTracking().Where(s => s.UserId == userId).OrderByDescending(s => s.CreatedAt).ToListAsync(ct))
            .ConvertAll(PushSubscriptionView.From);

    /// <summary>Removes one of the user's subscriptions; false when it is not theirs (or gone).</summary>
    public async Task<bool> RemoveAsync(long userId, long id, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        return await db.PushSubscriptions.Where(s => s.Id == id && s.UserId == userId).ExecuteDeleteAsync(ct) > 0;
    }
}
