using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrandChallenge.Domain.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class AddContainerImages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ContainerImages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    OwnerId = table.Column<Guid>(type: "uuid", nullable: true),
                    CreatorId = table.Column<Guid>(type: "uuid", nullable: true),
                    BlobKey = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    Filename = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ImageSha256 = table.Column<string>(type: "character varying(71)", maxLength: 71, nullable: true),
                    SizeBytes = table.Column<long>(type: "bigint", nullable: false),
                    ImportStatus = table.Column<int>(type: "integer", nullable: false),
                    IsManifestValid = table.Column<bool>(type: "boolean", nullable: true),
                    StatusMessage = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    IsLoaded = table.Column<bool>(type: "boolean", nullable: false),
                    IsRemoved = table.Column<bool>(type: "boolean", nullable: false),
                    IsDesiredVersion = table.Column<bool>(type: "boolean", nullable: false),
                    Comment = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    ImportAttempts = table.Column<int>(type: "integer", nullable: false),
                    Created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ContainerImages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ContainerImages_AspNetUsers_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ContainerImages_Created",
                table: "ContainerImages",
                column: "Created");

            migrationBuilder.CreateIndex(
                name: "IX_ContainerImages_CreatorId",
                table: "ContainerImages",
                column: "CreatorId");

            migrationBuilder.CreateIndex(
                name: "IX_ContainerImages_Kind_OwnerId_ImageSha256",
                table: "ContainerImages",
                columns: new[] { "Kind", "OwnerId", "ImageSha256" });

            migrationBuilder.CreateIndex(
                name: "IX_ContainerImages_Kind_OwnerId_IsDesiredVersion",
                table: "ContainerImages",
                columns: new[] { "Kind", "OwnerId", "IsDesiredVersion" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ContainerImages");
        }
    }
}
