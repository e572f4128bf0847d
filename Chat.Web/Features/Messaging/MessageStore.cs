using Chat.Web.Data;

namespace Chat.Web.Features.Messaging;

/// <summary>What became of one message of a stored batch.</summary>
public enum StoreOutcome
{
    /// <summary>Stored now; its Id and Seq are set.</summary>
    Stored,
    /// <summary>Its sender's client message id was stored before: nothing new was stored.</summary>
    StoredBefore,
    /// <summary>
    /// The sender is not a current member: they left the group or were removed meanwhile, or the conversation is gone
    /// (an admin deleted one of a pair's users); or, for a direct message, one of the pair blocked the other.
    /// </summary>
    NotMember,
}

/// <summary>
/// The provider's half of <see cref="MessageWriter"/>: stores a batch of messages in one transaction, in the
/// given order. Each message takes its conversation's next seq (the UPDATE's row lock queues concurrent
/// writers, and a message not stored takes no number, so seqs stay gapless) unless its client message id is
/// stored already. Both providers take the same three steps per message (find an earlier copy of its client message
/// id, take the next seq, insert); PostgreSQL takes them for the whole batch in one statement, SQLite one message at a time.
/// Used by the writer's one loop only, so one connection is enough.
/// </summary>
public abstract class MessageStore : IAsyncDisposable
{
    // Kind 0, a text message: system messages are written by ConversationChanges, never here.
    protected const string InsertColumns = """messages ("ConversationId", "Seq", "SenderId", "ReceiverId", "ClientMessageId", "Ciphertext", "CreatedAt", "Kind", "ReplyToId", "Forwarded")""";

    public abstract Task<StoreOutcome[]> StoreAsync(IReadOnlyList<Message> batch, CancellationToken ct);

    /// <summary>
    /// The seq of each conversation's last membership change, read while the batch still holds the conversations (no
    /// change can come between): the batch's group messages carry it, so a node's older member list is read again.
    /// Empty where one node is the only writer (SQLite): its member lists are dropped as the changes happen.
    /// </summary>
    public virtual Task<Dictionary<long, long>> MembersChangedAtAsync(long[] conversationIds) => Task.FromResult(new Dictionary<long, long>());

    /// <summary>Lets go of the conversations the last batch held (see <see cref="PostgresMessageStore"/>); once its events are published.</summary>
    public virtual Task ReleaseAsync() => Task.CompletedTask;

    public abstract ValueTask DisposeAsync();
}
