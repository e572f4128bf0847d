using Chat.Web.Data;
using Chat.Web.Features.Media;
using Chat.Web.Features.Messaging;
using Microsoft.EntityFrameworkCore;
using static Chat.Web.Features.Messaging.ConversationChanges;

namespace Chat.Web.Features.Actions;

/// <summary>
/// Edit, delete for everyone, react: changes of a message that every member sees, each stored as a change row with the
/// conversation's next seq (<see cref="ConversationChanges"/>), so it reaches every member's connections after the
/// commit and a client that was away gets it once in its sync. Every check runs again inside the change's transaction,
/// after the conversation's lock. A repeat of what is already so (the same text, the same reaction, a second delete)
/// changes nothing and tells nobody. Delete for me only hides the message from its user's own history.
/// </summary>
public sealed class MessageActions(ChatDbContext db, ConversationChanges changes, IFanout fanout, MessageActionSettings settings, MediaRemoval media)
{
    public static ChangeRefused NotFound => new(404, "not_found", "No such message in your conversations.");
    /// <summary>The server cannot read a secret conversation's messages, so it does not edit or react to them (delete still works).</summary>
    public static ChangeRefused InSecret => new(400, "secret_conversation", "Editing and reactions are not available in a secret conversation.");


    public Task<ChangeRefused?> EditAsync(long me, long messageId, byte[] text, CancellationToken ct) => text.Length is 0 or > MessageSender.MaxCiphertextBytes
        ? Task.FromResult<ChangeRefused?>(new(400, "invalid_ciphertext", $"ciphertext must be base64 of 1 to {MessageSender.MaxCiphertextBytes} bytes."))
        : ChangeAsync(me, messageId, readsText: true, (m, member, now) =>
        {
            if (m.SenderId != me) return new ChangeRefused(403, "not_author", "Only its author may edit a message.");
            if (m.DeletedAt is not null) return new ChangeRefused(409, "deleted", "The message was deleted.");
            if (now - m.CreatedAt > settings.EditWindow)
                return new ChangeRefused(403, "edit_window_passed", $"A message can be edited for {settings.EditWindowMinutes} minutes after sending.");
            if (text.AsSpan().SequenceEqual(m.Ciphertext)) return MessageChangeOutcome.Unchanged;
            (m.Ciphertext, m.EditedAt) = (text, now);
            return new MessageChange(MessageChange.Edited, m.Id.ToString(), me.ToString());
        }, ct);

    /// <summary>
    /// By its author within the window, or by an admin of its group at any time; its reactions go with its text, and its
    /// attachments' files once the tombstone is committed.
    /// </summary>
    public async Task<ChangeRefused?> DeleteForEveryoneAsync(long me, long messageId, CancellationToken ct)
    {
        if (await DeleteAsync(me, messageId, ct) is { } refused) return refused;
        await media.RemoveMessageBlobsAsync(messageId, ct);
        return null;
    }

    Task<ChangeRefused?> DeleteAsync(long me, long messageId, CancellationToken ct) =>
        ChangeAsync(me, messageId, readsText: false, async (m, member, now) =>
        {
            if (m.DeletedAt is not null) return MessageChangeOutcome.Unchanged;
            var groupAdmin = m.ReceiverId is null && member.Role == MemberRole.Admin;
            if (m.SenderId != me && !groupAdmin) return new ChangeRefused(403, "not_author", "Only its author (or a group admin) may delete a message for everyone.");
            if (!groupAdmin && now - m.CreatedAt > settings.DeleteWindow)
                return new ChangeRefused(403, "delete_window_passed", $"A message can be deleted for everyone for {settings.DeleteWindowHours} hours after sending.");
            return await TombstoneAsync(m, me, now, ct);
        }, ct);

    /// <summary>
    /// A site admin's delete of a reported message, in a conversation they are not in: the same tombstone, told to its
    /// members the same way. False when there is no such text message.
    /// </summary>
    public async Task<bool> DeleteAsSiteAdminAsync(long adminId, long messageId, CancellationToken ct)
    {
        var conversationId = await db.Messages.AsNoTracking().Where(m => m.Id == messageId && m.Kind == MessageKind.Text)
            .Select(m => (long?)m.ConversationId).FirstOrDefaultAsync(ct);
        if (conversationId is null) return false;
        var refused = await changes.ChangeMessageAsync(conversationId.Value, adminId, async now =>
            await db.Messages.FirstOrDefaultAsync(m => m.Id == messageId, ct) is { } m ? await TombstoneAsync(m, adminId, now, ct) : NotFound, ct);
        if (refused is not null) return false;
        await media.RemoveMessageBlobsAsync(messageId, ct);
        return true;
    }

