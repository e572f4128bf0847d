using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class MembersChangedAtSeq : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "MembersChangedAtSeq",
                table: "conversations",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // A group's last change is at or before its last seq: its member lists are read again once, never trusted stale.
            migrationBuilder.Sql("""UPDATE conversations SET "MembersChangedAtSeq" = "LastSeq" WHERE "Kind" = 1""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "MembersChangedAtSeq",
                table: "conversations");
        }
    }
}
