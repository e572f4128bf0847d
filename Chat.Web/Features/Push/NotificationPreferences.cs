using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Push;

public sealed record PreferencesView(bool ShowPreviews);
public sealed record ConversationNotificationsView(string ConversationId, string Level);

/// <summary>What a user wants to be notified of: per conversation (all, mentions only, muted), and whether with previews.</summary>
public sealed class NotificationPreferences(ChatDbContext db, WriteGate writes)
{
    /// <summary>The user's level in the conversation, or null when they are not a current member.</summary>
    public Task<NotificationLevel?> LevelAsync(long userId, long conversationId, CancellationToken ct) =>
        db.Members.AsNoTracking().Where(m => m.ConversationId == conversationId && m.UserId == userId && m.LeftAt == null)
            .Select(m => (NotificationLevel?)m.Notifications).FirstOrDefaultAsync(ct);

    /// <summary>False when they are not a current member of the conversation.</summary>
    public async Task<bool> SetLevelAsync(long userId, long conversationId, NotificationLevel level, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        return await db.Members.Where(m => m.ConversationId == conversationId && m.UserId == userId && m.LeftAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Notifications, level), ct) > 0;
    }

    /// <summary>The chat screen's control for the open conversation (a group, or the pair with a peer), or null before a pair's first message.</summary>
    public async Task<MuteControl?> ControlAsync(long userId, long? groupId, long? peerId, string returnUrl, CancellationToken ct)
    {
        var conversationId = groupId;
        if (peerId is { } peer)
        {
            var (a, b) = userId < peer ? (userId, peer) : (peer, userId);
            conversationId = await db.Conversations.AsNoTracking().Where(c => c.AId == a && c.BId == b && c.Kind == ConversationKind.Direct).Select(c => (long?)c.Id).FirstOrDefaultAsync(ct);
        }
        return conversationId is { } id && await LevelAsync(userId, id, ct) is { } level ? new MuteControl(id, level, returnUrl) : null;
    }

    public async Task<PreferencesView> GetAsync(long userId, CancellationToken ct) =>
        new(await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.ShowPreviews).FirstOrDefaultAsync(ct));

    public async Task<PreferencesView> SetShowPreviewsAsync(long userId, bool showPreviews, CancellationToken ct)
    {
        using (await writes.EnterAsync(ct))
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.ShowPreviews, showPreviews), ct);
        return new(showPreviews);
    }
}
