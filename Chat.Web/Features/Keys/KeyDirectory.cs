using Chat.Web.Data;
using Chat.Web.Features.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Keys;

/// <summary>
/// The public keys of every user's devices, for secret conversations. A device uploads its bundle, replenishes its
/// one-time pre-keys and rotates its signed pre-key; a peer's fetch hands out one one-time pre-key per device and
/// deletes it in the same statement, so two fetchers never get the same one. Requests are validated (shapes, sizes,
/// signatures) before they get here.
/// </summary>
public sealed class KeyDirectory(ChatDbContext db, WriteGate writes, TimeProvider clock)
{
    /// <summary>
    /// Stores or replaces a device's whole bundle (a new identity key included: its peers are told by the key changing);
    /// null when the user has <see cref="KeyRules.MaxDevices"/> other devices already.
    /// </summary>
    public async Task<DeviceKeysView?> UploadAsync(long userId, int deviceId, DeviceBundleUpload b, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        var now = StoredTime.Now(clock);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The user's row, locked: two uploads of one user take turns, so neither finds the other's device half-made.
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.TokenVersion, u => u.TokenVersion), ct);
        await db.Devices.Where(d => d.UserId == userId && d.DeviceId == deviceId).ExecuteDeleteAsync(ct); // its one-time keys with it
        if (await db.Devices.CountAsync(d => d.UserId == userId, ct) >= KeyRules.MaxDevices) return null;
        Stage(userId, deviceId, b, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        db.ChangeTracker.Clear();
        return (await StatusAsync(userId, deviceId, ct))!;
    }

    /// <summary>Adds a new device's rows to the caller's unit of work (registration stores its first device with the user).</summary>
    public void Stage(long userId, int deviceId, DeviceBundleUpload b, DateTime now)
    {
        db.Devices.Add(new Device
        {
            UserId = userId,
            DeviceId = deviceId,
            IdentityKey = Bytes(b.IdentityKey),
            IdentityDhKey = Bytes(b.IdentityDhKey),
            IdentityDhSignature = KeyRules.Decode(b.IdentityDhSignature, KeyRules.SignatureBytes)!,
            SignedPreKeyId = b.SignedPreKey!.KeyId!.Value,
            SignedPreKey = Bytes(b.SignedPreKey.PublicKey),
            SignedPreKeySignature = KeyRules.Decode(b.SignedPreKey.Signature, KeyRules.SignatureBytes)!,
            CreatedAt = now,
            UpdatedAt = now,
        });
        db.OneTimePreKeys.AddRange((b.OneTimePreKeys ?? []).Select(k => OneTime(userId, deviceId, k)));
    }

    public enum AddResult { Added, NoSuchDevice, TooMany, Duplicate }

    /// <summary>More one-time pre-keys for a device, at most <see cref="KeyRules.MaxOneTimePerDevice"/> held, none with an id it holds.</summary>
    public async Task<AddResult> AddOneTimeAsync(long userId, int deviceId, OneTimePreKeyUpload[] keys, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The device's row, locked (PostgreSQL), so two uploads cannot both pass the count below.
        if (await db.Devices.Where(d => d.UserId == userId && d.DeviceId == deviceId)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.UpdatedAt, StoredTime.Now(clock)), ct) == 0) return AddResult.NoSuchDevice;
        var held = db.OneTimePreKeys.Where(k => k.UserId == userId && k.DeviceId == deviceId);
        if (await held.CountAsync(ct) + keys.Length > KeyRules.MaxOneTimePerDevice) return AddResult.TooMany;
        var ids = keys.Select(k => k.KeyId!.Value).ToList();
        if (await held.AnyAsync(k => ids.Contains(k.KeyId), ct)) return AddResult.Duplicate;
        db.OneTimePreKeys.AddRange(keys.Select(k => OneTime(userId, deviceId, k)));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        db.ChangeTracker.Clear();
        return AddResult.Added;
    }

    /// <summary>A new signed pre-key, which must verify with the device's stored identity key; false when there is no such device or it does not.</summary>
    public async Task<bool?> RotateSignedAsync(long userId, int deviceId, SignedPreKeyUpload k, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        if (await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.UserId == userId && d.DeviceId == deviceId, ct) is not { } device) return null;
        if (!KeyRules.Signs(Convert.ToBase64String(device.IdentityKey), k.PublicKey, k.Signature)) return false;
        // Only if the identity it was checked against is still the device's (a concurrent upload may have replaced it).
        var rotated = await db.Devices.Where(d => d.UserId == userId && d.DeviceId == deviceId && d.IdentityKey == device.IdentityKey).ExecuteUpdateAsync(s => s
            .SetProperty(d => d.SignedPreKeyId, k.KeyId!.Value)
            .SetProperty(d => d.SignedPreKey, Bytes(k.PublicKey))
            .SetProperty(d => d.SignedPreKeySignature, KeyRules.Decode(k.Signature, KeyRules.SignatureBytes)!)
            .SetProperty(d => d.UpdatedAt, StoredTime.Now(clock)), ct);
        return rotated == 1;
    }

    public async Task<DeviceKeysView?> StatusAsync(long userId, int deviceId, CancellationToken ct) =>
        (await ListAsync(userId, ct)).FirstOrDefault(d => d.DeviceId == deviceId);

    public async Task<IReadOnlyList<DeviceKeysView>> ListAsync(long userId, CancellationToken ct)
    {
        var devices = await db.Devices.AsNoTracking().Where(d => d.UserId == userId).OrderBy(d => d.DeviceId).ToListAsync(ct);
        var counts = await db.OneTimePreKeys.Where(k => k.UserId == userId).GroupBy(k => k.DeviceId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        return devices.ConvertAll(d => new DeviceKeysView(d.DeviceId, Convert.ToBase64String(d.IdentityKey), d.SignedPreKeyId,
            counts.GetValueOrDefault(d.DeviceId), d.UpdatedAt));
    }

    public async Task<bool> DeleteAsync(long userId, int deviceId, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        return await db.Devices.Where(d => d.UserId == userId && d.DeviceId == deviceId).ExecuteDeleteAsync(ct) > 0;
    }

    /// <summary>Every device's bundle of a user, each with a one-time pre-key taken (deleted) for this fetch; null for no such user.</summary>
    public async Task<UserBundlesView?> FetchAsync(long userId, CancellationToken ct)
    {
        if (!await db.Users.AnyAsync(u => u.Id == userId, ct)) return null;
        var devices = await db.Devices.AsNoTracking().Where(d => d.UserId == userId).OrderBy(d => d.DeviceId).ToListAsync(ct);
        var bundles = new List<DeviceBundleView>(devices.Count);
        foreach (var d in devices)
        {
            var taken = await TakeOneTimeAsync(userId, d.DeviceId, ct);
            bundles.Add(new DeviceBundleView(d.DeviceId, Convert.ToBase64String(d.IdentityKey), Convert.ToBase64String(d.IdentityDhKey),
                Convert.ToBase64String(d.IdentityDhSignature),
                new SignedPreKeyView(d.SignedPreKeyId, Convert.ToBase64String(d.SignedPreKey), Convert.ToBase64String(d.SignedPreKeySignature)),
                taken is { } k ? new OneTimePreKeyView(k.KeyId, Convert.ToBase64String(k.PublicKey)) : null));
        }
        return new UserBundlesView(userId.ToString(), bundles);
    }

    /// <summary>
    /// Deletes and returns the device's lowest one-time pre-key in one statement. On PostgreSQL a concurrent fetch skips
    /// the row another holds (SKIP LOCKED) and takes the next, so neither comes back empty while keys remain; SQLite
    /// has one writer at a time (the write gate).
    /// </summary>
    const string TakeSql = """
        DELETE FROM one_time_pre_keys WHERE ("UserId", "DeviceId", "KeyId") IN (
            SELECT "UserId", "DeviceId", "KeyId" FROM one_time_pre_keys WHERE "UserId" = {0} AND "DeviceId" = {1}
            ORDER BY "KeyId" LIMIT 1 /* lock */)
        RETURNING *
        """;

    async Task<OneTimePreKey?> TakeOneTimeAsync(long userId, int deviceId, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        var sql = db.Database.IsNpgsql() ? TakeSql.Replace("/* lock */", "FOR UPDATE SKIP LOCKED") : TakeSql;
        var rows = await db.OneTimePreKeys.FromSqlRaw(sql, userId, deviceId).AsNoTracking().ToListAsync(ct);
        return rows.SingleOrDefault();
    }

    static byte[] Bytes(string? key) => KeyRules.Decode(key, KeyRules.PublicKeyBytes)!;

    static OneTimePreKey OneTime(long userId, int deviceId, OneTimePreKeyUpload k) =>
        new() { UserId = userId, DeviceId = deviceId, KeyId = k.KeyId!.Value, PublicKey = Bytes(k.PublicKey) };
}
