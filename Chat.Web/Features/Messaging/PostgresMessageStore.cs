using Chat.Web.Data;
using Npgsql;

namespace Chat.Web.Features.Messaging;

/// <summary>
/// One NpgsqlBatch per batch of messages: one round trip and one commit (one fsync) for all of them, and a fixed
/// three statements whatever the batch's size, prepared once per connection (Npgsql's auto-prepare), so the server
/// neither parses nor plans per message. The batch also takes a session-level advisory lock on each of its
/// conversations, held past the commit until the writer has published the batch's events: the UPDATE's row lock
/// ends at commit, and without the advisory lock a second node could commit and publish the conversation's next seq
/// before this node published the previous one. The locks are taken in ascending conversation id, and every batch
/// first lets go of whatever the session still holds, so two nodes' batches never wait on each other in a cycle.
/// </summary>
public sealed class PostgresMessageStore(string connectionString, ILogger<PostgresMessageStore> log) : MessageStore
{
    const int UniqueViolationRetries = 3;

    // unnest keeps the array's order, and the array is sorted: the locks are taken in ascending id.
    const string LockSql = "SELECT pg_advisory_lock(id) FROM unnest($1::bigint[]) AS id";

    // The whole batch in one statement, the same three steps per message as SQLite's store, set-wise. "earlier" sees
    // the table as it was before the statement, so a retried client message id takes no seq and comes back with its
    // stored row's id and seq 0. Each conversation's counter moves once, by its count of new messages, which take the
    // numbers after it in batch order. A position with no row at all: its conversation is gone, or its sender is not
    // (or no longer) a member, or one of a direct message's pair blocked the other (checked here, where the batch reads
    // anyway, so a block costs the send no round trip of its own; a group message has no receiver and no block applies).
    // A membership change holds the conversation's advisory lock until it is published (Groups), so this statement, which
    // runs after the lock is taken, sees it. "linked" gives each new message its uploads ($9 positions, $10 upload ids),
    // only those still unsent (see Attachable).
    // The statement is prepared once, when the tables may still be empty; "earlier" is a LATERAL ... LIMIT 1 so that
    // its plan is an index lookup per message whatever the statistics said then (a plain join was planned as a hash
    // join over a sequential scan of messages, and that plan stayed cached while the table grew).
    static readonly string StoreSql = $"""
        WITH input AS (
            SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bytea[], $6::timestamptz[], $7::bigint[], $8::boolean[])
                WITH ORDINALITY AS i(conversation, sender, receiver, client, ciphertext, created, reply_to, forwarded, position)),
        earlier AS (
            SELECT i.position, m."Id" FROM input i
            CROSS JOIN LATERAL (SELECT "Id" FROM messages WHERE "SenderId" = i.sender AND "ClientMessageId" = i.client LIMIT 1) m),
        fresh AS (
            SELECT i.*, row_number() OVER (PARTITION BY i.conversation ORDER BY i.position) AS nth
            FROM input i WHERE i.position NOT IN (SELECT position FROM earlier)
            AND EXISTS (SELECT 1 FROM conversation_members cm
                WHERE cm."ConversationId" = i.conversation AND cm."UserId" = i.sender AND cm."LeftAt" IS NULL)
            AND NOT EXISTS (SELECT 1 FROM blocks b
                WHERE b."BlockerId" = i.receiver AND b."BlockedId" = i.sender OR b."BlockerId" = i.sender AND b."BlockedId" = i.receiver)),
        taken AS (
            UPDATE conversations c SET "LastSeq" = c."LastSeq" + f.count, "LastMessageAt" = f.last
            FROM (SELECT conversation, count(*) AS count, max(created) AS last FROM fresh GROUP BY conversation) f
            WHERE c."Id" = f.conversation
            RETURNING c."Id", c."LastSeq" - f.count AS before),
        numbered AS (
            SELECT f.*, t.before + f.nth AS seq FROM fresh f JOIN taken t ON t."Id" = f.conversation),
        inserted AS (
            INSERT INTO {InsertColumns}
            SELECT conversation, seq, sender, receiver, client, ciphertext, created, 0, reply_to, forwarded FROM numbered ORDER BY position
            RETURNING "Id", "ConversationId", "Seq"),
        linked AS (
            UPDATE attachments a SET "MessageId" = ins."Id", "ConversationId" = ins."ConversationId"
            FROM unnest($9::bigint[], $10::text[]) AS l(position, attachment)
            JOIN numbered n ON n.position = l.position
            JOIN inserted ins ON ins."ConversationId" = n.conversation AND ins."Seq" = n.seq
            WHERE a."Id" = l.attachment AND a."MessageId" IS NULL)
        SELECT n.position, i."Id", i."Seq" FROM numbered n JOIN inserted i ON i."ConversationId" = n.conversation AND i."Seq" = n.seq
        UNION ALL SELECT position, "Id", 0 FROM earlier
        """;

