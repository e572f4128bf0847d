using Chat.Web.Data;
using Chat.Web.Features.Auth;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Directory;

/// <summary>Who a signed-in user can talk to: everyone but themselves and the bootstrap admin.</summary>
public sealed class UserDirectory(ChatDbContext db, ChatSettings settings)
{
    readonly string? bootstrapPhone = PhoneNumber.Normalize(settings.AdminPhone);

    /// <summary>
    /// Keyset page by id. The exclusions are part of the query, so a page is full whenever more
    /// users exist and the cursor always points at the last row returned.
    /// </summary>
    public async Task<Page<PublicUser>> ListAsync(long selfId, long afterId, int limit, string? search, CancellationToken ct)
    {
        var query = db.Users.AsNoTracking().Where(u => u.Id != selfId && u.Id > afterId);
        if (bootstrapPhone is not null) query = query.Where(u => u.Phone != bootstrapPhone);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = DisplayText.ContainsPattern(search);
            query = query.Where(u => EF.Functions.Like(u.DisplayName.ToLower(), pattern, "\\") || EF.Functions.Like(u.Phone, pattern, "\\"));
        }
        var rows = await query.OrderBy(u => u.Id).Take(limit + 1).ToListAsync(ct);
        var items = rows.Take(limit).Select(PublicUser.From).ToList();
        return new Page<PublicUser>(items, rows.Count > limit ? Cursor.Encode(rows[limit - 1].Id) : null);
    }

    /// <summary>The newest users, except <paramref name="selfId"/>, the bootstrap admin and <paramref name="except"/> (the chat list's "people" rows).</summary>
    public async Task<IReadOnlyList<PublicUser>> NewestAsync(long selfId, IReadOnlyCollection<long> except, int limit, CancellationToken ct)
    {
        var query = db.Users.AsNoTracking().Where(u => u.Id != selfId && !except.Contains(u.Id));
        if (bootstrapPhone is not null) query = query.Where(u => u.Phone != bootstrapPhone);
        return (await query.OrderByDescending(u => u.Id).Take(limit).ToListAsync(ct)).Select(PublicUser.From).ToList();
    }

    public Task<User?> FindByPhoneAsync(string phone, CancellationToken ct)
    {
        var normalized = PhoneNumber.Normalize(phone);
        return normalized is null ? Task.FromResult<User?>(null) : db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Phone == normalized, ct);
    }
}
