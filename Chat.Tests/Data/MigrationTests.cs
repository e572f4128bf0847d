using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Chat.Tests.Data;

/// <summary>
/// A database made by the migrations before conversation members, with conversations and messages in it, migrates to
/// the current model with nothing lost: every message keeps its id and seq, and each pair's conversation has its two members.
/// </summary>
public sealed class MigrationTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    const string BeforeMembers = "_MessagesWithoutReceiverIndex";

    [Theory]
    [InlineData(Storage.Postgres)]
    [InlineData(Storage.Sqlite)]
    public async Task Conversations_and_messages_of_the_previous_schema_migrate_with_the_same_ids_and_seqs_and_gain_their_members(Storage storage)
    {
        var sqliteFile = Path.Combine(Path.GetTempPath(), $"chat-migration-{Guid.NewGuid():N}.db");
        ChatDbContext db = storage == Storage.Postgres
            ? new PostgresChatDbContext(new DbContextOptionsBuilder<PostgresChatDbContext>().UseNpgsql(await servers.CreateDatabaseAsync()).Options)
            : new SqliteChatDbContext(new DbContextOptionsBuilder<SqliteChatDbContext>().UseSqlite($"Data Source={sqliteFile}").Options);
        await using (db)
        {
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(db.Database.GetMigrations().Single(m => m.EndsWith(BeforeMembers)), cancellationToken: Ct);

            // The previous schema, written as it was: users, two pair conversations, and their messages.
            var at = new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);
            foreach (var (id, phone) in new[] { (11L, "+15550001111"), (12L, "+15550001212"), (13L, "+15550001313") })
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO users ("Id", "Phone", "DisplayName", "PasswordHash", "IdentityKey", "IsAdmin", "TokenVersion", "CreatedAt")
                    VALUES ({id}, {phone}, {"User " + id}, {"hash"}, {"key"}, {false}, {0}, {at})
                    """, Ct);
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO conversations ("Id", "AId", "BId", "LastSeq", "CreatedAt") VALUES ({21L}, {11L}, {12L}, {3L}, {at}), ({22L}, {11L}, {13L}, {2L}, {at})
                """, Ct);
            var messages = new (long Id, long Conversation, long Seq, long From, long To)[]
            {
                (101, 21, 1, 11, 12), (102, 21, 2, 12, 11), (103, 22, 1, 13, 11), (104, 21, 3, 11, 12), (105, 22, 2, 11, 13),
            };
            foreach (var m in messages)
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO messages ("Id", "ConversationId", "Seq", "SenderId", "ReceiverId", "ClientMessageId", "Ciphertext", "CreatedAt", "ReadAt")
                    VALUES ({m.Id}, {m.Conversation}, {m.Seq}, {m.From}, {m.To}, {"c-" + m.Id}, {new byte[] { 1, 2, (byte)m.Id }}, {at}, {(m.Seq == 1 ? at : (DateTime?)null)})
                    """, Ct);

            await migrator.MigrateAsync(cancellationToken: Ct);

            Assert.Empty(await db.Database.GetPendingMigrationsAsync(Ct));
            var after = await db.Messages.AsNoTracking().OrderBy(m => m.Id).ToListAsync(Ct);
            Assert.Equal(messages.Select(m => (m.Id, m.Conversation, m.Seq, m.From, m.To)),
                after.Select(m => (m.Id, m.ConversationId, m.Seq, m.SenderId, m.ReceiverId!.Value)));
            Assert.All(after, m => Assert.Equal(new byte[] { 1, 2, (byte)m.Id }, m.Ciphertext));
            Assert.Equal([101L, 103L], after.Where(m => m.ReadAt == at).Select(m => m.Id));

            var conversations = await db.Conversations.AsNoTracking().OrderBy(c => c.Id).ToListAsync(Ct);
            Assert.Equal([(21L, ConversationKind.Direct, (string?)null, 3L), (22L, ConversationKind.Direct, null, 2L)],
                conversations.Select(c => (c.Id, c.Kind, c.Name, c.LastSeq)));
            Assert.All(conversations, c => Assert.Equal(at, c.LastMessageAt)); // the list's order, from the last message
            Assert.All(after, m => Assert.Equal(MessageKind.Text, m.Kind));
            var members = await db.Members.AsNoTracking().OrderBy(m => m.ConversationId).ThenBy(m => m.UserId).ToListAsync(Ct);
            Assert.Equal([(21L, 11L), (21L, 12L), (22L, 11L), (22L, 13L)], members.Select(m => (m.ConversationId, m.UserId)));
            Assert.All(members, m => Assert.Equal((MemberRole.Member, at, 0L, (DateTime?)null), (m.Role, m.JoinedAt, m.JoinedAfterSeq, m.LeftAt)));
        }
        if (File.Exists(sqliteFile)) File.Delete(sqliteFile);
    }
}
