using GrandChallenge.Domain.Data;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Infrastructure;

/// <summary>One host and database per test class; the provider (and any extra settings or services) come from the derived fixture.</summary>
public abstract class AppFixture(
    DatabaseProvider provider, bool kestrel = false, IReadOnlyDictionary<string, string>? settings = null, Action<IServiceCollection>? services = null)
    : IAsyncLifetime
{
    private TestDatabase? _database;

    public GrandChallengeAppFactory App { get; private set; } = default!;

    public DatabaseProvider Provider => provider;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(provider);
        App = new GrandChallengeAppFactory(_database, kestrel, settings, services);
        _ = App.Services; // boots the host: migrations, first site admin, scheduler
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

public sealed class SqliteAppFixture() : AppFixture(DatabaseProvider.Sqlite);

public sealed class PostgresAppFixture() : AppFixture(DatabaseProvider.PostgreSql);

public sealed class KestrelAppFixture() : AppFixture(DatabaseProvider.Sqlite, kestrel: true);
