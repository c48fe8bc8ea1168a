using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GrandChallenge.Domain.Data;

/// <summary>Creates the provider's context over options built once; every operation takes a short-lived context.</summary>
public sealed class AppDbContextFactory : IDbContextFactory<AppDbContext>
{
    private readonly DatabaseProvider _provider;
    private readonly DbContextOptions _options;

    public AppDbContextFactory(DatabaseProvider provider, string connectionString, TimeProvider clock)
    {
        _provider = provider;
        _options = BuildOptions(provider, connectionString, clock);
    }

    public DatabaseProvider Provider => _provider;

    public AppDbContext CreateDbContext() => Create(_provider, _options);

    public static AppDbContext Create(DatabaseProvider provider, DbContextOptions options) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteAppDbContext(options),
        DatabaseProvider.PostgreSql => new PostgreSqlAppDbContext(options),
        DatabaseProvider.SqlServer => new SqlServerAppDbContext(options),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown database provider."),
    };

    public static DbContextOptions BuildOptions(DatabaseProvider provider, string connectionString, TimeProvider clock)
    {
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        _ = provider switch
        {
            DatabaseProvider.Sqlite => builder.UseSqlite(connectionString),
            DatabaseProvider.PostgreSql => builder.UseNpgsql(connectionString),
            DatabaseProvider.SqlServer => builder.UseSqlServer(connectionString),
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown database provider."),
        };
        builder.AddInterceptors(new TimestampInterceptor(clock));
        if (provider == DatabaseProvider.Sqlite)
        {
            builder.AddInterceptors(new SqliteBusyTimeoutInterceptor());
        }

        return builder.Options;
    }
}

// Design-time factories let `dotnet ef migrations add --context <Provider>AppDbContext` build each model;
// no database is contacted to add a migration.
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAppDbContext>
{
    public SqliteAppDbContext CreateDbContext(string[] args) =>
        (SqliteAppDbContext)AppDbContextFactory.Create(DatabaseProvider.Sqlite,
            AppDbContextFactory.BuildOptions(DatabaseProvider.Sqlite, "Data Source=design.db", TimeProvider.System));
}

public sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlAppDbContext>
{
    public PostgreSqlAppDbContext CreateDbContext(string[] args) =>
        (PostgreSqlAppDbContext)AppDbContextFactory.Create(DatabaseProvider.PostgreSql,
            AppDbContextFactory.BuildOptions(DatabaseProvider.PostgreSql, "Host=localhost;Database=design", TimeProvider.System));
}

public sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerAppDbContext>
{
    public SqlServerAppDbContext CreateDbContext(string[] args) =>
        (SqlServerAppDbContext)AppDbContextFactory.Create(DatabaseProvider.SqlServer,
            AppDbContextFactory.BuildOptions(DatabaseProvider.SqlServer, "Server=localhost;Database=design;TrustServerCertificate=True", TimeProvider.System));
}
