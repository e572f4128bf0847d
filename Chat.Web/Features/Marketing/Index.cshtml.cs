using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Marketing;

public sealed class IndexModel(SiteStats stats) : PageModel
{
    public SiteCounts Counts { get; private set; } = null!;

    public static readonly (string Icon, string Title, string Text)[] Features =
    [
        ("⚡", "Realtime", "Messages, receipts, typing and presence over one socket, fanned out across nodes with Redis."),
        ("✓✓", "Receipts you can trust", "Sent, delivered and read — set only by the recipient, never going backwards."),
        ("🔁", "Nothing lost", "Every message is stored before it is acknowledged and replayed after a reconnect, exactly once."),
        ("🌙", "Light and dark", "Follows your system, remembers your choice, and never flashes the wrong theme."),
        ("📱", "Mobile first", "A list, a conversation, a back button. Works with JavaScript off, too."),
        ("🔌", "An API for your apps", "The same services behind a JSON REST and WebSocket API for mobile clients and bots."),
    ];

    public async Task OnGetAsync(CancellationToken ct) => Counts = await stats.CountAsync(ct);
}
