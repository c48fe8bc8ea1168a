using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Data;

public static class DatabaseMigrator
{
    /// <summary>Applies pending migrations when <see cref="DatabaseOptions.MigrateOnStartup"/> is set (or <paramref name="force"/>).</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, bool force = false, CancellationToken ct = default)
    {
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        if (!options.MigrateOnStartup && !force)
        {
            return;
        }

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseMigrator));
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(ct);
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count > 0)
        {
            logger.LogInformation("Applying {Count} migration(s) to the {Provider} database: {Migrations}", pending.Count, options.Provider, string.Join(", ", pending));
            await db.Database.MigrateAsync(ct);
        }

        if (options.Provider == DatabaseProvider.Sqlite)
        {
            // Write-ahead logging lets pages read while workers write; the setting persists in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
    }
}
