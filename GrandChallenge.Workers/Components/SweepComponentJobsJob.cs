using Quartz;

namespace GrandChallenge.Workers.Components;

/// <summary>Every half minute: fails jobs stuck past their limit, removes orphaned containers, wakes pending jobs.</summary>
[DisallowConcurrentExecution]
public sealed class SweepComponentJobsJob(ComponentJobSweeper sweeper) : IJob
{
    public static readonly JobKey Key = new("sweep-component-jobs", "components");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await sweeper.SweepAsync(cancellationToken);
}
