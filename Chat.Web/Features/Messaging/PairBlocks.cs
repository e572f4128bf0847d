using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

/// <summary>Whether one of two people blocked the other: the one question every block check asks.</summary>
public static class PairBlocks
{
    /// <summary>Null when neither did; true when <paramref name="me"/> blocked <paramref name="other"/>; false when the other blocked me.</summary>
    public static Task<bool?> BlockBetweenAsync(this ChatDbContext db, long me, long other, CancellationToken ct) =>
        db.Blocks.AsNoTracking().Where(b => b.BlockerId == me && b.BlockedId == other || b.BlockerId == other && b.BlockedId == me)
            .Select(b => (bool?)(b.BlockerId == me)).FirstOrDefaultAsync(ct);

    /// <summary>Those of <paramref name="others"/> who blocked <paramref name="me"/>: they show me no presence.</summary>
    public static async Task<HashSet<long>> BlockersOfAsync(this ChatDbContext db, long me, IReadOnlyCollection<long> others, CancellationToken ct) =>
        others.Count == 0 ? [] : [.. await db.Blocks.AsNoTracking().Where(b => b.BlockedId == me && others.Contains(b.BlockerId)).Select(b => b.BlockerId).ToListAsync(ct)];
}
