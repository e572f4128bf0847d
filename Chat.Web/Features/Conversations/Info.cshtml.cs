using Chat.Web.Data;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// /chat/info/{messageId}: "message info" for its sender, who has it and who read it when (<see cref="MessageInfo"/>,
/// as the API's /messages/{id}/info). Anyone else's message, or a system note, is not found.
/// </summary>
public sealed class InfoModel(MessageInfo info, ConversationMembers members, ChatDbContext db) : PageModel
{
    public MessageInfoView View { get; private set; } = null!;
    public Bubble Bubble { get; private set; } = null!;
    public string BackTo { get; private set; } = "/chat";
    public ViewerTime Time => time ??= ViewerTime.From(Request);
    ViewerTime? time;

    public IEnumerable<RecipientState> Read => View.Recipients.Where(r => r.ReadAt is not null);
    public IEnumerable<RecipientState> DeliveredOnly => View.Recipients.Where(r => r.Delivered && r.ReadAt is null);
    public IEnumerable<RecipientState> Waiting => View.Recipients.Where(r => !r.Delivered);

    public async Task<IActionResult> OnGetAsync(long messageId, CancellationToken ct)
    {
        var me = Tokens.UserId(User)!.Value;
        if (await info.ForSenderAsync(me, messageId, ct) is not { } view) return NotFound();
        View = view;
        var message = await db.Messages.AsNoTracking().Include(m => m.Attachments).FirstAsync(m => m.Id == messageId, ct);
        var conversation = long.Parse(view.ConversationId);
        var list = await members.GetAsync(conversation, ct);
        Bubble = Bubble.From(MessageView.From(message), me, secret: list?.Kind == ConversationKind.Secret);
        if (list is not null)
            BackTo = list.Kind == ConversationKind.Group ? $"/chat/groups/{conversation}"
                : list.Members.FirstOrDefault(m => m.UserId != me) is { } peer
                    ? (list.Kind == ConversationKind.Secret ? $"/chat/secret/{peer.UserId}" : $"/chat/{peer.UserId}") : "/chat";
        return Page();
    }
}
