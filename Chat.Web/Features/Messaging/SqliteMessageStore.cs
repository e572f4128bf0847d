using Chat.Web.Data;
using Microsoft.Data.Sqlite;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// One transaction per batch on one node (SQLite has no other writer process to order against, so no locks).
/// Statements here are calls into the embedded engine, not round trips: the batch's win is one commit.
/// </summary>
public sealed class SqliteMessageStore(string connectionString, WriteGate writes) : MessageStore
{
    const string FindEarlierSql = """SELECT "Id" FROM messages WHERE "SenderId" = $2 AND "ClientMessageId" = $4""";
    // Only a current member takes a seq: no row back means the conversation is gone or the sender left it, or one of a
    // direct message's pair blocked the other ($3, the receiver, is null in a group, where no block applies).
    const string TakeSeqSql = """
        UPDATE conversations SET "LastSeq" = "LastSeq" + 1, "LastMessageAt" = $6 WHERE "Id" = $1
        AND EXISTS (SELECT 1 FROM conversation_members WHERE "ConversationId" = $1 AND "UserId" = $2 AND "LeftAt" IS NULL)
        AND NOT EXISTS (SELECT 1 FROM blocks WHERE "BlockerId" = $3 AND "BlockedId" = $2 OR "BlockerId" = $2 AND "BlockedId" = $3)
        RETURNING "LastSeq"
        """;
    // A message's uploads, linked in its transaction while still unsent (see Attachable).
    const string LinkSql = """UPDATE attachments SET "MessageId" = $1, "ConversationId" = $2 WHERE "Id" = $3 AND "MessageId" IS NULL""";
    SqliteConnection? connection;

    public override async Task<StoreOutcome[]> StoreAsync(IReadOnlyList<Message> batch, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        if (connection is null)
        {
            connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(ct);
        }
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        await using var findEarlier = Command(FindEarlierSql, tx);
        await using var takeSeq = Command(TakeSeqSql, tx);
        await using var insert = Command($"""INSERT INTO {InsertColumns} VALUES ($1, $7, $2, $3, $4, $5, $6, 0, $8, $9) RETURNING "Id" """, tx);
        await using var link = Command(LinkSql, tx);
        var outcomes = new StoreOutcome[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var m = batch[i];
            // $1 conversation, $2 sender, $3 receiver, $4 client message id, $5 ciphertext, $6 created at, ($7 the seq), $8 replied to, $9 forwarded.
            object[] values = [m.ConversationId, m.SenderId, (object?)m.ReceiverId ?? DBNull.Value, m.ClientMessageId, m.Ciphertext, m.CreatedAt];
            foreach (var command in new[] { findEarlier, takeSeq, insert })
            {
                // SQLite binds by name; a statement ignores the parameters it does not use.
                command.Parameters.Clear();
                for (var n = 0; n < values.Length; n++) command.Parameters.AddWithValue("$" + (n + 1), values[n]);
            }
            if (await findEarlier.ExecuteScalarAsync(ct) is not null) outcomes[i] = StoreOutcome.StoredBefore;
            else if (await takeSeq.ExecuteScalarAsync(ct) is not long seq) outcomes[i] = StoreOutcome.NotMember;
            else
            {
                insert.Parameters.AddWithValue("$7", seq);
                insert.Parameters.AddWithValue("$8", (object?)m.ReplyToId ?? DBNull.Value);
                insert.Parameters.AddWithValue("$9", m.Forwarded);
                m.Seq = seq;
                m.Id = (long)(await insert.ExecuteScalarAsync(ct))!;
                foreach (var attachment in m.Attachments)
                {
                    link.Parameters.Clear();
                    link.Parameters.AddWithValue("$1", m.Id);
                    link.Parameters.AddWithValue("$2", m.ConversationId);
                    link.Parameters.AddWithValue("$3", attachment.Id);
                    await link.ExecuteNonQueryAsync(ct);
                }
                outcomes[i] = StoreOutcome.Stored;
            }
        }
        await tx.CommitAsync(ct);
        return outcomes;
    }

    static SqliteCommand Command(string sql, SqliteTransaction tx) => new(sql, tx.Connection, tx);

    public override async ValueTask DisposeAsync()
    {
        if (connection is not null) await connection.DisposeAsync();
    }
}
