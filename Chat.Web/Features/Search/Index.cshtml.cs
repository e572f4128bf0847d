using Chat.Web.Features.Auth;
using Chat.Web.Features.Conversations;
using Chat.Web.Features.Shared;
using Chat.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Search;

/// <summary>/chat/search?q=: my messages with every word, newest first, a page at a time; a hit opens its conversation around it.</summary>
public sealed class IndexModel(MessageSearch search) : PageModel
{
    public const int PageSize = 20;

    public string? Query { get; private set; }
    public string? Error { get; private set; }
    public IReadOnlyList<SearchHit> Hits { get; private set; } = [];
    public string? NextCursor { get; private set; }
    public ViewerTime Time => time ??= ViewerTime.From(Request);
    ViewerTime? time;

    public async Task<IActionResult> OnGetAsync(string? q, string? cursor, CancellationToken ct)
    {
        Query = q;
        if (string.IsNullOrWhiteSpace(q)) return Page();
        if (!Cursor.TryDecode(cursor, out var before)) return BadRequest();
        if (!SearchWords.TryParse(q, out var words, out var error))
        {
            Error = error;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var page = await search.FindAsync(Tokens.UserId(User)!.Value, words, before, PageSize, ct);
        (Hits, NextCursor) = (page.Items, page.NextCursor);
        return Page();
    }

    public static string LinkTo(SearchHit hit) => ChatLink.At(hit.PeerId is { } p ? long.Parse(p) : null,
        hit.PeerId is null ? long.Parse(hit.ConversationId) : null, long.Parse(hit.MessageId));
}
