namespace Chat.Web.Data;

/// <summary>
/// The full-text index of text messages, kept by the database itself: it follows every INSERT, every UPDATE of
/// "Ciphertext" (an edit, a delete for everyone) and every DELETE of a message row without any application code.
/// The migration SearchBlocksReports runs these statements; change them only in a new migration.
/// </summary>
public static class SearchIndex
{
    /// <summary>
    /// An expression index: English stems (so "running" finds "runs") plus every word as it is (the simple
    /// configuration: any language's words, and English stop words). Only text rows not deleted for everyone are
    /// indexed. A ciphertext that is not valid UTF-8 (a real client's encrypted bytes) indexes as no words instead
    /// of failing the insert. The exception block is a subtransaction, which PostgreSQL refuses inside a parallel query
    /// ("cannot start subtransactions during a parallel operation", seen at 300,000 messages): hence PARALLEL UNSAFE.
    /// </summary>
    public const string PostgresUp = """
        CREATE FUNCTION chat_message_text(body bytea) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL UNSAFE AS $$
        BEGIN
            RETURN convert_from(body, 'UTF8');
        EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
            RETURN '';
        END $$;
        CREATE FUNCTION chat_search_vector(body bytea) RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT PARALLEL UNSAFE AS $$
            SELECT to_tsvector('simple'::regconfig, chat_message_text(body)) || to_tsvector('english'::regconfig, chat_message_text(body))
        $$;
        CREATE INDEX "IX_messages_search" ON messages USING gin (chat_search_vector("Ciphertext")) WHERE "Kind" = 0 AND "DeletedAt" IS NULL;
        """;

    public const string PostgresDown = """
        DROP INDEX "IX_messages_search";
        DROP FUNCTION chat_search_vector(bytea);
        DROP FUNCTION chat_message_text(bytea);
        """;

    /// <summary>
    /// A contentless FTS5 table (the text stays only in messages) keyed by the message id, with Porter stems over
    /// unicode61 words (any language's letters, diacritics folded), filled by triggers. A delete for everyone empties
    /// the ciphertext, which leaves no words to find.
    /// </summary>
    public const string SqliteUp = """
        CREATE VIRTUAL TABLE message_search USING fts5(body, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2');
        INSERT INTO message_search(rowid, body) SELECT "Id", CAST("Ciphertext" AS TEXT) FROM messages WHERE "Kind" = 0 AND "DeletedAt" IS NULL;
        CREATE TRIGGER messages_search_insert AFTER INSERT ON messages WHEN new."Kind" = 0 BEGIN
            INSERT INTO message_search(rowid, body) VALUES (new."Id", CAST(new."Ciphertext" AS TEXT));
        END;
        CREATE TRIGGER messages_search_update AFTER UPDATE OF "Ciphertext" ON messages WHEN new."Kind" = 0 BEGIN
            DELETE FROM message_search WHERE rowid = old."Id";
            INSERT INTO message_search(rowid, body) VALUES (new."Id", CAST(new."Ciphertext" AS TEXT));
        END;
        CREATE TRIGGER messages_search_delete AFTER DELETE ON messages WHEN old."Kind" = 0 BEGIN
            DELETE FROM message_search WHERE rowid = old."Id";
        END;
        """;

    public const string SqliteDown = """
        DROP TRIGGER messages_search_delete;
        DROP TRIGGER messages_search_update;
        DROP TRIGGER messages_search_insert;
        DROP TABLE message_search;
        """;
}
