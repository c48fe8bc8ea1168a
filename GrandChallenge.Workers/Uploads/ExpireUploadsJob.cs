using GrandChallenge.Domain.Uploads;
using Quartz;

namespace GrandChallenge.Workers.Uploads;

/// <summary>Hourly: deletes uploads left unfinished past <see cref="UploadOptions.ExpireAfter"/> and aborted ones, with their files.</summary>
[DisallowConcurrentExecution]
public sealed class ExpireUploadsJob(IUploadService uploads) : IJob
{
    public static readonly JobKey Key = new("expire-uploads", "maintenance");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await uploads.DeleteExpiredAsync(cancellationToken);
}
