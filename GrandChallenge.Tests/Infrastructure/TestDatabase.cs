using GrandChallenge.Domain.Data;
using Npgsql;

namespace GrandChallenge.Tests.Infrastructure;

/// <summary>A database of its own for one test class: a SQLite file, or a fresh PostgreSQL database dropped afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _postgresName;

    private TestDatabase(DatabaseProvider provider, string connectionString, string? postgresName, string directory)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _postgresName = postgresName;
        Directory = directory;
    }

    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }
    /// <summary>The data folder that goes with this database.</summary>
    public string Directory { get; }

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider)
    {
        var directory = TestEnvironment.NewTempDirectory("gc-test");
        if (provider == DatabaseProvider.Sqlite)
        {
            return new TestDatabase(provider, $"Data Source={Path.Combine(directory, "test.db")}", null, directory);
        }

        var admin = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString);
        var name = $"gc_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        admin.Database = name;
        return new TestDatabase(provider, admin.ConnectionString, name, directory);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(TestEnvironment.PostgresConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a closing process; the temp folder is cleaned by the OS.
        }
    }
}
