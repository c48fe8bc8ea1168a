using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrandChallenge.Domain.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class AddContainerEngine : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ContainerImages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    Kind = table.Column<string>(type: "nvarchar(20)", maxLength: 20, nullable: false),
                    OwnerId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    CreatorId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    BlobKey = table.Column<string>(type: "nvarchar(300)", maxLength: 300, nullable: false),
                    Filename = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    ImageSha256 = table.Column<string>(type: "nvarchar(71)", maxLength: 71, nullable: true),
                    SizeBytes = table.Column<long>(type: "bigint", nullable: false),
                    ImportStatus = table.Column<int>(type: "int", nullable: false),
                    IsManifestValid = table.Column<bool>(type: "bit", nullable: true),
                    StatusMessage = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: false),
                    IsLoaded = table.Column<bool>(type: "bit", nullable: false),
                    IsRemoved = table.Column<bool>(type: "bit", nullable: false),
                    IsDesiredVersion = table.Column<bool>(type: "bit", nullable: false),
                    Comment = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: false),
                    ImportAttempts = table.Column<int>(type: "int", nullable: false),
                    Created = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
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

            migrationBuilder.CreateTable(
                name: "Sockets",
                columns: table => new
                {
                    Id = table.Column<int>(type: "int", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    Title = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    Slug = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    Description = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    Kind = table.Column<string>(type: "nvarchar(8)", maxLength: 8, nullable: false),
                    RelativePath = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    DefaultValue = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    Schema = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    StoreInDatabase = table.Column<bool>(type: "bit", nullable: false),
                    OverlaySegments = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    Created = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Sockets", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "UserUploads",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    CreatorId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    Filename = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    Status = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    UploadKey = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    ExpectedSize = table.Column<long>(type: "bigint", nullable: true),
                    ExpectedSha256 = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    Size = table.Column<long>(type: "bigint", nullable: true),
                    Sha256 = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    MimeType = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    Created = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UserUploads", x => x.Id);
                    table.ForeignKey(
                        name: "FK_UserUploads_AspNetUsers_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ComponentJobs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    Kind = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    Status = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    ContainerImageId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    ImageReference = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    CreatorId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    FairnessGroup = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    TimeLimitSeconds = table.Column<int>(type: "int", nullable: false),
                    MemoryGb = table.Column<int>(type: "int", nullable: false),
                    Attempt = table.Column<int>(type: "int", nullable: false),
                    OutputSocketIds = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    ArchiveMounts = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    Stdout = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    Stderr = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    ErrorMessage = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: true),
                    DetailedErrors = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    ExitCode = table.Column<int>(type: "int", nullable: true),
                    ExecDurationMs = table.Column<long>(type: "bigint", nullable: true),
                    PeakMemoryBytes = table.Column<long>(type: "bigint", nullable: true),
                    CpuTimeMs = table.Column<long>(type: "bigint", nullable: true),
                    ClaimToken = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    WorkerNode = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    ClaimedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    StartedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    CompletedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    CancelRequestedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    RetryAfter = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    Created = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ComponentJobs", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ComponentJobs_AspNetUsers_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_ComponentJobs_ContainerImages_ContainerImageId",
                        column: x => x.ContainerImageId,
                        principalTable: "ContainerImages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "SocketValues",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    SocketId = table.Column<int>(type: "int", nullable: false),
                    Value = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    ValueHash = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    FileName = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: true),
                    ImageId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    SizeInStorage = table.Column<long>(type: "bigint", nullable: false),
                    Created = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
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

            migrationBuilder.CreateTable(
                name: "UploadParts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    UploadId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    PartNumber = table.Column<int>(type: "int", nullable: false),
                    Size = table.Column<long>(type: "bigint", nullable: false),
                    ETag = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    Created = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UploadParts", x => x.Id);
                    table.CheckConstraint("CK_UploadPart_PartNumber", "\"PartNumber\" BETWEEN 1 AND 10000");
                    table.ForeignKey(
                        name: "FK_UploadParts_UserUploads_UploadId",
                        column: x => x.UploadId,
                        principalTable: "UserUploads",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ComponentJobValues",
                columns: table => new
                {
                    JobId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    SocketValueId = table.Column<long>(type: "bigint", nullable: false),
                    IsOutput = table.Column<bool>(type: "bit", nullable: false),
                    Prefix = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ComponentJobValues", x => new { x.JobId, x.SocketValueId, x.IsOutput });
                    table.ForeignKey(
                        name: "FK_ComponentJobValues_ComponentJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "ComponentJobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ComponentJobs_ClaimToken",
                table: "ComponentJobs",
                column: "ClaimToken",
                unique: true,
                filter: "[ClaimToken] IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_ComponentJobs_ContainerImageId",
                table: "ComponentJobs",
                column: "ContainerImageId");

            migrationBuilder.CreateIndex(
                name: "IX_ComponentJobs_CreatorId_Status",
                table: "ComponentJobs",
                columns: new[] { "CreatorId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_ComponentJobs_Status_Created",
                table: "ComponentJobs",
                columns: new[] { "Status", "Created" });

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
                unique: true,
                filter: "[ImageId] IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_SocketValues_SocketId_ValueHash",
                table: "SocketValues",
                columns: new[] { "SocketId", "ValueHash" },
                unique: true,
                filter: "[ValueHash] IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_UploadParts_UploadId_PartNumber",
                table: "UploadParts",
                columns: new[] { "UploadId", "PartNumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_UserUploads_CreatorId_Created",
                table: "UserUploads",
                columns: new[] { "CreatorId", "Created" });

            migrationBuilder.CreateIndex(
                name: "IX_UserUploads_Status_Created",
                table: "UserUploads",
                columns: new[] { "Status", "Created" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ComponentJobValues");

            migrationBuilder.DropTable(
                name: "SocketValues");

            migrationBuilder.DropTable(
                name: "UploadParts");

            migrationBuilder.DropTable(
                name: "ComponentJobs");

            migrationBuilder.DropTable(
                name: "Sockets");

            migrationBuilder.DropTable(
                name: "UserUploads");

            migrationBuilder.DropTable(
                name: "ContainerImages");
        }
    }
}
