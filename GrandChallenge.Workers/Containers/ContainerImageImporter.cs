using System.Collections.Concurrent;
using System.IO.Pipelines;
using Docker.DotNet;
using Docker.DotNet.Models;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Workers.Containers;

/// <summary>What an import attempt came to; <see cref="RetryAfter"/> is set when the engine did not answer.</summary>
public sealed record ContainerImageImportResult(ContainerImageImportStatus? Status, TimeSpan? RetryAfter = null);

/// <summary>
/// Imports one container image: claims it (Queued/Re-Queued → Started, a checked compare-and-set), validates the archive,
/// refuses duplicates, loads it into the engine without the archive's own tags, tags it as the platform's and checks that
/// the engine holds it. An engine that does not answer puts the import back in the queue; it never fails it at once.
/// </summary>
public sealed class ContainerImageImporter(
    IDbContextFactory<AppDbContext> dbFactory,
    IBlobStore blobs,
    IDockerEngine engine,
    DockerArchiveInspector inspector,
    IChangeNotifier notifier,
    IOptions<ContainerImageOptions> options,
    TimeProvider clock,
    ILogger<ContainerImageImporter> logger)
{
    public const string WaitingForEngine = "Waiting for the container engine";
    private const int MaxMessageLength = 2000;

    private static readonly ContainerImageImportStatus[] Claimable = [ContainerImageImportStatus.Queued, ContainerImageImportStatus.ReQueued];

    public async Task<ContainerImageImportResult> ImportAsync(Guid id, bool recovering, CancellationToken ct)
    {
        // After a crash Quartz re-runs the job ("recovering"): then an import left Started is ours to finish.
        var claimable = recovering ? [.. Claimable, ContainerImageImportStatus.Started] : Claimable;
        if (!await TransitionAsync(id, claimable, ContainerImageImportStatus.Started, s => s.SetProperty(i => i.StatusMessage, ""), ct))
        {
            logger.LogInformation("Container image {Id} is not waiting for an import; nothing to do", id);
            return new ContainerImageImportResult(null);
        }

        ContainerImage image;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            image = await db.ContainerImages.AsNoTracking().SingleAsync(i => i.Id == id, ct);
        }

        if (!blobs.Exists(image.BlobKey))
        {
            return await FailAsync(id, "The container image file is missing from storage. Upload it again.", manifestValid: null, ct);
        }

        var size = blobs.Length(image.BlobKey);
        if (size > options.Value.MaxArchiveBytes)
        {
            return await FailAsync(id,
                $"The container image file is larger than {DockerArchive.FormatBytes(options.Value.MaxArchiveBytes)}, the most this platform accepts.", false, ct);
        }

        Result<DockerArchiveInspection> inspection;
        await using (var archive = blobs.OpenRead(image.BlobKey))
        {
            inspection = await inspector.InspectAsync(archive, ct);
        }

        if (!inspection.Succeeded)
        {
            return await FailAsync(id, inspection.Error!, manifestValid: false, ct);
        }

        // The sha is recorded before the duplicate check, so that of two identical uploads imported at once the later one
        // always sees the earlier.
        var sha = inspection.Value!.ImageSha256;
        await TransitionAsync(id, [ContainerImageImportStatus.Started], ContainerImageImportStatus.Started, s => s
            .SetProperty(i => i.ImageSha256, sha)
            .SetProperty(i => i.SizeBytes, size), ct);
        if (image.Kind != ContainerImageKind.Evaluation && await IsDuplicateAsync(image, sha, ct))
        {
            return await FailAsync(id, $"This container image has already been uploaded ({sha}).", manifestValid: false, ct);
        }

        await TransitionAsync(id, [ContainerImageImportStatus.Started], ContainerImageImportStatus.Started,
            s => s.SetProperty(i => i.IsManifestValid, true), ct);

        if (await engine.TryGetVersionAsync(ct) is null)
        {
            return await RetryLaterAsync(id, ct);
        }

        string? loadError;
        try
        {
            loadError = await LoadAsync(image, ct);
        }
        catch (EngineUnreachableException e)
        {
            logger.LogWarning(e.InnerException, "Container engine unreachable while loading container image {Id}", id);
            return await RetryLaterAsync(id, ct);
        }

        if (loadError is not null)
        {
            return await FailAsync(id, loadError, manifestValid: true, ct);
        }

        var completed = image.Kind is ContainerImageKind.Evaluation or ContainerImageKind.Algorithm && image.OwnerId is { } owner
            ? await CompleteAsActiveAsync(id, image.Kind, owner, ct)
            : await TransitionAsync(id, [ContainerImageImportStatus.Started], ContainerImageImportStatus.Completed, s => s
                .SetProperty(i => i.IsLoaded, true)
                .SetProperty(i => i.ImportAttempts, 0)
                .SetProperty(i => i.StatusMessage, ""), ct);
        return new ContainerImageImportResult(completed ? ContainerImageImportStatus.Completed : null);
    }

    /// <summary>
    /// As on grand-challenge.org, a phase's newest valid evaluation method (and an algorithm's newest valid image, as its
    /// upload views ask) becomes its active one: completed and
    /// activated in one transaction, so nobody sees a completed method that is not yet active.
    /// </summary>
    private async Task<bool> CompleteAsActiveAsync(Guid id, ContainerImageKind kind, Guid owner, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        var rows = await db.ContainerImages
            .Where(i => i.Id == id && i.ImportStatus == ContainerImageImportStatus.Started)
            .ExecuteUpdateAsync(s => s
                .SetProperty(i => i.ImportStatus, ContainerImageImportStatus.Completed)
                .SetProperty(i => i.Modified, now)
                .SetProperty(i => i.IsLoaded, true)
                .SetProperty(i => i.ImportAttempts, 0)
                .SetProperty(i => i.StatusMessage, "")
                .SetProperty(i => i.IsDesiredVersion, true), ct);
        if (rows != 1)
        {
            return false;
        }

        await db.ContainerImages.Where(i => i.Kind == kind && i.OwnerId == owner && i.IsDesiredVersion && i.Id != id)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.IsDesiredVersion, false).SetProperty(i => i.Modified, now), ct);
        await transaction.CommitAsync(ct);
        notifier.Publish(ContainerImageConventions.Topic(id), id);
        notifier.Publish(ContainerImageConventions.AllTopic, id);
        return true;
    }

    /// <summary>Puts a started import back in the queue (the node is stopping); the caller schedules it again.</summary>
    public async Task<ContainerImageImportResult> RequeueAsync(Guid id, string message) =>
        await TransitionAsync(id, [ContainerImageImportStatus.Started], ContainerImageImportStatus.ReQueued,
            s => s.SetProperty(i => i.StatusMessage, message), CancellationToken.None)
            ? new ContainerImageImportResult(ContainerImageImportStatus.ReQueued, TimeSpan.FromSeconds(options.Value.EngineRetryDelaySeconds))
            : new ContainerImageImportResult(null);

    /// <summary>A fault of the platform itself (a bug, storage): the user learns that the import stopped, the log says why.</summary>
    public Task<ContainerImageImportResult> FailUnexpectedlyAsync(Guid id) =>
        FailAsync(id, "The import stopped on an unexpected error. Upload the image again; if it happens again, tell a site admin.", null, CancellationToken.None);

    /// <summary>Loads the archive, tags it <c>gc-images/&lt;kind&gt;:&lt;id&gt;</c> and checks it; returns a message for the user when the engine refused it.</summary>
    private async Task<string?> LoadAsync(ContainerImage image, CancellationToken ct)
    {
        var sha = (await ShaAsync(image.Id, ct))!;
        var client = engine.Client;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20));
        var producer = Task.Run(async () =>
        {
            try
            {
                await using var archive = blobs.OpenRead(image.BlobKey);
                await DockerArchiveRewriter.WriteUntaggedTarAsync(archive, pipe.Writer.AsStream(leaveOpen: true), options.Value.MaxUncompressedBytes, cancel.Token);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception e)
            {
                await pipe.Writer.CompleteAsync(e);
                throw;
            }
        }, CancellationToken.None);

        var messages = new Messages();
        Exception? loadFailure = null;
        try
        {
            await using var body = pipe.Reader.AsStream();
            await client.Images.LoadImageAsync(new ImageLoadParameters { Quiet = true }, body, messages, cancel.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            loadFailure = e;
        }
        finally
        {
            // Never leave the producer waiting on a pipe nobody reads.
            await cancel.CancelAsync();
        }

        try
        {
            await producer;
        }
        catch (DockerArchiveException e)
        {
            return e.Message;
        }
        catch (OperationCanceledException) when (loadFailure is not null || ct.IsCancellationRequested)
        {
            // Stopped because the engine side ended first; that side's failure is reported below.
        }

        ct.ThrowIfCancellationRequested();
        switch (loadFailure)
        {
            case DockerApiException api:
                return Clip($"The container engine could not load the image: {api.ResponseBody}");
            case not null when IsUnreachable(loadFailure):
                throw new EngineUnreachableException(loadFailure);
            case not null:
                throw loadFailure;
        }

        if (messages.Errors.FirstOrDefault() is { } error)
        {
            return Clip($"The container engine could not load the image: {error}");
        }

        try
        {
            var inspected = await client.Images.InspectImageAsync(sha, ct);
            if (!string.Equals(inspected.ID, sha, StringComparison.Ordinal))
            {
                return $"The container engine holds another image under {sha}.";
            }

            await client.Images.TagImageAsync(sha, new ImageTagParameters
            {
                RepositoryName = ContainerImageConventions.EngineRepository(image.Kind),
                Tag = image.Id.ToString("N"),
                Force = true,
            }, ct);
        }
        catch (DockerImageNotFoundException)
        {
            return $"The container engine did not hold the image after loading it ({sha}).";
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw new EngineUnreachableException(e);
        }

        return null;
    }

    private async Task<bool> IsDuplicateAsync(ContainerImage image, string sha, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ContainerImages.AnyAsync(i => i.Id != image.Id && i.Kind == image.Kind && i.OwnerId == image.OwnerId
                                                      && i.ImageSha256 == sha && !i.IsRemoved && i.Created < image.Created
                                                      && i.ImportStatus != ContainerImageImportStatus.Failed
                                                      && i.ImportStatus != ContainerImageImportStatus.Cancelled, ct);
    }

    private async Task<string?> ShaAsync(Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ContainerImages.Where(i => i.Id == id).Select(i => i.ImageSha256).SingleAsync(ct);
    }

    private async Task<ContainerImageImportResult> RetryLaterAsync(Guid id, CancellationToken ct)
    {
        var o = options.Value;
        int attempts;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            attempts = await db.ContainerImages.Where(i => i.Id == id).Select(i => i.ImportAttempts).SingleAsync(ct) + 1;
        }

        if (attempts > o.MaxEngineAttempts)
        {
            return await FailAsync(id,
                $"The container engine did not answer after {o.MaxEngineAttempts} attempt{(o.MaxEngineAttempts == 1 ? "" : "s")}. Ask a site admin to check it, then upload the image again.",
                manifestValid: true, ct);
        }

        var delay = TimeSpan.FromSeconds(Math.Min(o.EngineRetryDelaySeconds * (double)attempts, 600));
        var moved = await TransitionAsync(id, [ContainerImageImportStatus.Started], ContainerImageImportStatus.ReQueued, s => s
            .SetProperty(i => i.ImportAttempts, attempts)
            .SetProperty(i => i.StatusMessage, WaitingForEngine), ct);
        logger.LogWarning("Container engine did not answer; import of container image {Id} retries in {Delay} (attempt {Attempt})", id, delay, attempts);
        return moved ? new ContainerImageImportResult(ContainerImageImportStatus.ReQueued, delay) : new ContainerImageImportResult(null);
    }

    private async Task<ContainerImageImportResult> FailAsync(Guid id, string message, bool? manifestValid, CancellationToken ct)
    {
        var failed = await TransitionAsync(id, [ContainerImageImportStatus.Started], ContainerImageImportStatus.Failed, s =>
        {
            s.SetProperty(i => i.StatusMessage, Clip(message));
            if (manifestValid is { } valid)
            {
                s.SetProperty(i => i.IsManifestValid, valid);
            }
        }, ct);
        logger.LogInformation("Import of container image {Id} failed: {Message}", id, message);
        return new ContainerImageImportResult(failed ? ContainerImageImportStatus.Failed : null);
    }

    /// <summary>Moves the image from one of <paramref name="from"/> to <paramref name="to"/>; false when it was in another status.</summary>
    private async Task<bool> TransitionAsync(
        Guid id, ContainerImageImportStatus[] from, ContainerImageImportStatus to,
        Action<UpdateSettersBuilder<ContainerImage>> set, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var rows = await db.ContainerImages
            .Where(i => i.Id == id && from.Contains(i.ImportStatus))
            .ExecuteUpdateAsync(s =>
            {
                s.SetProperty(i => i.ImportStatus, to);
                s.SetProperty(i => i.Modified, now);
                set(s);
            }, ct);
        if (rows == 1)
        {
            notifier.Publish(ContainerImageConventions.Topic(id), id);
            notifier.Publish(ContainerImageConventions.AllTopic, id);
        }

        return rows == 1;
    }

    internal static bool IsUnreachable(Exception e) =>
        e is HttpRequestException or IOException or TimeoutException or System.Net.Sockets.SocketException
        || (e is TaskCanceledException && e.InnerException is TimeoutException)
        || (e.InnerException is { } inner && IsUnreachable(inner));

    private static string Clip(string message) => message.Length <= MaxMessageLength ? message : message[..(MaxMessageLength - 1)] + "…";

    private sealed class EngineUnreachableException(Exception inner) : Exception("The container engine did not answer.", inner);

    /// <summary>Collects the engine's progress messages as they arrive (Progress&lt;T&gt; would report them later, on another thread).</summary>
    private sealed class Messages : IProgress<JSONMessage>
    {
        private readonly ConcurrentQueue<string> _errors = new();

        public IEnumerable<string> Errors => _errors;

        public void Report(JSONMessage value)
        {
            if (value.Error?.Message is { Length: > 0 } error)
            {
                _errors.Enqueue(error);
            }
            else if (value.ErrorMessage is { Length: > 0 } message)
            {
                _errors.Enqueue(message);
            }
        }
    }
}
