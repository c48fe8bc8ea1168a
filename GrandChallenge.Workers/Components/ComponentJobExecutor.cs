using System.Formats.Tar;
using System.IO.Compression;
using Docker.DotNet;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Workers.Containers;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Workers.Components;

/// <summary>
/// Takes a claimed job through Provisioned → Executing → Executed → Succeeded (or Failed / Cancelled), each
/// step a compare-and-set, and can pick a job up again after the worker process died.
/// </summary>
public sealed class ComponentJobExecutor(
    ComponentJobStore store,
    ComponentJobQueue queue,
    IContainerRunner runner,
    IComponentJobIo io,
    IBlobStore blobs,
    IChangeNotifier notifier,
    NodeIdentity node,
    DataDirectory data,
    IOptions<ContainerOptions> containerOptions,
    IOptions<WorkersOptions> workerOptions,
    TimeProvider clock,
    ILogger<ComponentJobExecutor> logger)
{
    public const int MaxInfrastructureAttempts = 3;
    private static readonly TimeSpan CancelPollInterval = TimeSpan.FromMilliseconds(500);

    private readonly SemaphoreSlim _slots = new(workerOptions.Value.Slots, workerOptions.Value.Slots);

    public static string Topic(Guid jobId) => $"component-job/{jobId}";

    public static string LogTopic(Guid jobId) => $"component-job/{jobId}/log";

    /// <summary>Claims the fairest pending job, if any, and runs it. Returns the job id run, or null when there was none.</summary>
    public async Task<Guid?> RunNextAsync(string claimToken, CancellationToken shutdown)
    {
        var timer = new StageTimer(logger, claimToken);
        await _slots.WaitAsync(shutdown);
        timer.Lap("wait for a slot");
        using var slot = new Slot(_slots);
        var job = await store.ClaimNextAsync(claimToken, node.Name, workerOptions.Value.MaxRunningJobsPerUser, shutdown);
        timer.Lap(job is null ? "find nothing to claim" : "claim");
        if (job is null)
        {
            return null;
        }

        Publish(job.Id, ComponentJobStatus.Provisioned);
        await ExecuteAsync(job, slot, shutdown);
        return job.Id;
    }

    /// <summary>Finishes the job a firing had claimed before its worker stopped.</summary>
    public async Task RecoverAsync(string claimToken, CancellationToken shutdown)
    {
        var job = await store.FindByClaimAsync(claimToken, shutdown);
        if (job is null || job.IsFinal)
        {
            return;
        }

        logger.LogInformation("Recovering job {Job} in status {Status}", job.Id, job.Status);
        await _slots.WaitAsync(shutdown);
        using var slot = new Slot(_slots);
        await ExecuteAsync(job, slot, shutdown);
    }

    private string JobDirectory(Guid jobId) =>
        Path.Combine(containerOptions.Value.WorkDirectory is { Length: > 0 } w ? w : data.Folder("work"), jobId.ToString("N"));

    private async Task ExecuteAsync(ComponentJob job, Slot slot, CancellationToken shutdown)
    {
        var directory = JobDirectory(job.Id);
        var spec = BuildSpec(job, directory);
        var timer = new StageTimer(logger, spec.JobId);
        var handedBack = false;
        try
        {
            var result = job.Status switch
            {
                ComponentJobStatus.Provisioned => await ProvisionAndRunAsync(job, spec, timer, shutdown),
                ComponentJobStatus.Executing => await ResumeAsync(job, spec, shutdown),
                _ => null,
            };

            // The container has exited and is removed: the next job may start while this one's outputs are stored.
            slot.Dispose();
            if (job.Status == ComponentJobStatus.Executed || result is { Succeeded: true })
            {
                await FinishOutputsAsync(job, spec.OutputDirectory, timer, shutdown);
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // The worker is stopping: the container keeps running and the firing is handed back for recovery.
            handedBack = true;
            throw;
        }
        catch (DockerImageNotFoundException)
        {
            await FailAsync(job.Id, ComponentJob.RunningStatuses, "The container image is not available on the worker that ran this job. An administrator must re-import it.");
        }
        catch (DomainException e)
        {
            // The user's inputs cannot be laid out (a zip that breaks the rules, clashing files): their problem, told plainly.
            await FailAsync(job.Id, ComponentJob.RunningStatuses, e.Message);
        }
        catch (Exception e) when (IsInfrastructureFault(e))
        {
            await RequeueOrFailAsync(job, e);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Job {Job} failed unexpectedly", job.Id);
            await FailAsync(job.Id, ComponentJob.RunningStatuses, "An unexpected error occurred while running the job.");
        }
        finally
        {
            if (!handedBack)
            {
                TryDelete(directory);
                timer.Lap("delete the job folder");
            }
        }
    }

    private async Task<ContainerRunResult?> ProvisionAndRunAsync(ComponentJob job, ContainerRunSpec spec, StageTimer timer, CancellationToken shutdown)
    {
        TryDelete(Path.GetDirectoryName(spec.InputDirectory)!);
        Directory.CreateDirectory(spec.InputDirectory);
        await io.StageInputsAsync(job, spec.InputDirectory, shutdown);
        foreach (var (mount, hostPath) in job.ArchiveMounts.Zip(spec.ReadOnlyMounts.Keys))
        {
            await UnpackAsync(mount.BlobKey, hostPath, shutdown);
        }

        timer.Lap("stage inputs");
        var started = clock.GetUtcNow();
        if (!await store.TransitionAsync(job.Id, ComponentJobStatus.Provisioned, ComponentJobStatus.Executing,
                s => s.SetProperty(j => j.StartedAt, started), shutdown))
        {
            return null; // cancelled while provisioning
        }

        Publish(job.Id, ComponentJobStatus.Executing);
        timer.Lap("store Executing");
        return await RunWatchingCancellationAsync(job, async ct =>
        {
            var result = await runner.RunAsync(spec, line => PublishLog(job.Id, line), ct, shutdown);
            timer.Lap("run the container");
            return result;
        }, shutdown, timer);
    }

    private async Task<ContainerRunResult?> ResumeAsync(ComponentJob job, ContainerRunSpec spec, CancellationToken shutdown)
    {
        var result = await RunWatchingCancellationAsync(job,
            ct => runner.ResumeAsync(spec, job.StartedAt ?? clock.GetUtcNow(), line => PublishLog(job.Id, line), ct, shutdown), shutdown, null);
        if (result is null)
        {
            await FailAsync(job.Id, [ComponentJobStatus.Executing],
                "The worker running this job stopped and the job's container was gone when it came back. Please submit it again.");
        }

        return result;
    }

    private async Task<ContainerRunResult?> RunWatchingCancellationAsync(
        ComponentJob job, Func<CancellationToken, Task<ContainerRunResult?>> run, CancellationToken shutdown, StageTimer? timer)
    {
        using var cancel = new CancellationTokenSource();
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var watch = WatchForCancellationAsync(job.Id, cancel, stopWatching.Token);
        ContainerRunResult? result;
        try
        {
            result = await run(cancel.Token);
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watch;
            timer?.Lap("stop watching for cancellation");
        }

        if (result is null)
        {
            return null;
        }

        await RecordRunAsync(job.Id, result);
        if (result.Cancelled)
        {
            await CancelledAsync(job.Id);
        }
        else if (!result.Succeeded)
        {
            await FailAsync(job.Id, [ComponentJobStatus.Executing], result.FailureMessage!);
        }
        else if (await store.TransitionAsync(job.Id, ComponentJobStatus.Executing, ComponentJobStatus.Executed))
        {
            Publish(job.Id, ComponentJobStatus.Executed);
        }

        timer?.Lap("store the run and Executed");
        return result;
    }

    private async Task WatchForCancellationAsync(Guid jobId, CancellationTokenSource cancel, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(CancelPollInterval, clock, stop);
                if (await store.IsCancelRequestedAsync(jobId, stop))
                {
                    await cancel.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task FinishOutputsAsync(ComponentJob job, string outputDirectory, StageTimer timer, CancellationToken ct)
    {
        var outputs = await io.ReadOutputsAsync(job, outputDirectory, ct);
        timer.Lap("read outputs");
        if (outputs.Error is not null)
        {
            await FailAsync(job.Id, [ComponentJobStatus.Executed], outputs.Error, outputs.Details);
            return;
        }

        if (await store.CompleteAsync(job.Id, outputs.ValueIds, ct))
        {
            Publish(job.Id, ComponentJobStatus.Succeeded);
        }

        timer.Lap("store Succeeded and tell the observers");
    }

    private Task RecordRunAsync(Guid jobId, ContainerRunResult result) =>
        store.RecordRunAsync(jobId, new ComponentJobRun(
            result.ExitCode,
            string.Join('\n', result.Stdout.Select(l => l.ToString())),
            string.Join('\n', result.Stderr.Select(l => l.ToString())),
            (long)result.Duration.TotalMilliseconds,
            result.PeakMemoryBytes,
            result.CpuTime is { } cpu ? (long)cpu.TotalMilliseconds : null));

    private async Task FailAsync(Guid jobId, ComponentJobStatus[] from, string message, IReadOnlyDictionary<string, string>? details = null)
    {
        var text = message.Length > 1024 ? message[..1021] + "..." : message;
        if (await store.TransitionAsync(jobId, from, ComponentJobStatus.Failed, s =>
            {
                s.SetProperty(j => j.ErrorMessage, text);
                if (details is not null)
                {
                    s.SetProperty(j => j.DetailedErrors, details.ToDictionary());
                }
            }))
        {
            Publish(jobId, ComponentJobStatus.Failed, text);
        }
    }

    private async Task CancelledAsync(Guid jobId)
    {
        if (await store.TransitionAsync(jobId, ComponentJob.RunningStatuses, ComponentJobStatus.Cancelled,
                s => s.SetProperty(j => j.ErrorMessage, "The job was cancelled.")))
        {
            Publish(jobId, ComponentJobStatus.Cancelled, "The job was cancelled.");
        }
    }

    private async Task RequeueOrFailAsync(ComponentJob job, Exception e)
    {
        logger.LogWarning(e, "Infrastructure fault on job {Job}, attempt {Attempt}", job.Id, job.Attempt);
        var retryAfter = clock.GetUtcNow() + TimeSpan.FromSeconds(workerOptions.Value.RetryDelaySeconds) * (job.Attempt + 1);
        if (job.Attempt + 1 < MaxInfrastructureAttempts
            && await store.TransitionAsync(job.Id, [ComponentJobStatus.Provisioned, ComponentJobStatus.Executing], ComponentJobStatus.Pending,
                s => s.SetProperty(j => j.Attempt, job.Attempt + 1).SetProperty(j => j.ClaimToken, (string?)null)
                    .SetProperty(j => j.StartedAt, (DateTimeOffset?)null).SetProperty(j => j.RetryAfter, retryAfter)))
        {
            Publish(job.Id, ComponentJobStatus.Pending, "Waiting for the container engine; the job will be retried.");
            await queue.TriggerAsync(retryAfter - clock.GetUtcNow());
            return;
        }

        await FailAsync(job.Id, ComponentJob.RunningStatuses, $"The platform could not run the container: {e.Message}");
    }

    /// <summary>The engine or the disk failed us, not the user's container: worth another attempt.</summary>
    private static bool IsInfrastructureFault(Exception e) =>
        e is HttpRequestException or IOException or TimeoutException or System.Net.Sockets.SocketException
            or DockerApiException { StatusCode: System.Net.HttpStatusCode.InternalServerError or System.Net.HttpStatusCode.ServiceUnavailable };

    private ContainerRunSpec BuildSpec(ComponentJob job, string directory) => new()
    {
        Image = job.ImageReference,
        JobId = job.Id.ToString("N"),
        InputDirectory = Path.Combine(directory, "input"),
        OutputDirectory = Path.Combine(directory, "output"),
        ReadOnlyMounts = job.ArchiveMounts.Select((m, i) => (Host: Path.Combine(directory, $"mount-{i}"), m.MountPath)).ToDictionary(m => m.Host, m => m.MountPath),
        TimeLimit = TimeSpan.FromSeconds(job.TimeLimitSeconds),
        MemoryBytes = (long)job.MemoryGb << 30,
        Cpus = workerOptions.Value.CpusPerJob,
        Runtime = containerOptions.Value.RuntimeFor(job.Kind.ToString()),
        MaxOutputBytes = workerOptions.Value.MaxOutputBytes,
    };

    private async Task UnpackAsync(string blobKey, string destination, CancellationToken ct)
    {
        Directory.CreateDirectory(destination);
        await using var file = blobs.OpenRead(blobKey);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        // The tar "data" rules: no absolute paths, no '..', no links out of the folder (ExtractToDirectory refuses them).
        await TarFile.ExtractToDirectoryAsync(gzip, destination, overwriteFiles: true, ct);
        foreach (var entry in new DirectoryInfo(destination).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).Prepend(new DirectoryInfo(destination)))
        {
            if (!OperatingSystem.IsWindows() && entry.LinkTarget is null)
            {
                File.SetUnixFileMode(entry.FullName, entry is DirectoryInfo ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100);
            }
        }
    }

    private void Publish(Guid jobId, ComponentJobStatus status, string? message = null) =>
        notifier.Publish(Topic(jobId), new ComponentJobUpdate(jobId, status, message));

    private void PublishLog(Guid jobId, LogLine line) => notifier.Publish(LogTopic(jobId), line);

    private void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "Could not remove job folder {Directory}", directory);
        }
    }
}

/// <summary>One of the node's container slots, held from the claim until the job's container is gone; released once.</summary>
internal sealed class Slot(SemaphoreSlim slots) : IDisposable
{
    private int _released;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            slots.Release();
        }
    }
}

/// <summary>What live pages hear about a job.</summary>
public sealed record ComponentJobUpdate(Guid JobId, ComponentJobStatus Status, string? Message);
