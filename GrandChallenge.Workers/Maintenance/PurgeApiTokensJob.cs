using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace GrandChallenge.Workers.Maintenance;

/// <summary>Deletes API tokens that expired or were revoked more than <see cref="KeepFor"/> ago.</summary>
[DisallowConcurrentExecution]
public sealed class PurgeApiTokensJob(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, ILogger<PurgeApiTokensJob> logger) : IJob
{
    public static readonly JobKey Key = new("purge-api-tokens", "maintenance");
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(30);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var purged = await PurgeAsync(cancellationToken);
        if (purged > 0)
        {
            logger.LogInformation("Purged {Count} expired or revoked API token(s)", purged);
        }
    }

    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - KeepFor;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiTokens.Where(t => t.RevokedAt < cutoff || t.ExpiresAt < cutoff).ExecuteDeleteAsync(ct);
    }
}
