using GrandChallenge.Domain.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GrandChallenge.Tests.Infrastructure;

/// <summary>
/// A migrated in-memory SQLite database behind a context factory, for fast tests of domain services. Each context
/// opens its own connection to the shared in-memory database (one connection shared by contexts that a page and a
/// test use at the same moment fails at random); <see cref="_keepAlive"/> keeps the database alive until disposed.
/// </summary>
public sealed class InMemoryDatabase : IDbContextFactory<AppDbContext>, IDisposable
{
    private readonly SqliteConnection _keepAlive;
    private readonly DbContextOptions _options;

    public InMemoryDatabase(TimeProvider? clock = null, params IInterceptor[] interceptors)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = $"file:gc-test-{Guid.NewGuid():N}",
            Mode = SqliteOpenMode.Memory,
            Cache = SqliteCacheMode.Shared,
        }.ToString();
        _keepAlive = new SqliteConnection(connectionString);
        _keepAlive.Open();
        var builder = new DbContextOptionsBuilder<AppDbContext>().UseSqlite(connectionString);
        builder.AddInterceptors(new TimestampInterceptor(clock ?? TimeProvider.System));
        builder.AddInterceptors(interceptors);
        _options = builder.Options;
        using var db = CreateDbContext();
        db.Database.Migrate();
    }

    public AppDbContext CreateDbContext() => new SqliteAppDbContext(_options);

    /// <summary>Stores a bare image row, for tests that need an image id a socket value can point at.</summary>
    public async Task<Guid> AddImageAsync(string name = "scan.mha")
    {
        await using var db = CreateDbContext();
        var image = new GrandChallenge.Domain.Cases.Image { Name = name, Width = 2, Height = 2 };
        db.Images.Add(image);
        await db.SaveChangesAsync();
        return image.Id;
    }

    public void Dispose() => _keepAlive.Dispose();
}
