using GrandChallenge.Domain.Containers;
using Quartz;

namespace GrandChallenge.Workers.Containers;

/// <summary>Imports one container image; the job data names it. Re-run after a crash (RequestsRecovery).</summary>
public sealed class ImportContainerImageJob(ContainerImageImporter importer, IContainerImageJobs jobs, ILogger<ImportContainerImageJob> logger) : IJob
{
    public static readonly JobKey Key = new("import-container-image", "container-images");
    public const string ImageIdKey = "image-id";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        if (!Guid.TryParse(context.MergedJobDataMap.GetString(ImageIdKey), out var id))
        {
            logger.LogError("Import job without a valid {Key}", ImageIdKey);
            return;
        }

        ContainerImageImportResult result;
        try
        {
            result = await importer.ImportAsync(id, context.Recovering, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node is shutting down: hand the import back to the queue rather than leave it Started.
            result = await importer.RequeueAsync(id, "The import was interrupted; it will start again.");
        }
        catch (Exception e)
        {
            logger.LogError(e, "Import of container image {Id} failed unexpectedly", id);
            await importer.FailUnexpectedlyAsync(id);
            return;
        }

        if (result.RetryAfter is { } delay)
        {
            await jobs.ScheduleImportAsync(id, delay, CancellationToken.None);
        }
    }
}

/// <summary>Nightly: takes removed and unused images out of the engine (see <see cref="ContainerImageCleaner"/>).</summary>
[DisallowConcurrentExecution]
public sealed class RemoveUnusedContainerImagesJob(ContainerImageCleaner cleaner) : IJob
{
    public static readonly JobKey Key = new("remove-unused-container-images", "container-images");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await cleaner.RemoveUnusedAsync(cancellationToken);
}

/// <summary><see cref="IContainerImageJobs"/> on the platform's Quartz scheduler (persistent, shared by every worker node).</summary>
public sealed class QuartzContainerImageJobs(ISchedulerFactory schedulers, TimeProvider clock) : IContainerImageJobs
{
    public async Task ScheduleImportAsync(Guid imageId, TimeSpan delay, CancellationToken ct = default)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var trigger = TriggerBuilder.Create()
            .ForJob(ImportContainerImageJob.Key)
            .WithIdentity($"import-{imageId:N}-{Guid.NewGuid():N}", ImportContainerImageJob.Key.Group)
            .UsingJobData(ImportContainerImageJob.ImageIdKey, imageId.ToString())
            .StartAt(clock.GetUtcNow() + delay)
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await scheduler.ScheduleJob(trigger, new ScheduleJobOptions(), ct);
    }

    public async Task ScheduleEngineCleanupAsync(CancellationToken ct = default)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        await scheduler.TriggerJob(RemoveUnusedContainerImagesJob.Key, new JobDataMap(), ct);
    }
}
