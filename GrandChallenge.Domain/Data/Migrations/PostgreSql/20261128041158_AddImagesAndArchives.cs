using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrandChallenge.Domain.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class AddImagesAndArchives : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Archives",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Title = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    Slug = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    Description = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    Detail = table.Column<string>(type: "text", nullable: false),
                    Public = table.Column<bool>(type: "boolean", nullable: false),
                    LogoBlobKey = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    DeidentificationKey = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    CreatorId = table.Column<Guid>(type: "uuid", nullable: true),
                    Created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Archives", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "UploadSessions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatorId = table.Column<Guid>(type: "uuid", nullable: true),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ErrorMessage = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    Files = table.Column<string>(type: "text", nullable: false),
                    FileErrors = table.Column<string>(type: "text", nullable: false),
                    ConsumedFiles = table.Column<string>(type: "text", nullable: false),
                    FilesProcessed = table.Column<int>(type: "integer", nullable: false),
                    FilesTotal = table.Column<int>(type: "integer", nullable: false),
                    ArchiveId = table.Column<Guid>(type: "uuid", nullable: true),
                    ArchiveItemId = table.Column<Guid>(type: "uuid", nullable: true),
                    SocketId = table.Column<int>(type: "integer", nullable: true),
                    Created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UploadSessions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_UploadSessions_AspNetUsers_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "ArchiveItems",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ArchiveId = table.Column<Guid>(type: "uuid", nullable: false),
                    Title = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    Created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ArchiveItems", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ArchiveItems_Archives_ArchiveId",
                        column: x => x.ArchiveId,
                        principalTable: "Archives",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "Images",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: false),
                    OriginId = table.Column<Guid>(type: "uuid", nullable: true),
                    Width = table.Column<int>(type: "integer", nullable: false),
                    Height = table.Column<int>(type: "integer", nullable: false),
                    Depth = table.Column<int>(type: "integer", nullable: true),
                    Timepoints = table.Column<int>(type: "integer", nullable: true),
                    Channels = table.Column<int>(type: "integer", nullable: false),
                    PixelType = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ColorSpace = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    VoxelWidthMm = table.Column<double>(type: "double precision", nullable: true),
                    VoxelHeightMm = table.Column<double>(type: "double precision", nullable: true),
                    VoxelDepthMm = table.Column<double>(type: "double precision", nullable: true),
                    Geometry = table.Column<string>(type: "text", nullable: false),
                    ResolutionLevels = table.Column<int>(type: "integer", nullable: true),
                    WindowCenter = table.Column<double>(type: "double precision", nullable: true),
                    WindowWidth = table.Column<double>(type: "double precision", nullable: true),
                    Modality = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    PatientId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    PatientName = table.Column<string>(type: "character varying(324)", maxLength: 324, nullable: false),
                    PatientBirthDate = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    PatientAge = table.Column<string>(type: "character varying(4)", maxLength: 4, nullable: false),
                    PatientSex = table.Column<string>(type: "character varying(1)", maxLength: 1, nullable: false),
                    StudyDate = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    StudyInstanceUid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    SeriesInstanceUid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    StudyDescription = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    SeriesDescription = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Segments = table.Column<string>(type: "text", nullable: true),
                    Created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Images", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Images_UploadSessions_OriginId",
                        column: x => x.OriginId,
                        principalTable: "UploadSessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "ArchiveItemValues",
                columns: table => new
                {
                    ArchiveItemId = table.Column<Guid>(type: "uuid", nullable: false),
                    SocketId = table.Column<int>(type: "integer", nullable: false),
                    SocketValueId = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ArchiveItemValues", x => new { x.ArchiveItemId, x.SocketId });
                    table.ForeignKey(
                        name: "FK_ArchiveItemValues_ArchiveItems_ArchiveItemId",
                        column: x => x.ArchiveItemId,
                        principalTable: "ArchiveItems",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ArchiveItemValues_SocketValues_SocketValueId",
                        column: x => x.SocketValueId,
                        principalTable: "SocketValues",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_ArchiveItemValues_Sockets_SocketId",
                        column: x => x.SocketId,
                        principalTable: "Sockets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "ImageFiles",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ImageId = table.Column<Guid>(type: "uuid", nullable: false),
                    ImageType = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    FileName = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    SizeInStorage = table.Column<long>(type: "bigint", nullable: false),
                    Sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImageFiles", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ImageFiles_Images_ImageId",
                        column: x => x.ImageId,
                        principalTable: "Images",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SocketValues_ImageId",
                table: "SocketValues",
                column: "ImageId");

            migrationBuilder.CreateIndex(
                name: "IX_ArchiveItems_ArchiveId_Created",
                table: "ArchiveItems",
                columns: new[] { "ArchiveId", "Created" });

            migrationBuilder.CreateIndex(
                name: "IX_ArchiveItems_ArchiveId_Title",
                table: "ArchiveItems",
                columns: new[] { "ArchiveId", "Title" });

            migrationBuilder.CreateIndex(
                name: "IX_ArchiveItemValues_SocketId",
                table: "ArchiveItemValues",
                column: "SocketId");

            migrationBuilder.CreateIndex(
                name: "IX_ArchiveItemValues_SocketValueId",
                table: "ArchiveItemValues",
                column: "SocketValueId");

            migrationBuilder.CreateIndex(
                name: "IX_Archives_Slug",
                table: "Archives",
                column: "Slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Archives_Title",
                table: "Archives",
                column: "Title");

            migrationBuilder.CreateIndex(
                name: "IX_ImageFiles_ImageId",
                table: "ImageFiles",
                column: "ImageId");

            migrationBuilder.CreateIndex(
                name: "IX_Images_Created",
                table: "Images",
                column: "Created");

            migrationBuilder.CreateIndex(
                name: "IX_Images_Name",
                table: "Images",
                column: "Name");

            migrationBuilder.CreateIndex(
                name: "IX_Images_OriginId",
                table: "Images",
                column: "OriginId");

            migrationBuilder.CreateIndex(
                name: "IX_Images_PatientId",
                table: "Images",
                column: "PatientId");

            migrationBuilder.CreateIndex(
                name: "IX_Images_StudyInstanceUid",
                table: "Images",
                column: "StudyInstanceUid");

            migrationBuilder.CreateIndex(
                name: "IX_UploadSessions_CreatorId",
                table: "UploadSessions",
                column: "CreatorId");

            migrationBuilder.CreateIndex(
                name: "IX_UploadSessions_Status_Created",
                table: "UploadSessions",
                columns: new[] { "Status", "Created" });

            migrationBuilder.AddForeignKey(
                name: "FK_SocketValues_Images_ImageId",
                table: "SocketValues",
                column: "ImageId",
                principalTable: "Images",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_SocketValues_Images_ImageId",
                table: "SocketValues");

            migrationBuilder.DropTable(
                name: "ArchiveItemValues");

            migrationBuilder.DropTable(
                name: "ImageFiles");

            migrationBuilder.DropTable(
                name: "ArchiveItems");

            migrationBuilder.DropTable(
                name: "Images");

            migrationBuilder.DropTable(
                name: "Archives");

            migrationBuilder.DropTable(
                name: "UploadSessions");

            migrationBuilder.DropIndex(
                name: "IX_SocketValues_ImageId",
                table: "SocketValues");
        }
    }
}
