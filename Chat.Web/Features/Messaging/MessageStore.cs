using Chat.Web.Data;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Chat.Web.Features.Messaging;

/// <summary>What became of one message of a stored batch.</summary>
public enum StoreOutcome
{
    /// <summary>Stored now; its Id and Seq are set.</summary>
    Stored,
    /// <summary>Its sender's client message id was stored before: nothing new was stored.</summary>
    StoredBefore,
    /// <summary>The conversation no longer exists (an admin removed one of its users meanwhile).</summary>
    ConversationGone,
}

/// <summary>
/// The provider's half of <see cref="MessageWriter"/>: stores a batch of messages in one transaction, in the
/// given order. Each message takes its conversation's next seq (the UPDATE's row lock queues concurrent
/// writers, and a message not stored takes no number, so seqs stay gapless) unless its client message id is
/// stored already. Both providers run the same three steps per message; only how they reach the database differs.
/// Used by the writer's one loop only, so one connection is enough.
/// </summary>
public abstract class MessageStore : IAsyncDisposable
{
    protected const string FindEarlierSql = """SELECT "Id" FROM messages WHERE "SenderId" = $2 AND "ClientMessageId" = $4""";
    protected const string TakeSeqSql = """UPDATE conversations SET "LastSeq" = "LastSeq" + 1 WHERE "Id" = $1""";
    protected const string InsertColumns = """messages ("ConversationId", "Seq", "SenderId", "ReceiverId", "ClientMessageId", "Ciphertext", "CreatedAt")""";

    public abstract Task<StoreOutcome[]> StoreAsync(IReadOnlyList<Message> batch, CancellationToken ct);

    /// <summary>Lets go of the conversations the last batch held (see <see cref="PostgresMessageStore"/>); once its events are published.</summary>
    public virtual Task ReleaseAsync() => Task.CompletedTask;

    public abstract ValueTask DisposeAsync();

    /// <summary>The statements' parameters, in order: $1 conversation, $2 sender, $3 receiver, $4 client message id, $5 ciphertext, $6 created at.</summary>
    protected static object[] MessageParameters(Message m) => [m.ConversationId, m.SenderId, m.ReceiverId, m.ClientMessageId, m.Ciphertext, m.CreatedAt];
}

/// <summary>
/// One NpgsqlBatch per batch of messages: one round trip and one commit (one fsync) for all of them.
/// The batch also takes a session-level advisory lock on each of its conversations, held past the commit
/// until the writer has published the batch's events: the UPDATE's row lock ends at commit, and without
/// the advisory lock a second node could commit and publish the conversation's next seq before this node
/// published the previous one. The locks are taken in ascending conversation id, and every batch first lets
/// go of whatever the session still holds, so two nodes' batches never wait on each other in a cycle.
/// </summary>
public sealed class PostgresMessageStore(string connectionString, ILogger<PostgresMessageStore> log) : MessageStore
{
    const int UniqueViolationRetries = 3;

    // One statement per message. "earlier" sees the table as it was before the statement, so a retried client
    // message id takes no seq and returns the stored row's id with seq 0; no row at all: the conversation is gone.
    static readonly string StoreSql = $"""
        WITH earlier AS ({FindEarlierSql}),
             next AS ({TakeSeqSql} AND NOT EXISTS (SELECT FROM earlier) RETURNING "LastSeq"),
             inserted AS (INSERT INTO {InsertColumns} SELECT $1, "LastSeq", $2, $3, $4, $5, $6 FROM next RETURNING "Id", "Seq")
        SELECT "Id", "Seq" FROM inserted
        UNION ALL SELECT "Id", 0 FROM earlier
        """;

    NpgsqlConnection? connection;

