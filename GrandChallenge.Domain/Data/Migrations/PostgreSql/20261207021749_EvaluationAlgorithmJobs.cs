using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrandChallenge.Domain.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class EvaluationAlgorithmJobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "EvaluationAlgorithmJobs",
                columns: table => new
                {
                    EvaluationId = table.Column<Guid>(type: "uuid", nullable: false),
                    JobId = table.Column<Guid>(type: "uuid", nullable: false),
                    ArchiveItemId = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EvaluationAlgorithmJobs", x => new { x.EvaluationId, x.JobId });
                    table.ForeignKey(
                        name: "FK_EvaluationAlgorithmJobs_AlgorithmJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "AlgorithmJobs",
                        principalColumn: "JobId",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_EvaluationAlgorithmJobs_Evaluations_EvaluationId",
                        column: x => x.EvaluationId,
                        principalTable: "Evaluations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_EvaluationAlgorithmJobs_JobId",
                table: "EvaluationAlgorithmJobs",
                column: "JobId");

            AlgorithmUpgrades.LinkEvaluationJobs(migrationBuilder);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "EvaluationAlgorithmJobs");
        }
    }
}
