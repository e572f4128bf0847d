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
}
