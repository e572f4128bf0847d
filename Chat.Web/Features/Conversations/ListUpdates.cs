using Chat.Web.Features.Messaging;
using Chat.Web.Features.Shared;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// The live fragments of the left-hand list, written once for both channels that push them: the browser socket
/// (a conversation's row after a message) and the SSE user-event stream (a newcomer's row, presence dots).
/// Rendered by the same Razor components as the page, so every user string is encoded.
/// </summary>
public sealed class ListUpdates(FragmentRenderer fragments)
{
    /// <summary>
    /// A row placed at the top of #conversation-list. The page's script (live.js) removes the row's previous copy
    /// first, so a conversation with new activity moves up instead of appearing twice.
    /// </summary>
    public async Task<string> RowAtTopAsync(ConversationRow row, bool active, ViewerTime time) =>
        "<div hx-swap-oob=\"afterbegin:#conversation-list\">" +
        await fragments.RenderAsync(ConversationListItem.Of(row, active, time)) + "</div>";

    /// <summary>A row replaced where it is: its last message was edited or deleted, which is no new activity.</summary>
    public Task<string> RowInPlaceAsync(ConversationRow row, bool active, ViewerTime time) =>
        fragments.RenderAsync(ConversationListItem.Of(row, active, time, outOfBand: true));

    /// <summary>
    /// A presence change: the list's dot (presence_&lt;userId&gt;), swapped in place, and, for the page that has this user's
    /// conversation open, its status line (status_&lt;userId&gt;); other pages have no such line to swap.
    /// </summary>
    public async Task<string> PresenceAsync(PresenceEvent presence, long userId, bool conversationOpen, ViewerTime time) =>
        await fragments.RenderAsync(PresenceDot.Of(userId, presence.Online, outOfBand: true)) +
        (conversationOpen ? await fragments.RenderAsync(PeerStatus.Of(userId, presence.Online, presence.LastSeenAt, time, outOfBand: true)) : "");
}
