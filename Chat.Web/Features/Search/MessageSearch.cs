using Chat.Web.Data;
using Chat.Web.Features.Conversations;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Search;

/// <summary>
/// A message found by search: where it is (a pair's peer or a group), who sent it when, and a snippet of its text as
/// it is now. <see cref="ConversationKind"/> is "direct" or "group"; <see cref="PeerId"/> is set for a direct one.
/// </summary>
public sealed record SearchHit(
    string MessageId, string ConversationId, string ConversationKind, string ConversationName, string? PeerId,
    long Seq, string SenderId, string SenderName, DateTime CreatedAt, IReadOnlyList<SnippetPart> Snippet);

/// <summary>
/// Full-text search over the text messages a user can read: their direct and group conversations only (no other
/// kind), within each of their membership periods (after joining, up to leaving), never a message deleted for
/// everyone or hidden for them, and the text as it is now (the index follows edits: <see cref="SearchIndex"/>).
/// Newest first, keyset-paged by message id. Both providers answer the same contract: every word must match, as it
/// is or by its English stem.
/// </summary>
public sealed class MessageSearch(ChatDbContext db, DisplayNames names)
{
    // {0} the user, {1} the id to continue below, {2} how many rows, {3} the id to stay above; the words follow from {4}.
    // Shared by both providers.
    const string Scope = """
        JOIN conversation_members cm ON cm."ConversationId" = m."ConversationId" AND cm."UserId" = {0}
        JOIN conversations c ON c."Id" = m."ConversationId"
        WHERE c."Kind" IN (0, 1) AND m."Kind" = 0 AND m."DeletedAt" IS NULL
          AND m."Seq" > cm."JoinedAfterSeq" AND (cm."LeftAtSeq" IS NULL OR m."Seq" <= cm."LeftAtSeq")
          AND m."Id" < {1} AND m."Id" > {3}
          AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h."UserId" = {0} AND h."MessageId" = m."Id")
        """;

    /// <summary>The newest ids a search looks through first; each further round looks through <see cref="Widening"/> times as many.</summary>
    public const long FirstWindow = 20_000;
    const long Widening = 10;

    public async Task<Page<SearchHit>> FindAsync(long me, SearchWords search, long beforeId, int limit, CancellationToken ct)
    {
        // Newest first over a widening range of ids: neither index can hand matches out in id order, so a common word
        // would otherwise fetch and sort its every match to show 20; in the newest ids it fills a page at once, and a
        // rare word widens the range a few times (docs/performance.md, "Search").
        var top = beforeId > 0 ? beforeId : (await db.Messages.MaxAsync(m => (long?)m.Id, ct) ?? 0) + 1;
        var sql = Sql(search.Words.Count);
        List<Message> rows;
        for (var window = FirstWindow; ; window *= Widening)
        {
            var above = Math.Max(0, top - window);
            object[] args = [me, top, limit + 1, above, .. search.Words];
            rows = await db.Messages.FromSqlRaw(sql, args).AsNoTracking().ToListAsync(ct);
            if (rows.Count > limit || above == 0) break;
        }
        var found = rows.Take(limit).ToList();
        var conversationIds = found.Select(m => m.ConversationId).Distinct().ToList();
        var conversations = await db.Conversations.AsNoTracking().Where(c => conversationIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        long? PeerOf(Conversation c) => c.Kind == Data.ConversationKind.Direct ? (c.AId == me ? c.BId : c.AId) : null;
        var people = await names.OfAsync(found.Select(m => m.SenderId).Concat(conversations.Values.Select(PeerOf).OfType<long>()), ct);
        var hits = found.ConvertAll(m =>
        {
            var c = conversations[m.ConversationId];
            var peer = PeerOf(c);
            return new SearchHit(m.Id.ToString(), c.Id.ToString(), peer is null ? "group" : "direct",
                peer is { } p ? people.GetValueOrDefault(p, DisplayNames.Unknown) : c.Name ?? "", peer?.ToString(),
                m.Seq, m.SenderId.ToString(), m.SenderId == me ? "You" : people.GetValueOrDefault(m.SenderId, DisplayNames.Unknown),
                m.CreatedAt, Snippet.Of(BrowserText.Decode(m.Ciphertext), search));
        });
        return new Page<SearchHit>(hits, rows.Count > limit ? Cursor.Encode(found[^1].Id) : null);
    }

    string Sql(int words) => db.Database.IsNpgsql()
        // Per word: as it is (simple) or its English stem; plainto_tsquery takes any text without syntax errors.
        ? $"""
            SELECT m.* FROM messages m
            {Scope}
              AND chat_search_vector(m."Ciphertext") @@ ({string.Join(" && ", Enumerable.Range(4, words).Select(i =>
                  $"(plainto_tsquery('simple', {{{i}}}) || plainto_tsquery('english', {{{i}}}))"))})
            ORDER BY m."Id" DESC LIMIT {"{2}"}
            """
        // Each word a quoted FTS5 string (words hold no quotes), joined by FTS5's implicit AND. CROSS JOIN keeps the
        // full-text table outermost, newest rowid first within the range, so SQLite never walks the user's every
        // message probing the index instead (it did, for some words: p99 437 ms at 300,000 messages).
        : $"""
            SELECT m.* FROM message_search s
            CROSS JOIN messages m ON m."Id" = s.rowid
            {Scope}
              AND s.rowid < {"{1}"} AND s.rowid > {"{3}"}
              AND message_search MATCH ({string.Join(" || ' ' || ", Enumerable.Range(4, words).Select(i => $"'\"' || {{{i}}} || '\"'"))})
            ORDER BY s.rowid DESC LIMIT {"{2}"}
            """;
}
