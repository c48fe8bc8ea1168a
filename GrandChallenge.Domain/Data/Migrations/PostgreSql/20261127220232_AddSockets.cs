using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GrandChallenge.Domain.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class AddSockets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Sockets",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Title = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    Slug = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    Description = table.Column<string>(type: "text", nullable: false),
                    Kind = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    RelativePath = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    DefaultValue = table.Column<string>(type: "text", nullable: true),
                    Schema = table.Column<string>(type: "text", nullable: true),
                    StoreInDatabase = table.Column<bool>(type: "boolean", nullable: false),
                    OverlaySegments = table.Column<string>(type: "text", nullable: true),
                    Created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Sockets", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SocketValues",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    SocketId = table.Column<int>(type: "integer", nullable: false),
                    Value = table.Column<string>(type: "text", nullable: true),
                    ValueHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    FileName = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    ImageId = table.Column<Guid>(type: "uuid", nullable: true),
                    SizeInStorage = table.Column<long>(type: "bigint", nullable: false),
                    Created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SocketValues", x => x.Id);
                    table.CheckConstraint("CK_SocketValue_OneOfValueFileImage", "(CASE WHEN \"Value\" IS NULL THEN 0 ELSE 1 END) + (CASE WHEN \"FileName\" IS NULL THEN 0 ELSE 1 END) + (CASE WHEN \"ImageId\" IS NULL THEN 0 ELSE 1 END) = 1");
                    table.ForeignKey(
                        name: "FK_SocketValues_Sockets_SocketId",
                        column: x => x.SocketId,
                        principalTable: "Sockets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Sockets_RelativePath",
                table: "Sockets",
                column: "RelativePath",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Sockets_Slug",
                table: "Sockets",
                column: "Slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Sockets_Title",
                table: "Sockets",
                column: "Title",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SocketValues_SocketId_ImageId",
                table: "SocketValues",
                columns: new[] { "SocketId", "ImageId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SocketValues_SocketId_ValueHash",
                table: "SocketValues",
                columns: new[] { "SocketId", "ValueHash" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SocketValues");

            migrationBuilder.DropTable(
                name: "Sockets");
        }
    }
}
