using GrandChallenge.Domain.Cases;
using Quartz;

namespace GrandChallenge.Workers.Imports;

/// <summary>Imports the images of one upload session; the job data names it. Re-run after a crash (RequestsRecovery).</summary>
public sealed class ImportImagesJob(ImageImporter importer) : IJob
{
    public static readonly JobKey Key = new("import-images", "imports");
    public const string SessionIdKey = "upload-session-id";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        if (Guid.TryParse(context.MergedJobDataMap.GetString(SessionIdKey), out var id))
        {
            await importer.ImportAsync(id, cancellationToken);
        }
    }
}

/// <summary><see cref="IImageImportJobs"/> on the platform's Quartz scheduler (persistent, shared by every worker node).</summary>
public sealed class QuartzImageImportJobs(ISchedulerFactory schedulers) : IImageImportJobs
{
    public async Task ScheduleImportAsync(Guid sessionId, CancellationToken ct = default)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var trigger = TriggerBuilder.Create()
            .ForJob(ImportImagesJob.Key)
            .WithIdentity($"import-{sessionId:N}-{Guid.NewGuid():N}", ImportImagesJob.Key.Group)
            .UsingJobData(ImportImagesJob.SessionIdKey, sessionId.ToString())
            .StartNow()
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await scheduler.ScheduleJob(trigger, new ScheduleJobOptions(), ct);
    }
}
