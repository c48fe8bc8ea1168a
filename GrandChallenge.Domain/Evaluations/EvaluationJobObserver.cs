using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Notifications;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>
/// When an evaluation's job ends: copies <c>metrics.json</c> onto the evaluation, re-ranks the phase, tells the
/// submitter and wakes live pages. A call missed because the process stopped is made good by the next recomputation
/// of the phase (<see cref="LeaderboardService"/> fills in missing metrics).
/// </summary>
public sealed class EvaluationJobObserver(
    IDbContextFactory<AppDbContext> dbFactory,
    ILeaderboardService leaderboards,
    ISocketValueService values,
    INotificationService notifications,
    IChangeNotifier notifier) : IComponentJobObserver
{
    public async Task JobFinishedAsync(Guid jobId, ComponentJobKind kind, ComponentJobStatus status, CancellationToken ct)
    {
        if (kind != ComponentJobKind.Evaluation)
        {
            return;
        }

        Guid phaseId;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var evaluation = await db.Evaluations.FirstOrDefaultAsync(e => e.JobId == jobId, ct);
            if (evaluation is null)
            {
                return;
            }

            phaseId = evaluation.PhaseId;
            if (status == ComponentJobStatus.Succeeded)
            {
                evaluation.MetricsJson = await LeaderboardService.ReadMetricsAsync(db, values, jobId, ct) ?? "null";
            }

            var phase = await db.Phases.AsNoTracking().Where(p => p.Id == phaseId)
                .Join(db.Challenges, p => p.ChallengeId, c => c.Id, (p, c) => new { p.Title, p.Slug, c.ShortName })
                .SingleAsync(ct);
            await db.SaveChangesAsync(ct);
            if (evaluation.CreatorId is { } userId)
            {
                var outcome = status switch
                {
                    ComponentJobStatus.Succeeded => "succeeded",
                    ComponentJobStatus.Failed => "failed",
                    _ => "was cancelled",
                };
                await notifications.NotifyAsync([userId], $"Your evaluation in {phase.Title} {outcome}.",
                    $"/challenges/{phase.ShortName}/evaluations/{evaluation.Id}", ct);
            }
        }

        await leaderboards.RecomputeAsync(phaseId, ct);
        notifier.Publish(EvaluationTopics.Evaluations(phaseId), phaseId);
    }
}
