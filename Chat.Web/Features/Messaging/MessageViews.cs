using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// Messages as their views, with what lives beside their rows: reactions, the quotes of replies, and for a change row
/// the changed message as it is now. A few queries per page, whatever its size.
/// </summary>
public sealed class MessageViews(ChatDbContext db)
{
    public async Task<List<MessageView>> OfAsync(IReadOnlyList<Message> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return [];
        var changes = rows.Select(m => (Row: m, Change: MessageChange.Of(m))).ToList();
        var changedIds = changes.Where(c => c.Change is not null && long.TryParse(c.Change.MessageId, out _))
            .Select(c => long.Parse(c.Change!.MessageId)).Distinct().ToList();
        var changed = changedIds.Count == 0 ? [] : await db.Messages.AsNoTracking().Include(m => m.Attachments).Where(m => changedIds.Contains(m.Id)).ToListAsync(ct);
        var shown = rows.Where(m => m.Kind == MessageKind.Text).Concat(changed).DistinctBy(m => m.Id).ToList();
        var ids = shown.ConvertAll(m => m.Id);
        var reactions = ids.Count == 0 ? [] : await db.Reactions.AsNoTracking().Where(r => ids.Contains(r.MessageId)).OrderBy(r => r.At).ToListAsync(ct);
        var quotedIds = shown.Where(m => m.ReplyToId is not null).Select(m => m.ReplyToId!.Value).Distinct().ToList();
        var quoted = quotedIds.Count == 0 ? new Dictionary<long, Message>()
            : await db.Messages.AsNoTracking().Where(m => quotedIds.Contains(m.Id)).ToDictionaryAsync(m => m.Id, ct);
        var byMessage = reactions.ToLookup(r => r.MessageId);
        var views = shown.ToDictionary(m => m.Id, m => View(m, byMessage[m.Id], quoted));
        return changes.ConvertAll(c => c.Change is null
            ? views.GetValueOrDefault(c.Row.Id) ?? MessageView.From(c.Row)
            : MessageView.From(c.Row) with { Changed = long.TryParse(c.Change.MessageId, out var id) ? views.GetValueOrDefault(id) : null });
    }

    public async Task<MessageView> OfAsync(Message row, CancellationToken ct) => (await OfAsync([row], ct))[0];

    static MessageView View(Message m, IEnumerable<Reaction> reactions, Dictionary<long, Message> quoted) => MessageView.From(m) with
    {
        Reactions = Summarise(reactions),
        ReplyTo = m.ReplyToId is { } q ? quoted.TryGetValue(q, out var original) ? QuoteView.Of(original) : new QuoteView(q.ToString(), "0", "", Deleted: true) : null,
    };

    /// <summary>Emojis in the order they were first chosen, each with its people in the order they chose it.</summary>
    public static IReadOnlyList<ReactionView> Summarise(IEnumerable<Reaction> reactions) =>
        reactions.GroupBy(r => r.Emoji).Select(g => new ReactionView(g.Key, g.Select(r => r.UserId.ToString()).ToList())).ToList();
}
