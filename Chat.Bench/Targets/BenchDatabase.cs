using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Chat.Bench.Targets;

/// <summary>
/// The app's database as the bench sees it from outside: a fresh one per app target, the settings
/// that point the app at it, a row count to reconcile runs against, and bulk seeding for history depth.
/// Table and column names are the app's (EF Core: snake-case tables, PascalCase quoted columns).
/// </summary>
public abstract class BenchDatabase : IAsyncDisposable
{
    public abstract string Storage { get; }
    public abstract IReadOnlyDictionary<string, string> AppEnvironment { get; }
    public abstract Task<long> CountMessagesAsync();

    /// <summary>
    /// Writes <paramref name="count"/> messages with seqs 1..count into an empty conversation, alternating
    /// senders, and sets the conversation's LastSeq, as if they had been sent one by one. Each message's ciphertext is
    /// <paramref name="ciphertextOf"/>(seq), or <paramref name="messageBytes"/> bytes of filler.
    /// </summary>
    public abstract Task SeedConversationAsync(long conversationId, long userA, long userB, int count, int messageBytes, Func<long, byte[]>? ciphertextOf = null);

    /// <summary>The size of the full-text search index (Chat.Web's Data/SearchIndex) on disk.</summary>
    public abstract Task<long> SearchIndexBytesAsync();

    /// <summary>CPU time the database servers behind the app have used so far; null for what runs inside the app or cannot be read from here.</summary>
    public virtual Task<(TimeSpan? Postgres, TimeSpan? Redis)> CpuAsync() => Task.FromResult<(TimeSpan?, TimeSpan?)>((null, null));

    public abstract ValueTask DisposeAsync();

    /// <summary>Background work owed for the writes so far (vacuum, checkpoint), done now rather than during a measured run.</summary>
    public virtual Task SettleAsync() => Task.CompletedTask;

    /// <summary>The app's MessageKind.Text. Written explicitly: SQLite's rebuilt messages table has no default for the column.</summary>
    protected const int TextKind = 0;

    protected static byte[] SeedCiphertext(int size) => [.. Enumerable.Range(0, size).Select(i => (byte)(i * 7 + 1))];
}

public sealed class PostgresBenchDatabase : BenchDatabase
{
    readonly string admin, connectionString, name, redis;
    readonly IReadOnlyDictionary<string, string> environment;
    Task<int?>? postmaster;

    PostgresBenchDatabase(string admin, string name, string redis)
    {
        this.admin = admin;
        this.name = name;
        this.redis = redis;
        connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        environment = new Dictionary<string, string> { ["DATABASE_URL"] = connectionString, ["REDIS_URL"] = redis };
    }

    public override string Storage => "PostgreSQL + Redis";
    public override IReadOnlyDictionary<string, string> AppEnvironment => environment;

