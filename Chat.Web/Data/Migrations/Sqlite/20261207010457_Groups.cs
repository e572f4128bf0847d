using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Groups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<long>(
                name: "ReceiverId",
                table: "messages",
                type: "INTEGER",
                nullable: true,
                oldClrType: typeof(long),
                oldType: "INTEGER");

            migrationBuilder.AddColumn<int>(
                name: "Kind",
                table: "messages",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTime>(
                name: "LastMessageAt",
                table: "conversations",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "DeliveredUpToSeq",
                table: "conversation_members",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "ReadUpToSeq",
                table: "conversation_members",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // The conversation list orders by last activity: existing conversations get their last message's time.
            migrationBuilder.Sql("""
                UPDATE conversations SET "LastMessageAt" = (SELECT max(m."CreatedAt") FROM messages m WHERE m."ConversationId" = conversations."Id")
                """);

            migrationBuilder.CreateTable(
                name: "read_marks",
                columns: table => new
                {
                    ConversationId = table.Column<long>(type: "INTEGER", nullable: false),
                    UserId = table.Column<long>(type: "INTEGER", nullable: false),
                    UpToSeq = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_read_marks", x => new { x.ConversationId, x.UserId, x.UpToSeq });
                    table.ForeignKey(
                        name: "FK_read_marks_conversation_members_ConversationId_UserId",
                        columns: x => new { x.ConversationId, x.UserId },
                        principalTable: "conversation_members",
                        principalColumns: new[] { "ConversationId", "UserId" },
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "read_marks");

            migrationBuilder.DropColumn(
                name: "Kind",
                table: "messages");

            migrationBuilder.DropColumn(
                name: "LastMessageAt",
                table: "conversations");

            migrationBuilder.DropColumn(
                name: "DeliveredUpToSeq",
                table: "conversation_members");

            migrationBuilder.DropColumn(
                name: "ReadUpToSeq",
                table: "conversation_members");

            migrationBuilder.AlterColumn<long>(
                name: "ReceiverId",
                table: "messages",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L,
                oldClrType: typeof(long),
                oldType: "INTEGER",
                oldNullable: true);
        }
    }
}
