using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrandChallenge.Domain.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class MoveRanksToPhaseRankings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Evaluations_PhaseId_Rank",
                table: "Evaluations");

            migrationBuilder.DropColumn(
                name: "Rank",
                table: "Evaluations");

            migrationBuilder.DropColumn(
                name: "RankFingerprint",
                table: "Evaluations");

            migrationBuilder.DropColumn(
                name: "RankPerMetric",
                table: "Evaluations");

            migrationBuilder.DropColumn(
                name: "RankScore",
                table: "Evaluations");

            migrationBuilder.CreateTable(
                name: "PhaseRankings",
                columns: table => new
                {
                    PhaseId = table.Column<Guid>(type: "uuid", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false),
                    Data = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PhaseRankings", x => x.PhaseId);
                    table.ForeignKey(
                        name: "FK_PhaseRankings_Phases_PhaseId",
                        column: x => x.PhaseId,
                        principalTable: "Phases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PhaseRankings");

            migrationBuilder.AddColumn<int>(
                name: "Rank",
                table: "Evaluations",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<long>(
                name: "RankFingerprint",
                table: "Evaluations",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "RankPerMetric",
                table: "Evaluations",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<double>(
                name: "RankScore",
                table: "Evaluations",
                type: "double precision",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.CreateIndex(
                name: "IX_Evaluations_PhaseId_Rank",
                table: "Evaluations",
                columns: new[] { "PhaseId", "Rank" });
        }
    }
}
