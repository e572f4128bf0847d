using System.Data.Common;
using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Chat.Tests.Data;

/// <summary>
/// Which database failures count as the conflict the app handles (a 409 for a taken phone, no error in the log), raised
/// by the real engines: only a unique index's refusal. A NOT NULL failure or a missing table is a bug, which must surface
/// as one (before, any SQLite constraint failure counted, so a NOT NULL bug in registration answered "phone taken").
/// </summary>
public sealed class DatabaseErrorsTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(Storage.Postgres)]
    [InlineData(Storage.Sqlite)]
    public async Task Only_a_unique_index_refusing_a_row_is_a_handled_conflict(Storage storage)
    {
        await using DbConnection connection = storage == Storage.Postgres
            ? new NpgsqlConnection(await servers.CreateDatabaseAsync())
            : new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync(Ct);
        await ExecuteAsync(connection, "CREATE TABLE people (id INTEGER PRIMARY KEY, phone TEXT NOT NULL UNIQUE)");
        await ExecuteAsync(connection, "INSERT INTO people VALUES (1, '+15550001')");

        var takenPhone = await FailureAsync(connection, "INSERT INTO people VALUES (2, '+15550001')");
        var takenId = await FailureAsync(connection, "INSERT INTO people VALUES (1, '+15550002')");
        var noPhone = await FailureAsync(connection, "INSERT INTO people VALUES (3, NULL)");
        var noTable = await FailureAsync(connection, "SELECT * FROM no_such_table");

        Assert.True(DatabaseErrors.IsUniqueViolation(takenPhone));
        Assert.True(DatabaseErrors.IsUniqueViolation(takenId));
        Assert.False(DatabaseErrors.IsUniqueViolation(noPhone));
        Assert.False(DatabaseErrors.IsUniqueViolation(noTable));
    }

    static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    static async Task<DbException> FailureAsync(DbConnection connection, string sql) =>
        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync(connection, sql));
}
