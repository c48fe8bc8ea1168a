using GrandChallenge.Domain.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GrandChallenge.Tests.Infrastructure;

/// <summary>A migrated in-memory SQLite database behind a context factory, for fast tests of domain services.</summary>
public sealed class InMemoryDatabase : IDbContextFactory<AppDbContext>, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly DbContextOptions _options;

    public InMemoryDatabase(TimeProvider? clock = null, params IInterceptor[] interceptors)
    {
        _connection = new SqliteConnection("Data Source=:memory:");
        _connection.Open();
        var builder = new DbContextOptionsBuilder<AppDbContext>().UseSqlite(_connection);
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

    public void Dispose() => _connection.Dispose();
}