    // Auto-prepare: the writer's three statements are prepared on first use and reused by every later batch.
    readonly string preparedConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 8, AutoPrepareMinUsages = 1 }.ConnectionString;
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
        await using var command = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT pg_advisory_unlock_all()"),
                new NpgsqlBatchCommand(LockSql) { Parameters = { new() { Value = batch.Select(m => m.ConversationId).Distinct().Order().ToArray() } } },
                new NpgsqlBatchCommand(StoreSql)
                {
                    Parameters =
                    {
                        new() { Value = batch.Select(m => m.ConversationId).ToArray() },
                        new() { Value = batch.Select(m => m.SenderId).ToArray() },
                        new() { Value = batch.Select(m => m.ReceiverId).ToArray() },
                        new() { Value = batch.Select(m => m.ClientMessageId).ToArray() },
                        new() { Value = batch.Select(m => m.Ciphertext).ToArray() },
                        new() { Value = batch.Select(m => m.CreatedAt).ToArray() },
                        new() { Value = batch.Select(m => m.ReplyToId).ToArray() },
                        new() { Value = batch.Select(m => m.Forwarded).ToArray() },
                        new() { Value = batch.SelectMany((m, i) => m.Attachments.Select(_ => (long)i + 1)).ToArray() },
                        new() { Value = batch.SelectMany(m => m.Attachments.Select(a => a.Id)).ToArray() },
                    },
                },
            },
        };
        // Without an explicit transaction a batch is one implicit transaction: all messages commit, or none.
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct); // past the unlock
        await reader.NextResultAsync(ct); // past the locks
        var outcomes = new StoreOutcome[batch.Count];
        outcomes.AsSpan().Fill(StoreOutcome.NotMember);
        while (await reader.ReadAsync(ct))
        {
            var i = (int)reader.GetInt64(0) - 1;
            if (reader.GetInt64(2) == 0) outcomes[i] = StoreOutcome.StoredBefore;
            else
            {
                (batch[i].Id, batch[i].Seq) = (reader.GetInt64(1), reader.GetInt64(2));
                outcomes[i] = StoreOutcome.Stored;
            }
        }
        return outcomes;
    }

    public override async Task<Dictionary<long, long>> MembersChangedAtAsync(long[] conversationIds)
    {
        var changed = new Dictionary<long, long>(conversationIds.Length);
        try
        {
            var conn = await ConnectionAsync(CancellationToken.None);
            await using var command = new NpgsqlCommand("""SELECT "Id", "MembersChangedAtSeq" FROM conversations WHERE "Id" = ANY($1)""", conn)
            {
                Parameters = { new() { Value = conversationIds } },
            };
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) changed[reader.GetInt64(0)] = reader.GetInt64(1);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            await ResetAsync(e); // delivered by the lists as they are: what a stale one missed, sync brings
        }
        return changed;
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
        connection = new NpgsqlConnection(preparedConnectionString);
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
