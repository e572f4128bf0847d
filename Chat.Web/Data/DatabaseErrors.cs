using Microsoft.Data.Sqlite;
using Npgsql;

namespace Chat.Web.Data;

/// <summary>The database failure the app expects and handles, recognised whichever provider raised it.</summary>
public static class DatabaseErrors
{
    const int SqliteConstraintUnique = 2067, SqliteConstraintPrimaryKey = 1555; // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY

    /// <summary>
    /// A unique index refused a row: a taken phone number, or the loser of a race that one insert must win (two users
    /// opening their conversation at once). Only uniqueness: a NOT NULL, CHECK or foreign-key failure is a bug, not a conflict.
    /// </summary>
    public static bool IsUniqueViolation(Exception e) => e.GetBaseException() switch
    {
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException s => s.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey,
        _ => false,
    };
}
