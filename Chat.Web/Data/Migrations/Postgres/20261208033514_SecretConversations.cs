using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Web.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SecretConversations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_conversations_AId_BId",
                table: "conversations");

            migrationBuilder.CreateIndex(
                name: "IX_conversations_AId_BId_Kind",
                table: "conversations",
                columns: new[] { "AId", "BId", "Kind" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_conversations_AId_BId_Kind",
                table: "conversations");

            migrationBuilder.CreateIndex(
                name: "IX_conversations_AId_BId",
                table: "conversations",
                columns: new[] { "AId", "BId" },
                unique: true);
        }
    }
}
