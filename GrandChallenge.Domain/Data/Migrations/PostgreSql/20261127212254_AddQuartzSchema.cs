using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrandChallenge.Domain.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class AddQuartzSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(QuartzSchema.CreateScript("postgresql"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(QuartzSchema.DropScript(lowerCase: true));
        }
    }
}
