using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace GrandChallenge.Tests.Domain;

/// <summary>Every provider's migrations match the model; SQL Server (which cannot run here) gets its script generated.</summary>
[Trait("Category", "Unit")]
public sealed class MigrationTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql, DatabaseProvider.SqlServer];

    [Theory]
    [MemberData(nameof(Providers))]
    public void The_model_has_no_changes_without_a_migration(DatabaseProvider provider)
    {
        using var db = CreateContext(provider);

        db.Database.GetMigrations().Should().NotBeEmpty();
        db.Database.HasPendingModelChanges().Should().BeFalse(
            $"the model changed without a migration for {provider}: run `dotnet ef migrations add <Name> --project GrandChallenge.Domain " +
            $"--context {provider}AppDbContext --output-dir Data/Migrations/{provider}` for each provider");
    }

    [Fact]
    public void The_SQL_Server_idempotent_script_is_generated()
    {
        using var db = CreateContext(DatabaseProvider.SqlServer);

        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        script.Should().Contain("CREATE TABLE [AspNetUsers]").And.Contain("CREATE TABLE [ObjectRoles]").And.Contain("QRTZ_TRIGGERS");
        script.Should().Contain("IF NOT EXISTS", "an idempotent script guards every migration");
        var path = Path.Combine(Infrastructure.TestEnvironment.ArtifactsDirectory, "sqlserver-migrations.sql");
        File.WriteAllText(path, script);
        new FileInfo(path).Length.Should().BeGreaterThan(1000);
    }

    private static AppDbContext CreateContext(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteDesignTimeFactory().CreateDbContext([]),
        DatabaseProvider.PostgreSql => new PostgreSqlDesignTimeFactory().CreateDbContext([]),
        _ => new SqlServerDesignTimeFactory().CreateDbContext([]),
    };
}