    /// <summary>The text goes (an empty ciphertext, which also takes it out of the search index), and its reactions with it.</summary>
    async Task<MessageChangeOutcome> TombstoneAsync(Message m, long actorId, DateTime now, CancellationToken ct)
    {
        if (m.DeletedAt is not null) return MessageChangeOutcome.Unchanged;
        (m.Ciphertext, m.DeletedAt) = ([], now);
        await db.Reactions.Where(r => r.MessageId == m.Id).ExecuteDeleteAsync(ct);
        return new MessageChange(MessageChange.Deleted, m.Id.ToString(), actorId.ToString());
    }

    /// <summary>Sets the user's one reaction to <paramref name="emoji"/>, or takes it back (null); with <paramref name="toggle"/>, choosing the same again takes it back.</summary>
    public Task<ChangeRefused?> ReactAsync(long me, long messageId, string? emoji, CancellationToken ct, bool toggle = false)
    {
        if (emoji is not null && !Emoji.IsOne(emoji)) return Task.FromResult<ChangeRefused?>(new(400, "invalid_emoji", "A reaction is a single emoji."));
        return ChangeAsync(me, messageId, readsText: true, async (m, member, now) =>
        {
            if (m.DeletedAt is not null) return new ChangeRefused(409, "deleted", "The message was deleted.");
            var mine = await db.Reactions.FirstOrDefaultAsync(r => r.MessageId == m.Id && r.UserId == me, ct);
            var wanted = toggle && mine?.Emoji == emoji ? null : emoji;
            if (mine?.Emoji == wanted) return MessageChangeOutcome.Unchanged;
            if (mine is not null) db.Reactions.Remove(mine);
            if (wanted is not null) db.Reactions.Add(new Reaction { MessageId = m.Id, UserId = me, Emoji = wanted, At = now });
            return new MessageChange(MessageChange.Reacted, m.Id.ToString(), me.ToString(), wanted);
        }, ct);
    }

    /// <summary>Hides a message from the user's own history (and their other tabs, live); nobody else is told.</summary>
    public async Task<ChangeRefused?> HideAsync(long me, long messageId, CancellationToken ct)
    {
        if (await VisibleAsync(me, messageId, ct) is not var (m, _)) return NotFound;
        if (!await db.HiddenMessages.AnyAsync(h => h.UserId == me && h.MessageId == messageId, ct))
        {
            db.HiddenMessages.Add(new HiddenMessage { UserId = me, MessageId = messageId });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Hidden by another tab meanwhile: as wanted.
            }
            db.ChangeTracker.Clear();
        }
        await fanout.PublishAsync(Delivery.To(new HiddenEvent(m.Id.ToString(), m.ConversationId.ToString(), m.ClientMessageId), me));
        return null;
    }

    /// <summary>A text message of the conversation, in the user's membership, that they may act on (a current member).</summary>
    async Task<(Message Message, ConversationMember Member)?> VisibleAsync(long me, long messageId, CancellationToken ct, bool tracked = false)
    {
        var messages = tracked ? db.Messages : db.Messages.AsNoTracking();
        var m = await messages.FirstOrDefaultAsync(x => x.Id == messageId && x.Kind == MessageKind.Text, ct);
        if (m is null) return null;
        var member = await db.Members.AsNoTracking().FirstOrDefaultAsync(x => x.ConversationId == m.ConversationId && x.UserId == me, ct);
        return member?.Sees(m.Seq) == true ? (m, member) : null;
    }

    Task<ChangeRefused?> ChangeAsync(long me, long messageId, bool readsText, Func<Message, ConversationMember, DateTime, MessageChangeOutcome> change,
        CancellationToken ct) =>
        ChangeAsync(me, messageId, readsText, (m, member, now) => Task.FromResult(change(m, member, now)), ct);

    /// <summary>
    /// Runs <paramref name="change"/> on the message under its conversation's lock, after checking again that the user may
    /// act on it. A change that <paramref name="readsText"/> (an edit, a reaction) is refused in a secret conversation.
    /// </summary>
    async Task<ChangeRefused?> ChangeAsync(long me, long messageId, bool readsText, Func<Message, ConversationMember, DateTime, Task<MessageChangeOutcome>> change,
        CancellationToken ct)
    {
        // A conversation's kind never changes: read with its id, before the lock.
        var conversation = await (from m in db.Messages.AsNoTracking()
                                  join c in db.Conversations on m.ConversationId equals c.Id
                                  where m.Id == messageId
                                  select new { c.Id, c.Kind }).FirstOrDefaultAsync(ct);
        if (conversation is null) return NotFound;
        return await changes.ChangeMessageAsync(conversation.Id, me, async now =>
        {
            if (await VisibleAsync(me, messageId, ct, tracked: true) is not var (m, member) || member.LeftAt is not null) return NotFound;
            if (readsText && conversation.Kind == ConversationKind.Secret) return InSecret; // only to a member: others learn nothing
            return await change(m, member, now);
        }, ct);
    }
}
