using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Web.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class KeyDirectory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PreKeys",
                table: "users");

            migrationBuilder.CreateTable(
                name: "devices",
                columns: table => new
                {
                    UserId = table.Column<long>(type: "bigint", nullable: false),
                    DeviceId = table.Column<int>(type: "integer", nullable: false),
                    IdentityKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    IdentityDhKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    IdentityDhSignature = table.Column<byte[]>(type: "bytea", nullable: false),
                    SignedPreKeyId = table.Column<int>(type: "integer", nullable: false),
                    SignedPreKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    SignedPreKeySignature = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_devices", x => new { x.UserId, x.DeviceId });
                    table.ForeignKey(
                        name: "FK_devices_users_UserId",
                        column: x => x.UserId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "one_time_pre_keys",
                columns: table => new
                {
                    UserId = table.Column<long>(type: "bigint", nullable: false),
                    DeviceId = table.Column<int>(type: "integer", nullable: false),
                    KeyId = table.Column<int>(type: "integer", nullable: false),
                    PublicKey = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_one_time_pre_keys", x => new { x.UserId, x.DeviceId, x.KeyId });
                    table.ForeignKey(
                        name: "FK_one_time_pre_keys_devices_UserId_DeviceId",
                        columns: x => new { x.UserId, x.DeviceId },
                        principalTable: "devices",
                        principalColumns: new[] { "UserId", "DeviceId" },
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "one_time_pre_keys");

            migrationBuilder.DropTable(
                name: "devices");

            migrationBuilder.AddColumn<string>(
                name: "PreKeys",
                table: "users",
                type: "text",
                nullable: true);
        }
    }
}
