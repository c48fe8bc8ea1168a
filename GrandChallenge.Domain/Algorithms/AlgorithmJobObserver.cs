using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Notifications;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Algorithms;

/// <summary>
/// Acts on the end of a job on a user's own inputs (system jobs of challenge submissions are left to their evaluation):
/// a success updates the algorithm's average run time; the creator is told the outcome; pages showing the job or the
/// algorithm's jobs reload.
/// </summary>
public sealed class AlgorithmJobObserver(
    IDbContextFactory<AppDbContext> dbFactory,
    INotificationService notifications,
    IChangeNotifier notifier) : IComponentJobObserver
{
    public async Task JobFinishedAsync(Guid jobId, ComponentJobKind kind, ComponentJobStatus status, CancellationToken ct)
    {
        if (kind != ComponentJobKind.Algorithm)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.AlgorithmJobs.AsNoTracking().FirstOrDefaultAsync(j => j.JobId == jobId, ct);
        if (row is null || row.EvaluationId is not null)
        {
            return;
        }

        var algorithm = await db.Algorithms.AsNoTracking().FirstOrDefaultAsync(a => a.Id == row.AlgorithmId, ct);
        if (algorithm is null)
        {
            return;
        }

        if (status == ComponentJobStatus.Succeeded)
        {
            var durations = await db.AlgorithmJobs
                .Where(j => j.AlgorithmId == algorithm.Id && j.EvaluationId == null)
                .Join(db.ComponentJobs, j => j.JobId, c => c.Id, (j, c) => c)
                .Where(c => c.Status == ComponentJobStatus.Succeeded && c.ExecDurationMs != null)
                .Select(c => c.ExecDurationMs!.Value)
                .ToListAsync(ct);
            if (durations.Count > 0)
            {
                var average = durations.Average() / 1000.0;
                await db.Algorithms.Where(a => a.Id == algorithm.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.AverageDurationSeconds, average), ct);
            }
        }

        if (row.CreatorId is { } creator)
        {
            var outcome = status switch
            {
                ComponentJobStatus.Succeeded => "succeeded",
                ComponentJobStatus.Failed => "failed",
                _ => "was cancelled",
            };
            await notifications.NotifyAsync([creator], $"Your job of {algorithm.Title} {outcome}.", $"/algorithms/jobs/{jobId}", ct);
        }

        notifier.Publish(AlgorithmTopics.Job(jobId), jobId);
        notifier.Publish(AlgorithmTopics.Jobs(algorithm.Id), jobId);
        notifier.Publish(AlgorithmTopics.Algorithm(algorithm.Id), algorithm.Id);
    }
}
