using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrandChallenge.Domain.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class AddAlgorithms : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "AlgorithmImageId",
                table: "Submissions",
                type: "uniqueidentifier",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "AlgorithmModelId",
                table: "Submissions",
                type: "uniqueidentifier",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "AlgorithmRequiresGpu",
                table: "Submissions",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "AlgorithmRequiresMemoryGb",
                table: "Submissions",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AlgorithmInterfaceIds",
                table: "Phases",
                type: "nvarchar(max)",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "AlgorithmMaxMemoryGb",
                table: "Phases",
                type: "int",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "AlgorithmTimeLimitSeconds",
                table: "Phases",
                type: "int",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<Guid>(
                name: "ArchiveId",
                table: "Phases",
                type: "uniqueidentifier",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "GiveAlgorithmEditorsJobViewPermissions",
                table: "Phases",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "AlgorithmInterfaces",
                columns: table => new
                {
                    Id = table.Column<int>(type: "int", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    InputSocketIds = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    OutputSocketIds = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    Key = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AlgorithmInterfaces", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Algorithms",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    Title = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    Slug = table.Column<string>(type: "nvarchar(50)", maxLength: 50, nullable: false),
                    Description = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: false),
                    Detail = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    JobCreatePageMarkdown = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    Public = table.Column<bool>(type: "bit", nullable: false),
                    LogoBlobKey = table.Column<string>(type: "nvarchar(300)", maxLength: 300, nullable: true),
                    AccessRequestHandling = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    InterfaceIds = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    TimeLimitSeconds = table.Column<int>(type: "int", nullable: false),
                    MemoryGb = table.Column<int>(type: "int", nullable: false),
                    RequiresGpu = table.Column<bool>(type: "bit", nullable: false),
                    JobQuotaPerUser = table.Column<int>(type: "int", nullable: false),
                    JobQuotaPeriodDays = table.Column<int>(type: "int", nullable: false),
                    PhaseId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    CreatorId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    AverageDurationSeconds = table.Column<double>(type: "float", nullable: true),
                    Created = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Algorithms", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Algorithms_AspNetUsers_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_Algorithms_Phases_PhaseId",
                        column: x => x.PhaseId,
                        principalTable: "Phases",
                        principalColumn: "Id");
                });

            migrationBuilder.CreateTable(
                name: "AlgorithmModels",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    AlgorithmId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    BlobKey = table.Column<string>(type: "nvarchar(300)", maxLength: 300, nullable: false),
                    Filename = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    SizeBytes = table.Column<long>(type: "bigint", nullable: false),
                    Sha256 = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    IsDesiredVersion = table.Column<bool>(type: "bit", nullable: false),
                    Comment = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: false),
                    CreatorId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    Created = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AlgorithmModels", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AlgorithmModels_Algorithms_AlgorithmId",
                        column: x => x.AlgorithmId,
                        principalTable: "Algorithms",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_AlgorithmModels_AspNetUsers_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "AlgorithmPermissionRequests",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    AlgorithmId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    UserId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    Status = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    Created = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AlgorithmPermissionRequests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AlgorithmPermissionRequests_Algorithms_AlgorithmId",
                        column: x => x.AlgorithmId,
                        principalTable: "Algorithms",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_AlgorithmPermissionRequests_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AlgorithmJobs",
                columns: table => new
                {
                    JobId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    AlgorithmId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    AlgorithmImageId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    AlgorithmModelId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    InterfaceId = table.Column<int>(type: "int", nullable: false),
                    CreatorId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    Public = table.Column<bool>(type: "bit", nullable: false),
                    Comment = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: false),
                    InputsKey = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: false),
                    EvaluationId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    ArchiveItemId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    Created = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    Modified = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AlgorithmJobs", x => x.JobId);
                    table.ForeignKey(
                        name: "FK_AlgorithmJobs_AlgorithmInterfaces_InterfaceId",
                        column: x => x.InterfaceId,
                        principalTable: "AlgorithmInterfaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_AlgorithmJobs_AlgorithmModels_AlgorithmModelId",
                        column: x => x.AlgorithmModelId,
                        principalTable: "AlgorithmModels",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_AlgorithmJobs_Algorithms_AlgorithmId",
                        column: x => x.AlgorithmId,
                        principalTable: "Algorithms",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_AlgorithmJobs_AspNetUsers_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_AlgorithmJobs_ComponentJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "ComponentJobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_AlgorithmJobs_ContainerImages_AlgorithmImageId",
                        column: x => x.AlgorithmImageId,
                        principalTable: "ContainerImages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_AlgorithmJobs_Evaluations_EvaluationId",
                        column: x => x.EvaluationId,
                        principalTable: "Evaluations",
                        principalColumn: "Id");
                });

            migrationBuilder.CreateTable(
                name: "AlgorithmJobViewers",
                columns: table => new
                {
                    JobId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    UserId = table.Column<Guid>(type: "uniqueidentifier", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AlgorithmJobViewers", x => new { x.JobId, x.UserId });
                    table.ForeignKey(
                        name: "FK_AlgorithmJobViewers_AlgorithmJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "AlgorithmJobs",
                        principalColumn: "JobId",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_AlgorithmJobViewers_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Submissions_AlgorithmImageId",
                table: "Submissions",
                column: "AlgorithmImageId");

            migrationBuilder.CreateIndex(
                name: "IX_Submissions_AlgorithmModelId",
                table: "Submissions",
                column: "AlgorithmModelId");

            migrationBuilder.CreateIndex(
                name: "IX_Phases_ArchiveId",
                table: "Phases",
                column: "ArchiveId");

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmInterfaces_Key",
                table: "AlgorithmInterfaces",
                column: "Key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmJobs_AlgorithmId_Created",
                table: "AlgorithmJobs",
                columns: new[] { "AlgorithmId", "Created" });

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmJobs_AlgorithmImageId_AlgorithmModelId_InputsKey",
                table: "AlgorithmJobs",
                columns: new[] { "AlgorithmImageId", "AlgorithmModelId", "InputsKey" });

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmJobs_AlgorithmModelId",
                table: "AlgorithmJobs",
                column: "AlgorithmModelId");

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmJobs_CreatorId_Created",
                table: "AlgorithmJobs",
                columns: new[] { "CreatorId", "Created" });

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmJobs_EvaluationId",
                table: "AlgorithmJobs",
                column: "EvaluationId");

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmJobs_InterfaceId",
                table: "AlgorithmJobs",
                column: "InterfaceId");

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmJobViewers_UserId",
                table: "AlgorithmJobViewers",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmModels_AlgorithmId_Sha256",
                table: "AlgorithmModels",
                columns: new[] { "AlgorithmId", "Sha256" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmModels_CreatorId",
                table: "AlgorithmModels",
                column: "CreatorId");

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmPermissionRequests_AlgorithmId_UserId",
                table: "AlgorithmPermissionRequests",
                columns: new[] { "AlgorithmId", "UserId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmPermissionRequests_UserId",
                table: "AlgorithmPermissionRequests",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_Algorithms_CreatorId",
                table: "Algorithms",
                column: "CreatorId");

            migrationBuilder.CreateIndex(
                name: "IX_Algorithms_PhaseId_CreatorId",
                table: "Algorithms",
                columns: new[] { "PhaseId", "CreatorId" });

            migrationBuilder.CreateIndex(
                name: "IX_Algorithms_Slug",
                table: "Algorithms",
                column: "Slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Algorithms_Title",
                table: "Algorithms",
                column: "Title");

            migrationBuilder.AddForeignKey(
                name: "FK_Phases_Archives_ArchiveId",
                table: "Phases",
                column: "ArchiveId",
                principalTable: "Archives",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_Submissions_AlgorithmModels_AlgorithmModelId",
                table: "Submissions",
                column: "AlgorithmModelId",
                principalTable: "AlgorithmModels",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_Submissions_ContainerImages_AlgorithmImageId",
                table: "Submissions",
                column: "AlgorithmImageId",
                principalTable: "ContainerImages",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Phases_Archives_ArchiveId",
                table: "Phases");

            migrationBuilder.DropForeignKey(
                name: "FK_Submissions_AlgorithmModels_AlgorithmModelId",
                table: "Submissions");

            migrationBuilder.DropForeignKey(
                name: "FK_Submissions_ContainerImages_AlgorithmImageId",
                table: "Submissions");

            migrationBuilder.DropTable(
                name: "AlgorithmJobViewers");

            migrationBuilder.DropTable(
                name: "AlgorithmPermissionRequests");

            migrationBuilder.DropTable(
                name: "AlgorithmJobs");

            migrationBuilder.DropTable(
                name: "AlgorithmInterfaces");

            migrationBuilder.DropTable(
                name: "AlgorithmModels");

            migrationBuilder.DropTable(
                name: "Algorithms");

            migrationBuilder.DropIndex(
                name: "IX_Submissions_AlgorithmImageId",
                table: "Submissions");

            migrationBuilder.DropIndex(
                name: "IX_Submissions_AlgorithmModelId",
                table: "Submissions");

            migrationBuilder.DropIndex(
                name: "IX_Phases_ArchiveId",
                table: "Phases");

            migrationBuilder.DropColumn(
                name: "AlgorithmImageId",
                table: "Submissions");

            migrationBuilder.DropColumn(
                name: "AlgorithmModelId",
                table: "Submissions");

            migrationBuilder.DropColumn(
                name: "AlgorithmRequiresGpu",
                table: "Submissions");

            migrationBuilder.DropColumn(
                name: "AlgorithmRequiresMemoryGb",
                table: "Submissions");

            migrationBuilder.DropColumn(
                name: "AlgorithmInterfaceIds",
                table: "Phases");

            migrationBuilder.DropColumn(
                name: "AlgorithmMaxMemoryGb",
                table: "Phases");

            migrationBuilder.DropColumn(
                name: "AlgorithmTimeLimitSeconds",
                table: "Phases");

            migrationBuilder.DropColumn(
                name: "ArchiveId",
                table: "Phases");

            migrationBuilder.DropColumn(
                name: "GiveAlgorithmEditorsJobViewPermissions",
                table: "Phases");
        }
    }
}
