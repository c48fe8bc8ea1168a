using GrandChallenge.Domain.Algorithms;
using Quartz;

namespace GrandChallenge.Workers.Algorithms;

/// <summary>
/// Every half minute, the safety net for calls missed when a process stopped in between: moves on jobs waiting for
/// uploads whose imports have ended, and algorithm submissions whose cases have all ended.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ReconcileAlgorithmJobsJob(AlgorithmJobService jobs, AlgorithmEvaluationPipeline pipeline) : IJob
{
    public static readonly JobKey Key = new("reconcile-algorithm-jobs", "algorithms");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        await jobs.AdvanceAllValidatingAsync(cancellationToken);
        await pipeline.ReconcileAsync(cancellationToken);
    }
}