    public static async Task<PostgresBenchDatabase> CreateAsync(string adminConnectionString, string redis)
    {
        var name = "bench_" + Guid.NewGuid().ToString("N")[..10];
        await using var conn = new NpgsqlConnection(adminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
        await cmd.ExecuteNonQueryAsync();
        return new PostgresBenchDatabase(adminConnectionString, name, redis);
    }

    /// <summary>PostgreSQL: its main process and all its children (backends, WAL writer, checkpointer, autovacuum), when it runs on this machine.</summary>
    public override async Task<(TimeSpan? Postgres, TimeSpan? Redis)> CpuAsync() =>
        (await (postmaster ??= FindPostmasterAsync()) is { } pid ? ProcStat.CpuWithChildren(pid) : null, await RedisCpu.ReadAsync(redis));

    /// <summary>The parent of one of our backends, if that is a local postgres process (pg_backend_pid is in the server's pid namespace).</summary>
    async Task<int?> FindPostmasterAsync()
    {
        try
        {
            await using var conn = new NpgsqlConnection(connectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT pg_backend_pid()", conn);
            var backend = (int)(await cmd.ExecuteScalarAsync())!;
            return ProcStat.NameOf(backend) == "postgres" && ProcStat.ParentOf(backend) is { } parent && ProcStat.NameOf(parent) == "postgres" ? parent : null;
        }
        catch (NpgsqlException)
        {
            return null; // the run itself reports what is wrong with the database
        }
    }

    /// <summary>
    /// VACUUM ANALYZE: autovacuum of the inserts of one group size's runs, on the server's one core, was
    /// seen to stall the next size's runs (docs/performance-log.md, "Groups").
    /// </summary>
    public override async Task SettleAsync()
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE", conn) { CommandTimeout = 600 };
        await vacuum.ExecuteNonQueryAsync();
    }

    public override async Task<long> CountMessagesAsync()
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM messages", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Binary COPY: the fastest way into PostgreSQL, about a second per 100,000 rows here.</summary>
    public override async Task SeedConversationAsync(long conversationId, long userA, long userB, int count, int messageBytes, Func<long, byte[]>? ciphertextOf = null)
    {
        var filler = SeedCiphertext(messageBytes);
        ciphertextOf ??= _ => filler;
        var start = DateTime.UtcNow.AddSeconds(-count);
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using (var copy = await conn.BeginBinaryImportAsync(
            """COPY messages ("ConversationId", "Seq", "SenderId", "ReceiverId", "ClientMessageId", "Ciphertext", "CreatedAt", "Kind") FROM STDIN (FORMAT BINARY)"""))
        {
            for (var seq = 1L; seq <= count; seq++)
            {
                var (from, to) = seq % 2 == 0 ? (userA, userB) : (userB, userA);
                await copy.StartRowAsync();
                await copy.WriteAsync(conversationId, NpgsqlDbType.Bigint);
                await copy.WriteAsync(seq, NpgsqlDbType.Bigint);
                await copy.WriteAsync(from, NpgsqlDbType.Bigint);
                await copy.WriteAsync(to, NpgsqlDbType.Bigint);
                await copy.WriteAsync($"seed-{conversationId}-{seq}", NpgsqlDbType.Varchar);
                await copy.WriteAsync(ciphertextOf(seq), NpgsqlDbType.Bytea);
                await copy.WriteAsync(start.AddSeconds(seq), NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(TextKind, NpgsqlDbType.Integer);
            }
            await copy.CompleteAsync();
        }
        // Fresh statistics, as autovacuum would soon have gathered, so the planner sees the real table.
        await using var cmd = new NpgsqlCommand("""UPDATE conversations SET "LastSeq" = @count WHERE "Id" = @id; ANALYZE messages;""", conn);
        cmd.Parameters.AddWithValue("count", (long)count);
        cmd.Parameters.AddWithValue("id", conversationId);
        await cmd.ExecuteNonQueryAsync();
    }

    public override async Task<long> SearchIndexBytesAsync()
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""SELECT pg_relation_size('"IX_messages_search"')""", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    public override async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(admin);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}

public sealed class SqliteBenchDatabase(string directory) : BenchDatabase
{
    readonly string path = Path.Combine(directory, $"bench-{Guid.NewGuid():N}.db");

    public override string Storage => "SQLite";
    public override IReadOnlyDictionary<string, string> AppEnvironment =>
        new Dictionary<string, string> { ["SQLITE_CONNECTION"] = $"Data Source={path}" };

    SqliteConnection Open()
    {
        var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 60 }.ToString());
        conn.Open();
        return conn;
    }

    public override async Task<long> CountMessagesAsync()
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM messages";
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>One transaction and one prepared insert: SQLite's bulk path.</summary>
    public override async Task SeedConversationAsync(long conversationId, long userA, long userB, int count, int messageBytes, Func<long, byte[]>? ciphertextOf = null)
    {
        var filler = SeedCiphertext(messageBytes);
        ciphertextOf ??= _ => filler;
        var start = DateTime.UtcNow.AddSeconds(-count);
        await using var conn = Open();
        await using var tx = conn.BeginTransaction();
        await using var insert = conn.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO messages ("ConversationId", "Seq", "SenderId", "ReceiverId", "ClientMessageId", "Ciphertext", "CreatedAt", "Kind")
            VALUES ($conversation, $seq, $from, $to, $client, $ciphertext, $at, $kind)
            """;
        var p = new[] { "$conversation", "$seq", "$from", "$to", "$client", "$ciphertext", "$at" }
            .Select(n => insert.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        insert.Parameters.AddWithValue("$kind", TextKind);
        insert.Prepare();
        p[0].Value = conversationId;
        for (var seq = 1L; seq <= count; seq++)
        {
            var (from, to) = seq % 2 == 0 ? (userA, userB) : (userB, userA);
            p[1].Value = seq;
            p[2].Value = from;
            p[3].Value = to;
            p[4].Value = $"seed-{conversationId}-{seq}";
            p[5].Value = ciphertextOf(seq);
            // EF Core's SQLite text format for DateTime.
            p[6].Value = start.AddSeconds(seq).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture);
            insert.ExecuteNonQuery();
        }
        await using var update = conn.CreateCommand();
        update.Transaction = tx;
        update.CommandText = """UPDATE conversations SET "LastSeq" = $count WHERE "Id" = $id""";
        update.Parameters.AddWithValue("$count", (long)count);
        update.Parameters.AddWithValue("$id", conversationId);
        update.ExecuteNonQuery();
        tx.Commit();
    }

    /// <summary>
    /// The FTS5 table's shadow tables by their payload: the index's blocks, its segment directory and the per-row sizes
    /// (the bundled SQLite has no dbstat to count pages), so a little under what they take on disk.
    /// </summary>
    public override async Task<long> SearchIndexBytesAsync()
    {
        await using var conn = Open();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            SELECT (SELECT coalesce(sum(length(block)), 0) + count(*) * 8 FROM message_search_data)
                 + (SELECT coalesce(sum(length(term)), 0) + count(*) * 16 FROM message_search_idx)
                 + (SELECT coalesce(sum(length(sz)), 0) + count(*) * 16 FROM message_search_docsize)
            """;
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            if (File.Exists(path + suffix)) File.Delete(path + suffix);
        return ValueTask.CompletedTask;
    }
}
