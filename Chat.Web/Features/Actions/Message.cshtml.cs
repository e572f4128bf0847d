using Chat.Web.Data;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Conversations;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Shared;
using Htmx;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Actions;

/// <summary>
/// One message and what its reader may do with it: react, reply, edit, delete (for me, for everyone), forward. A page
/// of its own without JavaScript (each action a plain POST that returns to the conversation); with htmx, the chat page
/// opens it as a sheet and each action answers 204 (its result reaches every tab over the socket) or 422 with the
/// sheet and the refusal. The same services as the JSON API. Anyone who cannot see the message gets 404.
/// </summary>
public sealed class MessageModel(MessageHistory history, ConversationMembers members, MessageViews views, DisplayNames names, Inbox inbox,
    MessageActions actions, MessageForwarding forwarding, MessageActionSettings settings, TimeProvider clock) : PageModel
{
    public long Me { get; private set; }
    public Bubble Bubble { get; private set; } = null!;
    public ViewerTime Time => time ??= ViewerTime.From(Request);
    ViewerTime? time;
    /// <summary>The conversation's page, where every action returns.</summary>
    public string BackTo { get; private set; } = "/chat";
    public bool CanEdit { get; private set; }
    public bool CanDeleteForEveryone { get; private set; }
    public bool CanAct { get; private set; }
    public string EditText { get; private set; } = "";
    /// <summary>Who a reply to it quotes: "You" or their name.</summary>
    public string SenderName { get; private set; } = "";
    public IReadOnlyList<InboxEntry> ForwardTargets { get; private set; } = [];
    public string? Error { get; private set; }
    public string[] QuickEmoji => Emoji.Quick;

    public async Task<IActionResult> OnGetAsync(long messageId, CancellationToken ct) => await LoadAsync(messageId, ct) ? Page() : NotFound();

    public Task<IActionResult> OnPostReactAsync(long messageId, string? emoji, CancellationToken ct) =>
        ActAsync(messageId, () => actions.ReactAsync(Me, messageId, string.IsNullOrWhiteSpace(emoji) ? "" : emoji.Trim(), ct, toggle: true), ct);

    public Task<IActionResult> OnPostEditAsync(long messageId, string? text, CancellationToken ct) => string.IsNullOrWhiteSpace(text)
        ? RefuseAsync(messageId, "Type the new text first.", ct)
        : ActAsync(messageId, () => actions.EditAsync(Me, messageId, BrowserText.Encode(text), ct), ct);

    public Task<IActionResult> OnPostDeleteAsync(long messageId, CancellationToken ct) =>
        ActAsync(messageId, () => actions.DeleteForEveryoneAsync(Me, messageId, ct), ct);

    public Task<IActionResult> OnPostHideAsync(long messageId, CancellationToken ct) =>
        ActAsync(messageId, () => actions.HideAsync(Me, messageId, ct), ct);

    public Task<IActionResult> OnPostForwardAsync(long messageId, long[]? to, string? clientMessageId, CancellationToken ct) =>
        ActAsync(messageId, async () => (await forwarding.ForwardAsync(Me, messageId, to ?? [], clientMessageId, ct)).Refused, ct);

    async Task<IActionResult> ActAsync(long messageId, Func<Task<ChangeRefused?>> act, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        if (await act() is { } refused)
            return refused.Status == 404 ? NotFound() : await RefuseAsync(messageId, refused.Error, ct);
        if (Request.IsHtmx()) return new NoContentResult();
        if (!await LoadAsync(messageId, ct)) return Redirect("/chat"); // hidden for me: the conversation, without it
        return Redirect(BackTo);
    }

    async Task<IActionResult> RefuseAsync(long messageId, string error, CancellationToken ct)
    {
        if (!await LoadAsync(messageId, ct)) return NotFound();
        Error = error;
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Page();
    }

    async Task<bool> LoadAsync(long messageId, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        if (await history.VisibleAsync(Me, messageId, ct) is not { } m || await members.GetAsync(m.ConversationId, ct) is not { } list
            || list.Find(Me) is not { } period) return false;
        var view = await views.OfAsync(m, ct);
        var group = list.Kind == ConversationKind.Group;
        var known = await names.OfAsync(Bubble.People([view], Me), ct);
        Bubble = Bubble.From(view, Me, new(known, InGroup: group), secret: list.Kind == ConversationKind.Secret);
        SenderName = m.SenderId == Me ? "You" : known.GetValueOrDefault(m.SenderId, DisplayNames.Unknown);
        BackTo = group ? $"/chat/groups/{m.ConversationId}" : $"/chat/{list.Members.First(x => x.UserId != Me).UserId}";
        var now = clock.GetUtcNow().UtcDateTime;
        CanAct = period.IsCurrent && m.DeletedAt is null && list.Kind != ConversationKind.Secret;
        CanEdit = CanAct && m.SenderId == Me && now - m.CreatedAt <= settings.EditWindow;
        CanDeleteForEveryone = CanAct && ((m.SenderId == Me && now - m.CreatedAt <= settings.DeleteWindow) || (group && period.Role == MemberRole.Admin));
        EditText = Bubble.Text;
        if (CanAct) ForwardTargets = [.. (await inbox.PageAsync(Me, null, 20, ct)).Items.Where(e => !e.Left)];
        return true;
    }
}
