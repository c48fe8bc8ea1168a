using System.Linq.Expressions;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrandChallenge.Domain.Components;

public sealed record ComponentJobRun(int? ExitCode, string Stdout, string Stderr, long DurationMs, long? PeakMemoryBytes, long? CpuTimeMs);

/// <summary>
/// The job queue is the jobs table. Status changes are compare-and-set updates (the row changes only if it
/// is still in the expected status), so two workers can never both move a job, in one process or many.
/// </summary>
public sealed class ComponentJobStore(
    IDbContextFactory<AppDbContext> dbFactory,
    TimeProvider clock,
    IEnumerable<IComponentJobObserver>? observers = null,
    ILogger<ComponentJobStore>? logger = null)
{
    private readonly IComponentJobObserver[] _observers = observers?.ToArray() ?? [];
    private readonly ILogger _logger = logger ?? NullLogger<ComponentJobStore>.Instance;

    /// <summary>Moves the job from one of <paramref name="from"/> to <paramref name="to"/>; false when it was not in one of them.</summary>
    public Task<bool> TransitionAsync(
        Guid jobId, ComponentJobStatus[] from, ComponentJobStatus to,
        Action<UpdateSettersBuilder<ComponentJob>>? also = null, CancellationToken ct = default) =>
        TransitionWhereAsync(jobId, from, to, null, also, ct);

    /// <summary>A transition that also requires the row to match <paramref name="when"/>.</summary>
    private async Task<bool> TransitionWhereAsync(
        Guid jobId, ComponentJobStatus[] from, ComponentJobStatus to, Expression<Func<ComponentJob, bool>>? when,
        Action<UpdateSettersBuilder<ComponentJob>>? also, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var rows = db.ComponentJobs.Where(j => j.Id == jobId && from.Contains(j.Status));
        var changed = await (when is null ? rows : rows.Where(when))
            .ExecuteUpdateAsync(s =>
            {
                s.SetProperty(j => j.Status, to).SetProperty(j => j.Modified, now);
                if (to is ComponentJobStatus.Succeeded or ComponentJobStatus.Failed or ComponentJobStatus.Cancelled)
                {
                    s.SetProperty(j => j.CompletedAt, now);
                }

                also?.Invoke(s);
            }, ct);
        if (changed == 1 && to is ComponentJobStatus.Succeeded or ComponentJobStatus.Failed or ComponentJobStatus.Cancelled)
        {
            await NotifyFinishedAsync(jobId, to);
        }

        return changed == 1;
    }

    private async Task NotifyFinishedAsync(Guid jobId, ComponentJobStatus status)
    {
        if (_observers.Length == 0)
        {
            return;
        }

        ComponentJobKind kind;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            kind = await db.ComponentJobs.Where(j => j.Id == jobId).Select(j => j.Kind).SingleAsync();
        }

        foreach (var observer in _observers)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                // Not the caller's token: the outcome is stored, and what follows from it should not stop half-way.
                await observer.JobFinishedAsync(jobId, kind, status, CancellationToken.None);
                _logger.LogDebug("Job {Job} stage {Stage} took {Milliseconds:F1} ms", jobId.ToString("N"), observer.GetType().Name,
                    System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "{Observer} failed on job {Job} ({Status})", observer.GetType().Name, jobId, status);
            }
        }
    }

    public Task<bool> TransitionAsync(Guid jobId, ComponentJobStatus from, ComponentJobStatus to,
        Action<UpdateSettersBuilder<ComponentJob>>? also = null, CancellationToken ct = default) =>
        TransitionAsync(jobId, [from], to, also, ct);

    public async Task<ComponentJob?> FindAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ComponentJobs.AsNoTracking().Include(j => j.Values).SingleOrDefaultAsync(j => j.Id == jobId, ct);
    }

    /// <summary>
    /// Claims the next pending job fairly: users (then fairness groups) with the fewest running jobs go first,
    /// oldest first among equals, and no user runs more than <paramref name="maxRunningPerUser"/> at once.
    /// </summary>
    public async Task<ComponentJob?> ClaimNextAsync(string claimToken, string node, int maxRunningPerUser, CancellationToken ct = default)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var now = clock.GetUtcNow();
            var candidates = await db.ComponentJobs.AsNoTracking()
                .Where(j => j.Status == ComponentJobStatus.Pending && (j.RetryAfter == null || j.RetryAfter <= now))
                .OrderBy(j => j.Created)
                .Take(500)
                .Select(j => new { j.Id, j.CreatorId, j.FairnessGroup, j.Created })
                .ToListAsync(ct);
            if (candidates.Count == 0)
            {
                return null;
            }

            var running = await db.ComponentJobs.AsNoTracking()
                .Where(j => ComponentJob.RunningStatuses.Contains(j.Status))
                .Select(j => new { j.CreatorId, j.FairnessGroup })
                .ToListAsync(ct);
            var byUser = running.Where(r => r.CreatorId != null).GroupBy(r => r.CreatorId!.Value).ToDictionary(g => g.Key, g => g.Count());
            var byGroup = running.Where(r => r.FairnessGroup != null).GroupBy(r => r.FairnessGroup!).ToDictionary(g => g.Key, g => g.Count());

            var next = candidates
                .Where(c => c.CreatorId is null || byUser.GetValueOrDefault(c.CreatorId.Value) < maxRunningPerUser)
                .OrderBy(c => c.CreatorId is null ? 0 : byUser.GetValueOrDefault(c.CreatorId.Value))
                .ThenBy(c => c.FairnessGroup is null ? 0 : byGroup.GetValueOrDefault(c.FairnessGroup))
                .ThenBy(c => c.Created)
                .FirstOrDefault();
            if (next is null)
            {
                return null;
            }

            // RetryAfter is checked again: since the read, another worker may have claimed the job, hit an engine
            // fault and put it back to wait.
            if (await TransitionWhereAsync(next.Id, [ComponentJobStatus.Pending], ComponentJobStatus.Provisioned,
                    j => j.RetryAfter == null || j.RetryAfter <= now,
                    s => s.SetProperty(j => j.ClaimToken, claimToken).SetProperty(j => j.WorkerNode, node).SetProperty(j => j.ClaimedAt, now), ct))
            {
                return await FindAsync(next.Id, ct);
            }

            // Another worker claimed it first; look again.
        }

        return null;
    }

    /// <summary>Stores what the container run reported (exit code, logs, resources), whatever the outcome.</summary>
    public async Task RecordRunAsync(Guid jobId, ComponentJobRun run, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.ComponentJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.ExitCode, run.ExitCode)
            .SetProperty(j => j.Stdout, run.Stdout)
            .SetProperty(j => j.Stderr, run.Stderr)
            .SetProperty(j => j.ExecDurationMs, run.DurationMs)
            .SetProperty(j => j.PeakMemoryBytes, run.PeakMemoryBytes)
            .SetProperty(j => j.CpuTimeMs, run.CpuTimeMs), ct);
    }

    /// <summary>Attaches the output values and moves Executed → Succeeded in one transaction.</summary>
    public async Task<bool> CompleteAsync(Guid jobId, IReadOnlyList<long> outputValueIds, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.ComponentJobValues.AddRange(outputValueIds.Distinct().Select(id => new ComponentJobValue { JobId = jobId, SocketValueId = id, IsOutput = true }));
        await db.SaveChangesAsync(ct);
        var now = clock.GetUtcNow();
        var changed = await db.ComponentJobs
            .Where(j => j.Id == jobId && j.Status == ComponentJobStatus.Executed)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, ComponentJobStatus.Succeeded).SetProperty(j => j.CompletedAt, now).SetProperty(j => j.Modified, now), ct);
        if (changed != 1)
        {
            await transaction.RollbackAsync(ct);
            return false;
        }

        await transaction.CommitAsync(ct);
        await NotifyFinishedAsync(jobId, ComponentJobStatus.Succeeded);
        return true;
    }

    public async Task<ComponentJob?> FindByClaimAsync(string claimToken, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ComponentJobs.AsNoTracking().Include(j => j.Values).SingleOrDefaultAsync(j => j.ClaimToken == claimToken, ct);
    }

    public async Task<int> CountAsync(ComponentJobStatus status, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ComponentJobs.CountAsync(j => j.Status == status, ct);
    }

    public async Task<bool> IsCancelRequestedAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ComponentJobs.AnyAsync(j => j.Id == jobId && (j.CancelRequestedAt != null || j.Status == ComponentJobStatus.Cancelled), ct);
    }
}
