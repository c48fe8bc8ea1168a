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

    [Fact]
    public async Task Upgrading_moves_the_algorithm_shortcuts_into_their_columns_and_links_system_jobs()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gc-upgrade-{Guid.NewGuid():N}.db");
        try
        {
            // Foreign keys off: the rows below are only the ones the upgrade reads.
            await using var db = AppDbContextFactory.Create(DatabaseProvider.Sqlite,
                AppDbContextFactory.BuildOptions(DatabaseProvider.Sqlite, $"Data Source={path};Foreign Keys=False;Pooling=False", TimeProvider.System));
            var migrator = db.GetService<IMigrator>();
            var migrations = db.Database.GetMigrations().ToList();
            await migrator.MigrateAsync(migrations.Single(m => m.EndsWith("_AddAlgorithms", StringComparison.Ordinal)));
            await InsertAsync(db, "Submissions", ("Id", "S1"), ("AlgorithmImageId", "IMG"));
            await InsertAsync(db, "ComponentJobs", ("Id", "EVALJOB"), ("Status", "ValidatingInputs"), ("Attempt", 2));
            await InsertAsync(db, "Evaluations", ("Id", "E1"), ("SubmissionId", "S1"), ("JobId", "EVALJOB"));
            await InsertAsync(db, "ComponentJobs", ("Id", "WAITING"), ("Status", "ValidatingInputs"), ("Attempt", 0));
            await InsertAsync(db, "AlgorithmJobs", ("JobId", "WAITING"), ("InputsKey", "pending:0123=4"));
            await InsertAsync(db, "ComponentJobs", ("Id", "DONE"), ("Status", "Succeeded"), ("Attempt", 1));
            await InsertAsync(db, "AlgorithmJobs", ("JobId", "DONE"), ("InputsKey", "5,6"), ("EvaluationId", "E1"), ("ArchiveItemId", "ITEM"));

            await migrator.MigrateAsync();

            (await ScalarAsync(db, "SELECT \"InferenceStage\" FROM \"Evaluations\" WHERE \"Id\" = 'E1'")).Should().Be(2L);
            (await ScalarAsync(db, "SELECT \"Attempt\" FROM \"ComponentJobs\" WHERE \"Id\" = 'EVALJOB'")).Should().Be(0L);
            (await ScalarAsync(db, "SELECT \"Status\" FROM \"ComponentJobs\" WHERE \"Id\" = 'WAITING'")).Should().Be("Failed");
            (await ScalarAsync(db, "SELECT \"ErrorMessage\" FROM \"ComponentJobs\" WHERE \"Id\" = 'WAITING'"))
                .Should().Be(GrandChallenge.Domain.Data.Migrations.AlgorithmUpgrades.WaitingJobMessage);
            (await ScalarAsync(db, "SELECT \"InputsKey\" FROM \"AlgorithmJobs\" WHERE \"JobId\" = 'WAITING'")).Should().Be("");
            (await ScalarAsync(db, "SELECT \"Status\" || ':' || \"Attempt\" FROM \"ComponentJobs\" WHERE \"Id\" = 'DONE'")).Should().Be("Succeeded:1", "other jobs are untouched");
            (await ScalarAsync(db, "SELECT \"InputsKey\" FROM \"AlgorithmJobs\" WHERE \"JobId\" = 'DONE'")).Should().Be("5,6");
            (await ScalarAsync(db, "SELECT \"EvaluationId\" || '/' || \"ArchiveItemId\" FROM \"EvaluationAlgorithmJobs\" WHERE \"JobId\" = 'DONE'"))
                .Should().Be("E1/ITEM", "system jobs are linked to the evaluation that queued them");
            (await ScalarAsync(db, "SELECT COUNT(*) FROM \"EvaluationAlgorithmJobs\"")).Should().Be(1L, "user jobs are not linked");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Inserts a row with the given columns; every other NOT NULL column without a default gets its type's zero.</summary>
    private static async Task InsertAsync(AppDbContext db, string table, params (string Column, object Value)[] given)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        var values = given.ToDictionary(g => g.Column, g => g.Value);
        await using (var info = connection.CreateCommand())
        {
            info.CommandText = $"PRAGMA table_info(\"{table}\")";
            await using var reader = await info.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var (name, type, notNull, hasDefault) = (reader.GetString(1), reader.GetString(2), reader.GetInt64(3) == 1, !reader.IsDBNull(4));
                if (notNull && !hasDefault && !values.ContainsKey(name))
                {
                    values[name] = type.Contains("INT", StringComparison.OrdinalIgnoreCase) || type == "REAL" ? 0 : "";
                }
            }
        }

        await using var insert = connection.CreateCommand();
        var columns = values.Keys.ToList();
        insert.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => $"@p{i}"))})";
        for (var i = 0; i < columns.Count; i++)
        {
            var parameter = insert.CreateParameter();
            parameter.ParameterName = $"@p{i}";
            parameter.Value = values[columns[i]];
            insert.Parameters.Add(parameter);
        }

        await insert.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(AppDbContext db, string sql)
    {
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static AppDbContext CreateContext(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteDesignTimeFactory().CreateDbContext([]),
        DatabaseProvider.PostgreSql => new PostgreSqlDesignTimeFactory().CreateDbContext([]),
        _ => new SqlServerDesignTimeFactory().CreateDbContext([]),
    };
}
