using GrandChallenge.Domain.Algorithms;
using Quartz;

namespace GrandChallenge.Workers.Algorithms;

/// <summary>Every half minute: moves on algorithm submissions whose pipeline missed a call (a process stopped in between).</summary>
[DisallowConcurrentExecution]
public sealed class ReconcileAlgorithmEvaluationsJob(AlgorithmEvaluationPipeline pipeline) : IJob
{
    public static readonly JobKey Key = new("reconcile-algorithm-evaluations", "algorithms");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await pipeline.ReconcileAsync(cancellationToken);
}