    public override async Task<StoreOutcome[]> StoreAsync(IReadOnlyList<Message> batch, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryStoreAsync(batch, ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && attempt < UniqueViolationRetries)
            {
                // The same client message id committed by another node after our statement's snapshot: the batch
                // rolled back as a whole; run it again, and "earlier" finds the other node's row this time.
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                await ResetAsync(e);
                throw;
            }
        }
    }

    async Task<StoreOutcome[]> TryStoreAsync(IReadOnlyList<Message> batch, CancellationToken ct)
    {
        var conn = await ConnectionAsync(ct);
        await using var command = new NpgsqlBatch(conn);
        command.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_advisory_unlock_all()"));
        var conversations = batch.Select(m => m.ConversationId).Distinct().Order().ToList();
        foreach (var id in conversations)
            command.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_advisory_lock($1)") { Parameters = { new() { Value = id } } });
        foreach (var m in batch)
        {
            var store = new NpgsqlBatchCommand(StoreSql);
            foreach (var value in MessageParameters(m)) store.Parameters.Add(new NpgsqlParameter { Value = value }); // positional: $1, $2, ...
            command.BatchCommands.Add(store);
        }
        // Without an explicit transaction a batch is one implicit transaction: all messages commit, or none.
        await using var reader = await command.ExecuteReaderAsync(ct);
        for (var i = 0; i <= conversations.Count; i++) await reader.NextResultAsync(ct); // past the unlock and the locks
        var outcomes = new StoreOutcome[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            if (!await reader.ReadAsync(ct)) outcomes[i] = StoreOutcome.ConversationGone;
            else if (reader.GetInt64(1) == 0) outcomes[i] = StoreOutcome.StoredBefore;
            else
            {
                (batch[i].Id, batch[i].Seq) = (reader.GetInt64(0), reader.GetInt64(1));
                outcomes[i] = StoreOutcome.Stored;
            }
            await reader.NextResultAsync(ct);
        }
        return outcomes;
    }

    public override async Task ReleaseAsync()
    {
        if (connection is null) return;
        try
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            await ResetAsync(e); // a closed session holds no locks
        }
    }

    async ValueTask<NpgsqlConnection> ConnectionAsync(CancellationToken ct)
    {
        if (connection is { State: System.Data.ConnectionState.Open }) return connection;
        if (connection is not null) await connection.DisposeAsync();
        connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    /// <summary>A broken connection is replaced on the next batch; closing it ends the session and with it its locks.</summary>
    async Task ResetAsync(Exception e)
    {
        log.LogWarning("The message writer's PostgreSQL connection failed ({Reason}); reconnecting", e.GetType().Name);
        if (connection is not null) await connection.DisposeAsync();
        connection = null;
    }

    public override async ValueTask DisposeAsync()
    {
        if (connection is not null) await connection.DisposeAsync();
    }
}

/// <summary>
/// One transaction per batch on one node (SQLite has no other writer process to order against, so no locks).
/// Statements here are calls into the embedded engine, not round trips: the batch's win is one commit.
/// </summary>
public sealed class SqliteMessageStore(string connectionString, WriteGate writes) : MessageStore
{
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
        await using var takeSeq = Command(TakeSeqSql + """ RETURNING "LastSeq" """, tx);
        await using var insert = Command($"""INSERT INTO {InsertColumns} VALUES ($1, $7, $2, $3, $4, $5, $6) RETURNING "Id" """, tx);
        var outcomes = new StoreOutcome[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var m = batch[i];
            var values = MessageParameters(m);
            foreach (var command in new[] { findEarlier, takeSeq, insert })
            {
                // SQLite binds by name; a statement ignores the parameters it does not use.
                command.Parameters.Clear();
                for (var n = 0; n < values.Length; n++) command.Parameters.AddWithValue("$" + (n + 1), values[n]);
            }
            if (await findEarlier.ExecuteScalarAsync(ct) is not null) outcomes[i] = StoreOutcome.StoredBefore;
            else if (await takeSeq.ExecuteScalarAsync(ct) is not long seq) outcomes[i] = StoreOutcome.ConversationGone;
            else
            {
                insert.Parameters.AddWithValue("$7", seq);
                m.Seq = seq;
                m.Id = (long)(await insert.ExecuteScalarAsync(ct))!;
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
