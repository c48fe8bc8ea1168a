using Quartz;

namespace GrandChallenge.Workers.Components;

/// <summary>
/// One firing is one slot: it claims the fairest pending job and runs it. Firings request recovery, so when
/// a worker dies mid-job the firing is repeated (after a restart, or on another node) and finds its job by
/// the claim token it left on it.
/// </summary>
public sealed class RunComponentJobJob(ComponentJobExecutor executor, ComponentJobQueue queue, ILogger<RunComponentJobJob> logger) : IJob
{
    public static readonly JobKey Key = new("run-component-job", "components");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        logger.LogDebug("Job {Job} stage {Stage} took {Milliseconds:F1} ms", context.Trigger.Key.Name, "wait for the scheduler to fire",
            (DateTimeOffset.UtcNow - (context.ScheduledFireTimeUtc ?? context.FireTimeUtc)).TotalMilliseconds);
        if (context.Recovering && context.RecoveringTriggerKey is { } original)
        {
            await executor.RecoverAsync(original.Name, cancellationToken);
        }
        else if (await executor.RunNextAsync(context.Trigger.Key.Name, cancellationToken) is null)
        {
            return;
        }

        // A slot is free again: let the next pending job (perhaps one held back by the per-user cap) have it.
        var timer = new StageTimer(logger, context.Trigger.Key.Name);
        await queue.TriggerIfPendingAsync(cancellationToken);
        timer.Lap("wake the next firing");
    }
}
