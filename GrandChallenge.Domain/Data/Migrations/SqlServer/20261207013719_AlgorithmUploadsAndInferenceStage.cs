using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrandChallenge.Domain.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class AlgorithmUploadsAndInferenceStage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_ComponentJobValues",
                table: "ComponentJobValues");

            migrationBuilder.AddColumn<int>(
                name: "InferenceStage",
                table: "Evaluations",
                type: "int",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddPrimaryKey(
                name: "PK_ComponentJobValues",
                table: "ComponentJobValues",
                columns: new[] { "JobId", "SocketValueId", "IsOutput", "Prefix" });

            AlgorithmUpgrades.MoveShortcutsToColumns(migrationBuilder);

            migrationBuilder.CreateTable(
                name: "AlgorithmJobUploads",
                columns: table => new
                {
                    JobId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    SocketId = table.Column<int>(type: "int", nullable: false),
                    UploadSessionId = table.Column<Guid>(type: "uniqueidentifier", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AlgorithmJobUploads", x => new { x.JobId, x.SocketId });
                    table.ForeignKey(
                        name: "FK_AlgorithmJobUploads_AlgorithmJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "AlgorithmJobs",
                        principalColumn: "JobId",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_AlgorithmJobUploads_Sockets_SocketId",
                        column: x => x.SocketId,
                        principalTable: "Sockets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmJobUploads_SocketId",
                table: "AlgorithmJobUploads",
                column: "SocketId");

            migrationBuilder.CreateIndex(
                name: "IX_AlgorithmJobUploads_UploadSessionId",
                table: "AlgorithmJobUploads",
                column: "UploadSessionId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AlgorithmJobUploads");

            migrationBuilder.DropPrimaryKey(
                name: "PK_ComponentJobValues",
                table: "ComponentJobValues");

            migrationBuilder.DropColumn(
                name: "InferenceStage",
                table: "Evaluations");

            migrationBuilder.AddPrimaryKey(
                name: "PK_ComponentJobValues",
                table: "ComponentJobValues",
                columns: new[] { "JobId", "SocketValueId", "IsOutput" });
        }
    }
}
