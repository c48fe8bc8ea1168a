using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Workers.Containers;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Workers.Components;

/// <summary>
/// The safety net behind the executor: a job whose worker vanished for good (a node that never came back)
/// is failed with a clear message once it is well past its time limit; containers that belong to no running
/// job are removed; pending jobs get a firing in case every earlier one was spent.
/// </summary>
public sealed class ComponentJobSweeper(
    IDbContextFactory<AppDbContext> dbFactory,
    ComponentJobStore store,
    IContainerRunner runner,
    ComponentJobQueue queue,
    IChangeNotifier notifier,
    TimeProvider clock,
    ILogger<ComponentJobSweeper> logger)
{
    /// <summary>Grace beyond a job's own time limit before the sweeper gives up on it.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);

    public const string StuckMessage = "The job did not finish within its time limit and its worker stopped responding; it was stopped by the platform.";

    public async Task SweepAsync(CancellationToken ct)
    {
        await FailStuckJobsAsync(ct);
        await RemoveOrphanedContainersAsync(ct);
        await queue.TriggerIfPendingAsync(ct);
    }

    private async Task FailStuckJobsAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var running = await db.ComponentJobs.AsNoTracking()
            .Where(j => ComponentJob.RunningStatuses.Contains(j.Status))
            .Select(j => new { j.Id, j.TimeLimitSeconds, j.ClaimedAt, j.StartedAt })
            .ToListAsync(ct);
        foreach (var job in running.Where(j => (j.StartedAt ?? j.ClaimedAt) + TimeSpan.FromSeconds(j.TimeLimitSeconds) + Grace < now))
        {
            if (await store.TransitionAsync(job.Id, ComponentJob.RunningStatuses, ComponentJobStatus.Failed,
                    s => s.SetProperty(j => j.ErrorMessage, StuckMessage), ct))
            {
                logger.LogWarning("Failed stuck job {Job}", job.Id);
                notifier.Publish(ComponentJobExecutor.Topic(job.Id), new ComponentJobUpdate(job.Id, ComponentJobStatus.Failed, StuckMessage));
            }
        }
    }

    private async Task RemoveOrphanedContainersAsync(CancellationToken ct)
    {
        var removed = await runner.RemoveOrphansAsync(async label =>
        {
            if (!Guid.TryParseExact(label, "N", out var jobId))
            {
                return false;
            }

            await using var db = await dbFactory.CreateDbContextAsync(ct);
            // Any node's running job keeps its container: several worker processes may share one engine.
            return await db.ComponentJobs.AnyAsync(j => j.Id == jobId && ComponentJob.RunningStatuses.Contains(j.Status), ct);
        }, ct);
        if (removed > 0)
        {
            logger.LogWarning("Removed {Count} orphaned container(s)", removed);
        }
    }
}
