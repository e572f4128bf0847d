using Chat.Web.Features.Realtime;
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
        await fragments.RenderAsync<ConversationListItem>(new Dictionary<string, object?> { ["Row"] = row, ["Active"] = active, ["Time"] = time }) + "</div>";

    /// <summary>
    /// A presence change: the list's dot (presence_&lt;userId&gt;), swapped in place, and, for the page that has this user's
    /// conversation open, its status line (status_&lt;userId&gt;); other pages have no such line to swap.
    /// </summary>
    public async Task<string> PresenceAsync(PresenceEvent presence, long userId, bool conversationOpen, ViewerTime time) =>
        await fragments.RenderAsync<PresenceDot>(new Dictionary<string, object?> { ["UserId"] = userId, ["Online"] = presence.Online, ["OutOfBand"] = true }) +
        (conversationOpen
            ? await fragments.RenderAsync<PeerStatus>(new Dictionary<string, object?>
            {
                ["PeerId"] = userId, ["Online"] = presence.Online, ["LastSeenAt"] = presence.LastSeenAt, ["Time"] = time, ["OutOfBand"] = true,
            })
            : "");
}
