using Chat.Web.Features.Auth;
using Chat.Web.Features.Conversations;
using Chat.Web.Features.Shared;
using Chat.Web.Infrastructure;
using Microsoft.AspNetCore.Html;
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

    const string Mark = """<mark class="rounded bg-amber-200 px-0.5 text-slate-900 dark:bg-amber-400/40 dark:text-amber-50">""";

    /// <summary>
    /// The snippet with each match in a &lt;mark&gt;: every part is appended as text (HTML-encoded), only the mark is
    /// markup, so nothing from a message ever becomes an element. Built here, not in the view, to keep its whitespace exact.
    /// </summary>
    public static IHtmlContent Highlighted(IReadOnlyList<SnippetPart> parts)
    {
        var html = new HtmlContentBuilder();
        foreach (var part in parts)
            if (part.Match) html.AppendHtml(Mark).Append(part.Text).AppendHtml("</mark>");
            else html.Append(part.Text);
        return html;
    }

    public static string LinkTo(SearchHit hit) => ChatLink.At(hit.PeerId is { } p ? long.Parse(p) : null,
        hit.PeerId is null ? long.Parse(hit.ConversationId) : null, long.Parse(hit.MessageId));
}
