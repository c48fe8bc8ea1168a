using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace GrandChallenge.Workers.Components;

/// <summary>Puts jobs on the queue (the jobs table) and wakes the workers; cancels them for their owner or a site admin.</summary>
public sealed class ComponentJobQueue(
    IDbContextFactory<AppDbContext> dbFactory, ComponentJobStore store, ISchedulerFactory schedulers, IChangeNotifier notifier, TimeProvider clock) : IComponentJobQueue
{
    public async Task<ComponentJob> EnqueueAsync(ComponentJob job, CancellationToken ct = default)
    {
        job.Status = ComponentJobStatus.Pending;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            db.ComponentJobs.Add(job);
            await db.SaveChangesAsync(ct);
        }

        notifier.Publish(ComponentJobExecutor.Topic(job.Id), new ComponentJobUpdate(job.Id, job.Status, null));
        await TriggerAsync(ct: ct);
        return job;
    }

    /// <summary>Fires one <see cref="RunComponentJobJob"/> now, or after <paramref name="delay"/>.</summary>
    public async Task TriggerAsync(TimeSpan? delay = null, CancellationToken ct = default)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        if (delay is null)
        {
            await scheduler.TriggerJob(RunComponentJobJob.Key, ct);
            return;
        }

        await scheduler.ScheduleJob(TriggerBuilder.Create()
            .ForJob(RunComponentJobJob.Key)
            .WithIdentity($"run-{Guid.NewGuid():N}", "components")
            .StartAt(clock.GetUtcNow() + delay.Value)
            .Build(), cancellationToken: ct);
    }

    public async Task TriggerIfPendingAsync(CancellationToken ct = default)
    {
        if (await store.CountAsync(ComponentJobStatus.Pending, ct) > 0)
        {
            await TriggerAsync(ct: ct);
        }
    }

    /// <summary>Cancels a waiting job at once, or asks its worker to stop the container.</summary>
    public async Task<Result<ComponentJobStatus>> CancelAsync(Actor actor, Guid jobId, CancellationToken ct = default)
    {
        var job = await store.FindAsync(jobId, ct);
        if (job is null || !(actor.IsSiteAdmin || (actor.UserId is { } user && job.CreatorId == user)))
        {
            return Result<ComponentJobStatus>.Fail("No such job.");
        }

        return await CancelAsync(job, ct);
    }

    public async Task<Result<ComponentJobStatus>> CancelAsync(Guid jobId, CancellationToken ct = default) =>
        await store.FindAsync(jobId, ct) is { } job ? await CancelAsync(job, ct) : Result<ComponentJobStatus>.Fail("No such job.");

    private async Task<Result<ComponentJobStatus>> CancelAsync(ComponentJob job, CancellationToken ct)
    {
        var jobId = job.Id;
        if (job.IsFinal)
        {
            return Result<ComponentJobStatus>.Fail($"The job has already ended ({ComponentJob.Label(job.Status)}).");
        }

        var now = clock.GetUtcNow();
        if (await store.TransitionAsync(jobId, [ComponentJobStatus.ValidatingInputs, ComponentJobStatus.Pending], ComponentJobStatus.Cancelled,
                s => s.SetProperty(j => j.CancelRequestedAt, now).SetProperty(j => j.ErrorMessage, "The job was cancelled."), ct))
        {
            notifier.Publish(ComponentJobExecutor.Topic(jobId), new ComponentJobUpdate(jobId, ComponentJobStatus.Cancelled, "The job was cancelled."));
            return Result<ComponentJobStatus>.Ok(ComponentJobStatus.Cancelled);
        }

        // Running: the worker watching it sees the request within a second and stops the container.
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.ComponentJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequestedAt, now), ct);
        return Result<ComponentJobStatus>.Ok(job.Status);
    }
}
