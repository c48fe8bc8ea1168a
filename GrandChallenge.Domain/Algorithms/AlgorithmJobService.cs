using System.Text.Json.Nodes;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrandChallenge.Domain.Algorithms;

/// <summary>How an input of a new job is given.</summary>
public enum JobInputKind
{
    /// <summary>A JSON value, validated against the socket's kind and schema.</summary>
    Value,
    /// <summary>An existing image the actor may see.</summary>
    Image,
    /// <summary>An upload session of the actor's whose one image becomes the input once it is imported.</summary>
    UploadSession,
    /// <summary>A file: a finished resumable upload of the actor's (used up) or a stream.</summary>
    File,
}

/// <summary>One input of a new job, for the socket named by slug (grand-challenge.org's <c>interface</c>).</summary>
public sealed record JobInputDraft(
    string Interface, JobInputKind Kind, JsonNode? Value = null, Guid? ImageId = null, Guid? UploadSessionId = null,
    Guid? UploadId = null, Stream? Content = null, string? FileName = null)
{
    public static JobInputDraft OfValue(string socket, JsonNode? value) => new(socket, JobInputKind.Value, Value: value);

    public static JobInputDraft OfImage(string socket, Guid imageId) => new(socket, JobInputKind.Image, ImageId: imageId);

    public static JobInputDraft OfUploadSession(string socket, Guid sessionId) => new(socket, JobInputKind.UploadSession, UploadSessionId: sessionId);

    public static JobInputDraft OfUpload(string socket, Guid uploadId) => new(socket, JobInputKind.File, UploadId: uploadId);

    public static JobInputDraft OfFile(string socket, Stream content, string fileName) => new(socket, JobInputKind.File, Content: content, FileName: fileName);
}

/// <summary>An input or output of a job as a page or the API shows it.</summary>
public sealed record AlgorithmJobValueView(
    long ValueId, Socket Socket, string? Json, string? FileName, Guid? ImageId, string? ImageName, IReadOnlyList<int>? ImageShape);

/// <summary>A job as one actor may see it; logs are null unless the actor is an editor of the algorithm or a site admin.</summary>
public sealed record AlgorithmJobView(
    Guid Id,
    Guid AlgorithmId,
    string AlgorithmSlug,
    string AlgorithmTitle,
    Guid AlgorithmImageId,
    Guid? AlgorithmModelId,
    int InterfaceId,
    Guid? CreatorId,
    string? CreatorName,
    ComponentJobStatus Status,
    string? ErrorMessage,
    IReadOnlyDictionary<string, string> DetailedErrors,
    DateTimeOffset Created,
    DateTimeOffset? Started,
    DateTimeOffset? Completed,
    long? ExecDurationMs,
    bool Public,
    string Comment,
    IReadOnlyList<AlgorithmJobValueView> Inputs,
    IReadOnlyList<AlgorithmJobValueView> Outputs,
    IReadOnlyList<string> Viewers,
    bool IsEditorView,
    bool CanManage,
    string? Stdout,
    string? Stderr)
{
    public bool IsFinal => Status is ComponentJobStatus.Succeeded or ComponentJobStatus.Failed or ComponentJobStatus.Cancelled;

    public string StatusLabel => ComponentJob.Label(Status);
}

/// <summary>A new job, or the earlier successful job with identical inputs on the same image and model.</summary>
public sealed record AlgorithmJobCreated(AlgorithmJobView Job, bool Reused);

/// <summary>Filters of a job list.</summary>
public sealed record AlgorithmJobQuery(Guid? AlgorithmId = null, ComponentJobStatus? Status = null, bool OnlyMine = false, int Offset = 0, int Limit = 100);

public interface IAlgorithmJobService
{
    /// <summary>
    /// Starts a job of the algorithm's active image (and model) on the inputs, which must be exactly the inputs of one of
    /// its interfaces. Identical inputs of an earlier successful job the actor may see, on the same image and model,
    /// return that job instead (<see cref="AlgorithmJobCreated.Reused"/>) unless <paramref name="reuse"/> is false.
    /// </summary>
    Task<Result<AlgorithmJobCreated>> CreateAsync(Actor actor, Guid algorithmId, IReadOnlyList<JobInputDraft> inputs, bool reuse = true, CancellationToken ct = default);

    /// <summary>A new job with the same inputs as <paramref name="jobId"/> on the algorithm's current image and model; never reused.</summary>
    Task<Result<AlgorithmJobCreated>> RerunAsync(Actor actor, Guid jobId, CancellationToken ct = default);

    /// <summary>The job, or null when it does not exist or the actor may not see it.</summary>
    Task<AlgorithmJobView?> FindAsync(Actor actor, Guid jobId, CancellationToken ct = default);

    /// <summary>Jobs (on users' own inputs) the actor may see, newest first.</summary>
    Task<(int Count, IReadOnlyList<AlgorithmJobView> Items)> ListAsync(Actor actor, AlgorithmJobQuery query, CancellationToken ct = default);

    /// <summary>Cancels a job that has not ended (its creator, the algorithm's editors, site admins).</summary>
    Task<Result<AlgorithmJobView>> CancelAsync(Actor actor, Guid jobId, CancellationToken ct = default);

    /// <summary>Shares the job with a user by username, or stops sharing it (its creator, the algorithm's editors, site admins).</summary>
    Task<Result<AlgorithmJobView>> SetViewerAsync(Actor actor, Guid jobId, string username, bool viewer, CancellationToken ct = default);

    /// <summary>Makes a successful job visible to everyone, or private again.</summary>
    Task<Result<AlgorithmJobView>> SetPublicAsync(Actor actor, Guid jobId, bool isPublic, CancellationToken ct = default);

    /// <summary>Moves a job waiting for its upload sessions on when they have finished; false while they still import.</summary>
    Task<bool> AdvanceValidatingAsync(Guid jobId, CancellationToken ct = default);
}

public sealed class AlgorithmJobOptions
{
    public const string SectionName = "Algorithms";

    /// <summary>Jobs a user may have waiting or running at once (all algorithms).</summary>
    public int MaxActiveJobsPerUser { get; set; } = 16;
}

public sealed class AlgorithmJobService(
    IDbContextFactory<AppDbContext> dbFactory,
    IAlgorithmAccess access,
    IPermissionService permissions,
    IImageAccess images,
    ISocketValueService socketValues,
    IUploadService uploads,
    IComponentJobQueue queue,
    ComponentJobStore store,
    IChangeNotifier notifier,
    TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<AlgorithmJobOptions> options,
    ILogger<AlgorithmJobService>? logger = null) : IAlgorithmJobService
{
    public const string NotFoundMessage = "No such algorithm, or it is hidden from you.";
    public const string JobNotFoundMessage = "No such job, or it is hidden from you.";
    public const string NoExecuteMessage = "You may not run this algorithm: ask its editors for access first.";
    public const string NoImageMessage = "This algorithm has no active container image that can run yet.";
    public const string QuotaMessage = "You have run out of jobs for this algorithm. You may run {0} job(s) every {1} day(s); your next job can start after {2:u}.";
    public const string ReuseMessage = "A result for these inputs with the current image and model already exists.";

    private readonly ILogger _logger = logger ?? NullLogger<AlgorithmJobService>.Instance;

    public async Task<Result<AlgorithmJobCreated>> CreateAsync(
        Actor actor, Guid algorithmId, IReadOnlyList<JobInputDraft> inputs, bool reuse = true, CancellationToken ct = default)
    {
        var context = await access.FindAsync(actor, algorithmId, ct);
        if (context is null)
        {
            return Result<AlgorithmJobCreated>.NotFound(NotFoundMessage);
        }

        if (!context.CanExecute || actor.UserId is not { } userId)
        {
            return Result<AlgorithmJobCreated>.Forbidden(NoExecuteMessage);
        }

        var algorithm = context.Algorithm;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await AlgorithmQueries.ActiveImageAsync(db, algorithm.Id, ct) is not { ImageSha256: not null } image)
        {
            return Result<AlgorithmJobCreated>.Invalid("algorithm", NoImageMessage);
        }

        // Which interface: the one whose inputs are exactly the given sockets.
        var slugs = inputs.Select(i => (i.Interface ?? "").Trim()).ToList();
        var duplicate = slugs.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            return Result<AlgorithmJobCreated>.Invalid("inputs", $"'{duplicate.Key}' is given more than once; give one value per socket.");
        }

        var interfaces = await AlgorithmInterfaces.LoadAsync(db, algorithm.InterfaceIds, ct);
        var chosen = interfaces.FirstOrDefault(i => i.Inputs.Select(s => s.Slug).ToHashSet().SetEquals(slugs));
        if (chosen is null)
        {
            var takes = string.Join(" or ", interfaces.Select(i => "[" + string.Join(", ", i.Inputs.Select(s => s.Slug)) + "]"));
            return Result<AlgorithmJobCreated>.Invalid("inputs",
                $"These inputs ([{string.Join(", ", slugs)}]) match none of the algorithm's interfaces; it takes {(takes.Length == 0 ? "nothing yet" : takes)}.");
        }

        // Check every input before anything is stored.
        var checkedInputs = new List<(JobInputDraft Draft, Socket Socket)>();
        foreach (var draft in inputs)
        {
            var socket = chosen.Inputs.Single(s => s.Slug == draft.Interface.Trim());
            if (await CheckInputAsync(actor, db, draft, socket, ct) is { } error)
            {
                return Result<AlgorithmJobCreated>.Invalid("inputs", $"{socket.Slug}: {error}");
            }

            checkedInputs.Add((draft, socket));
        }

        // A spent quota still lets an identical, already successful job be reused (it costs nothing), so the limits are
        // enforced after the reuse check. New files and imports never match an earlier job: storing them would only use up the upload.
        var limit = await CheckLimitsAsync(db, context, userId, ct);
        if (limit is not null && checkedInputs.Any(i => i.Draft.Kind is JobInputKind.File or JobInputKind.UploadSession))
        {
            return Result<AlgorithmJobCreated>.Invalid("non_field_errors", limit);
        }

        // Store the values (immutable and shared, so a later refusal leaves nothing visible).
        var valueIds = new List<long>();
        var pending = new List<(Guid Session, int Socket)>();
        foreach (var (draft, socket) in checkedInputs)
        {
            if (draft.Kind == JobInputKind.UploadSession)
            {
                var session = await db.UploadSessions.AsNoTracking().SingleAsync(s => s.Id == draft.UploadSessionId, ct);
                if (!session.IsFinished)
                {
                    pending.Add((session.Id, socket.Id));
                    continue;
                }

                var imageId = await db.Images.Where(i => i.OriginId == session.Id).Select(i => i.Id).SingleAsync(ct);
                var sessionValue = await socketValues.GetOrCreateImageAsync(socket, imageId, ct);
                if (!sessionValue.Succeeded)
                {
                    return Result<AlgorithmJobCreated>.Invalid("inputs", $"{socket.Slug}: {sessionValue.Error}");
                }

                valueIds.Add(sessionValue.Value!.Id);
                continue;
            }

            var stored = await StoreAsync(actor, draft, socket, ct);
            if (!stored.Succeeded)
            {
                return Result<AlgorithmJobCreated>.Invalid("inputs", $"{socket.Slug}: {stored.Error}");
            }

            valueIds.Add(stored.Value!.Id);
        }

        return await CreateJobAsync(actor, context, chosen, image.Id, image.ImageSha256, valueIds, pending, reuse, limit, ct);
    }

    public async Task<Result<AlgorithmJobCreated>> RerunAsync(Actor actor, Guid jobId, CancellationToken ct = default)
    {
        if (await FindAsync(actor, jobId, ct) is not { } job)
        {
            return Result<AlgorithmJobCreated>.NotFound(JobNotFoundMessage);
        }

        var context = await access.FindAsync(actor, job.AlgorithmId, ct);
        if (context is null || !context.CanExecute || actor.UserId is not { } userId)
        {
            return Result<AlgorithmJobCreated>.Forbidden(NoExecuteMessage);
        }

        if (job.Status == ComponentJobStatus.ValidatingInputs)
        {
            return Result<AlgorithmJobCreated>.Invalid("non_field_errors", "The job's inputs are still being imported; re-run it when they are.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await AlgorithmQueries.ActiveImageAsync(db, job.AlgorithmId, ct) is not { ImageSha256: not null } image)
        {
            return Result<AlgorithmJobCreated>.Invalid("algorithm", NoImageMessage);
        }

        var interfaces = await AlgorithmInterfaces.LoadAsync(db, [job.InterfaceId], ct);
        if (interfaces.Count == 0 || !context.Algorithm.InterfaceIds.Contains(job.InterfaceId))
        {
            return Result<AlgorithmJobCreated>.Invalid("inputs", "The algorithm no longer takes this job's inputs.");
        }

        if (await CheckLimitsAsync(db, context, userId, ct) is { } limit)
        {
            return Result<AlgorithmJobCreated>.Invalid("non_field_errors", limit);
        }

        return await CreateJobAsync(actor, context, interfaces[0], image.Id, image.ImageSha256, job.Inputs.Select(i => i.ValueId).ToList(), [], reuse: false, limit: null, ct);
    }

    private async Task<Result<AlgorithmJobCreated>> CreateJobAsync(
        Actor actor, AlgorithmAccessContext context, AlgorithmInterfaceView chosen, Guid imageId, string imageSha, IReadOnlyList<long> valueIds,
        IReadOnlyList<(Guid Session, int Socket)> pending, bool reuse, string? limit, CancellationToken ct)
    {
        var algorithm = context.Algorithm;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var model = await AlgorithmQueries.ActiveModelAsync(db, algorithm.Id, ct);
        // Known once every upload has become a value.
        var inputsKey = pending.Count > 0 ? "" : AlgorithmJob.InputsKeyOf(valueIds);

        if (reuse && pending.Count == 0)
        {
            var modelId = model?.Id;
            var candidates = await db.AlgorithmJobs.AsNoTracking()
                .Where(j => j.AlgorithmId == algorithm.Id && j.AlgorithmImageId == imageId && j.AlgorithmModelId == modelId
                            && j.InputsKey == inputsKey && j.EvaluationId == null
                            && db.ComponentJobs.Any(c => c.Id == j.JobId && c.Status == ComponentJobStatus.Succeeded))
                .OrderByDescending(j => j.Created)
                .Select(j => j.JobId)
                .Take(20)
                .ToListAsync(ct);
            foreach (var candidate in candidates)
            {
                if (await FindAsync(actor, candidate, ct) is { } existing)
                {
                    return Result<AlgorithmJobCreated>.Ok(new AlgorithmJobCreated(existing, Reused: true));
                }
            }
        }

        if (limit is not null)
        {
            return Result<AlgorithmJobCreated>.Invalid("non_field_errors", limit);
        }

        var job = new ComponentJob
        {
            Kind = ComponentJobKind.Algorithm,
            Status = pending.Count > 0 ? ComponentJobStatus.ValidatingInputs : ComponentJobStatus.Pending,
            ContainerImageId = imageId,
            ImageReference = imageSha,
            CreatorId = actor.UserId,
            FairnessGroup = $"algorithm-{algorithm.Id:N}",
            TimeLimitSeconds = algorithm.TimeLimitSeconds,
            MemoryGb = algorithm.MemoryGb,
            OutputSocketIds = chosen.Outputs.Select(s => s.Id).ToList(),
            ArchiveMounts = model is null ? [] : [new JobArchiveMount(model.BlobKey, AlgorithmModel.MountPath)],
            Values = valueIds.Distinct().Select(id => new ComponentJobValue { SocketValueId = id }).ToList(),
        };
        var algorithmJob = new AlgorithmJob
        {
            JobId = job.Id,
            AlgorithmId = algorithm.Id,
            AlgorithmImageId = imageId,
            AlgorithmModelId = model?.Id,
            InterfaceId = chosen.Id,
            CreatorId = actor.UserId,
            InputsKey = inputsKey,
        };
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            db.ComponentJobs.Add(job);
            db.AlgorithmJobs.Add(algorithmJob);
            db.AlgorithmJobUploads.AddRange(pending.Select(p => new AlgorithmJobUpload { JobId = job.Id, SocketId = p.Socket, UploadSessionId = p.Session }));
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        if (pending.Count > 0)
        {
            // The sessions may have finished in the meantime; otherwise watch them until they do.
            if (!await AdvanceValidatingAsync(job.Id, CancellationToken.None))
            {
                _ = WatchAsync(job.Id);
            }
        }
        else
        {
            await queue.TriggerAsync(ct: CancellationToken.None);
        }

        Publish(algorithm.Id, job.Id);
        var view = await FindAsync(actor, job.Id, CancellationToken.None);
        return Result<AlgorithmJobCreated>.Ok(new AlgorithmJobCreated(view!, Reused: false));
    }

    /// <summary>
    /// Polls a waiting job's sessions in this process, so that it moves on soon after an import ends; a job left waiting
    /// by a restart moves on when it is next read or by <see cref="AdvanceAllValidatingAsync"/>.
    /// </summary>
    private async Task WatchAsync(Guid jobId)
    {
        try
        {
            var deadline = clock.GetUtcNow().AddHours(6);
            var delay = TimeSpan.FromMilliseconds(200);
            while (clock.GetUtcNow() < deadline)
            {
                await Task.Delay(delay);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 1.5, 5000));
                if (await AdvanceValidatingAsync(jobId))
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Watching the upload sessions of algorithm job {Job} failed", jobId);
        }
    }

    public Task<bool> AdvanceValidatingAsync(Guid jobId, CancellationToken ct = default) => AdvanceValidatingAsync(jobId, null, ct);

    /// <summary>
    /// As <see cref="AdvanceValidatingAsync(Guid, CancellationToken)"/>; <paramref name="accepted"/> is a session whose images the
    /// import is handing over right now (its status is recorded only afterwards).
    /// </summary>
    public async Task<bool> AdvanceValidatingAsync(Guid jobId, (Guid SessionId, IReadOnlyList<Guid> ImageIds)? accepted, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.AlgorithmJobs.AsNoTracking().FirstOrDefaultAsync(j => j.JobId == jobId, ct);
        var status = await db.ComponentJobs.Where(j => j.Id == jobId).Select(j => (ComponentJobStatus?)j.Status).FirstOrDefaultAsync(ct);
        if (row is null || status != ComponentJobStatus.ValidatingInputs)
        {
            return true;
        }

        var pending = await db.AlgorithmJobUploads.AsNoTracking().Where(u => u.JobId == jobId).ToListAsync(ct);
        if (row.InputsKey.Length > 0 || pending.Count == 0)
        {
            return true;
        }

        var newValues = new List<long>();
        foreach (var (sessionId, socketId) in pending.Select(u => (u.UploadSessionId, u.SocketId)))
        {
            var session = await db.UploadSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, ct);
            var socket = await db.Sockets.AsNoTracking().FirstOrDefaultAsync(s => s.Id == socketId, ct);
            var imageIds = await db.Images.Where(i => i.OriginId == sessionId).Select(i => i.Id).ToListAsync(ct);
            if (session is null || socket is null)
            {
                return await FailValidationAsync(jobId, row.AlgorithmId, "An input's upload session or socket no longer exists.", ct);
            }

            if (session.Status is UploadSessionStatus.Failed or UploadSessionStatus.Cancelled)
            {
                var reason = session.ErrorMessage.Length > 0 ? session.ErrorMessage : string.Join(" ", session.FileErrors.Select(e => $"{e.Key}: {e.Value}"));
                return await FailValidationAsync(jobId, row.AlgorithmId, $"{socket.Slug}: the upload could not be imported as an image. {reason}".Trim(), ct);
            }

            if (accepted is { } handed && handed.SessionId == sessionId)
            {
                imageIds = [.. handed.ImageIds];
            }
            else if (session.Status != UploadSessionStatus.Succeeded)
            {
                return false;
            }

            if (imageIds.Count != 1)
            {
                return await FailValidationAsync(jobId, row.AlgorithmId,
                    $"{socket.Slug}: the upload made {imageIds.Count} images; an image input takes exactly one.", ct);
            }

            var value = await socketValues.GetOrCreateImageAsync(socket, imageIds[0], ct);
            if (!value.Succeeded)
            {
                return await FailValidationAsync(jobId, row.AlgorithmId, $"{socket.Slug}: {value.Error}", ct);
            }

            newValues.Add(value.Value!.Id);
        }

        var existingValues = await db.ComponentJobValues.Where(v => v.JobId == jobId && !v.IsOutput).Select(v => v.SocketValueId).ToListAsync(ct);
        var all = existingValues.Concat(newValues).ToList();
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            db.ComponentJobValues.AddRange(newValues.Distinct().Except(existingValues)
                .Select(id => new ComponentJobValue { JobId = jobId, SocketValueId = id }));
            await db.SaveChangesAsync(ct);
            var keyed = await db.AlgorithmJobs.Where(j => j.JobId == jobId && j.InputsKey == row.InputsKey)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.InputsKey, AlgorithmJob.InputsKeyOf(all)), ct);
            var moved = keyed == 1 && await db.ComponentJobs.Where(j => j.Id == jobId && j.Status == ComponentJobStatus.ValidatingInputs)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, ComponentJobStatus.Pending).SetProperty(j => j.Modified, clock.GetUtcNow()), ct) == 1;
            if (!moved)
            {
                // Someone else moved it on (or cancelled it) first.
                await transaction.RollbackAsync(ct);
                return true;
            }

            await transaction.CommitAsync(ct);
        }

        await queue.TriggerAsync(ct: CancellationToken.None);
        Publish(row.AlgorithmId, jobId);
        return true;
    }

    /// <summary>
    /// The safety net for jobs waiting for uploads (after a restart, or an import that failed without telling its
    /// destination): moves on every such job whose sessions have all ended. Returns how many moved on.
    /// </summary>
    public async Task<int> AdvanceAllValidatingAsync(CancellationToken ct = default)
    {
        List<Guid> waiting;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var ended = new[] { UploadSessionStatus.Succeeded, UploadSessionStatus.Failed, UploadSessionStatus.Cancelled };
            waiting = await db.AlgorithmJobUploads.AsNoTracking()
                .Where(u => db.ComponentJobs.Any(j => j.Id == u.JobId && j.Status == ComponentJobStatus.ValidatingInputs))
                .GroupBy(u => u.JobId)
                .Where(g => g.All(u => !db.UploadSessions.Any(s => s.Id == u.UploadSessionId && !ended.Contains(s.Status))))
                .Select(g => g.Key)
                .ToListAsync(ct);
        }

        var moved = 0;
        foreach (var jobId in waiting)
        {
            try
            {
                moved += await AdvanceValidatingAsync(jobId, ct) ? 1 : 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogError(e, "Could not move on algorithm job {Job} waiting for its uploads", jobId);
            }
        }

        return moved;
    }

    private async Task<bool> FailValidationAsync(Guid jobId, Guid algorithmId, string message, CancellationToken ct)
    {
        await store.TransitionAsync(jobId, ComponentJobStatus.ValidatingInputs, ComponentJobStatus.Failed,
            s => s.SetProperty(j => j.ErrorMessage, message), ct);
        Publish(algorithmId, jobId);
        return true;
    }

    private async Task<string?> CheckInputAsync(Actor actor, AppDbContext db, JobInputDraft draft, Socket socket, CancellationToken ct)
    {
        var group = socket.KindInfo.Group;
        switch (draft.Kind)
        {
            case JobInputKind.Value:
                return group == SocketKindGroup.Json ? null : $"a {socket.KindInfo.Label} socket takes {Takes(group)}, not a JSON value.";
            case JobInputKind.Image:
                if (group != SocketKindGroup.Image)
                {
                    return $"a {socket.KindInfo.Label} socket takes {Takes(group)}, not an image.";
                }

                return draft.ImageId is { } imageId && await images.FindAsync(actor, imageId, ct) is not null
                    ? null
                    : "no such image, or it is hidden from you.";
            case JobInputKind.UploadSession:
                if (group != SocketKindGroup.Image)
                {
                    return $"a {socket.KindInfo.Label} socket takes {Takes(group)}, not an upload session.";
                }

                var session = await db.UploadSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == draft.UploadSessionId, ct);
                if (session is null || !(actor.IsSiteAdmin || session.CreatorId == actor.UserId))
                {
                    return "there is no such upload session of yours.";
                }

                if (session.Status is UploadSessionStatus.Failed or UploadSessionStatus.Cancelled)
                {
                    return $"the upload could not be imported as an image (the session ended {UploadSessions.Label(session.Status)}). {session.ErrorMessage}".Trim();
                }

                if (session.IsFinished)
                {
                    var made = await db.Images.CountAsync(i => i.OriginId == session.Id, ct);
                    if (made != 1)
                    {
                        return $"the upload session made {made} images; an image input takes exactly one.";
                    }
                }

                return null;
            default:
                if (group == SocketKindGroup.Image)
                {
                    return "an image socket takes an image or an upload session, not a file.";
                }

                return draft.UploadId is null && draft.Content is null ? "no file was given." : null;
        }
    }

    private static string Takes(SocketKindGroup group) => group switch
    {
        SocketKindGroup.Image => "an image (an existing image or an upload session)",
        SocketKindGroup.Json => "a JSON value (or a .json file)",
        _ => "a file",
    };

    private async Task<Result<SocketValue>> StoreAsync(Actor actor, JobInputDraft draft, Socket socket, CancellationToken ct)
    {
        switch (draft.Kind)
        {
            case JobInputKind.Value:
                return await socketValues.GetOrCreateJsonAsync(socket, draft.Value, ct);
            case JobInputKind.Image:
                return await socketValues.GetOrCreateImageAsync(socket, draft.ImageId!.Value, ct);
            default:
                if (draft.Content is not null)
                {
                    return await socketValues.CreateFileAsync(socket, draft.Content, draft.FileName ?? "", ct);
                }

                var opened = await uploads.OpenCompletedAsync(actor, draft.UploadId!.Value, ct);
                if (opened.NotFound || !opened.Succeeded)
                {
                    return Result<SocketValue>.Fail(opened.NotFound ? "there is no finished upload of yours with that id." : opened.Error!);
                }

                Result<SocketValue> created;
                await using (var upload = opened.Value!)
                {
                    created = await socketValues.CreateFileAsync(socket, upload.Content, upload.Info.Filename, ct);
                }

                if (created.Succeeded)
                {
                    await uploads.DeleteAsync(actor, draft.UploadId.Value, CancellationToken.None);
                }

                return created;
        }
    }

    private async Task<string?> CheckLimitsAsync(AppDbContext db, AlgorithmAccessContext context, Guid userId, CancellationToken ct)
    {
        var active = await db.ComponentJobs.CountAsync(j => j.CreatorId == userId && j.Kind == ComponentJobKind.Algorithm
                                                            && j.Status != ComponentJobStatus.Succeeded && j.Status != ComponentJobStatus.Failed
                                                            && j.Status != ComponentJobStatus.Cancelled, ct);
        if (active >= options.Value.MaxActiveJobsPerUser)
        {
            return $"You already have {active} jobs waiting or running (at most {options.Value.MaxActiveJobsPerUser}); start more when some have finished.";
        }

        if (context.IsEditor)
        {
            return null;
        }

        var algorithm = context.Algorithm;
        var since = clock.GetUtcNow().AddDays(-algorithm.JobQuotaPeriodDays);
        var recent = await db.AlgorithmJobs.AsNoTracking()
            .Where(j => j.AlgorithmId == algorithm.Id && j.CreatorId == userId && j.EvaluationId == null && j.Created >= since)
            .Select(j => j.Created)
            .ToListAsync(ct);
        if (recent.Count < algorithm.JobQuotaPerUser)
        {
            return null;
        }

        var next = recent.Count == 0 ? clock.GetUtcNow() : recent.OrderBy(c => c).Skip(recent.Count - Math.Max(algorithm.JobQuotaPerUser, 1)).First().AddDays(algorithm.JobQuotaPeriodDays);
        return string.Format(System.Globalization.CultureInfo.InvariantCulture, QuotaMessage, algorithm.JobQuotaPerUser, algorithm.JobQuotaPeriodDays, next);
    }

    public async Task<AlgorithmJobView?> FindAsync(Actor actor, Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.AlgorithmJobs.AsNoTracking().FirstOrDefaultAsync(j => j.JobId == jobId, ct);
        if (row is null)
        {
            return null;
        }

        var visible = await VisibleJobs(db, actor).AnyAsync(j => j.JobId == jobId, ct);
        if (!visible)
        {
            return null;
        }

        var status = await db.ComponentJobs.Where(j => j.Id == jobId).Select(j => j.Status).SingleAsync(ct);
        if (status == ComponentJobStatus.ValidatingInputs)
        {
            await AdvanceValidatingAsync(jobId, ct);
        }

        return (await ViewsAsync(db, actor, [jobId], ct)).FirstOrDefault();
    }

    public async Task<(int Count, IReadOnlyList<AlgorithmJobView> Items)> ListAsync(Actor actor, AlgorithmJobQuery query, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var jobs = VisibleJobs(db, actor).Where(j => j.EvaluationId == null);
        if (query.AlgorithmId is { } algorithmId)
        {
            jobs = jobs.Where(j => j.AlgorithmId == algorithmId);
        }

        if (query.OnlyMine)
        {
            var me = actor.UserId;
            jobs = jobs.Where(j => me != null && j.CreatorId == me);
        }

        if (query.Status is { } status)
        {
            jobs = jobs.Where(j => db.ComponentJobs.Any(c => c.Id == j.JobId && c.Status == status));
        }

        var count = await jobs.CountAsync(ct);
        var ids = await jobs.OrderByDescending(j => j.Created).ThenByDescending(j => j.JobId)
            .Skip(query.Offset).Take(Math.Clamp(query.Limit, 1, 1000)).Select(j => j.JobId).ToListAsync(ct);
        return (count, await ViewsAsync(db, actor, ids, ct));
    }

    /// <summary>
    /// Jobs the actor may see: site admins all; others user jobs (not a challenge's inference on hidden cases) that they
    /// created, were shared with, that are public, or of algorithms they edit.
    /// </summary>
    private IQueryable<AlgorithmJob> VisibleJobs(AppDbContext db, Actor actor)
    {
        if (actor.IsSiteAdmin)
        {
            return db.AlgorithmJobs.AsNoTracking();
        }

        var userId = actor.UserId;
        var edited = permissions.ObjectIdsWithRole(db, actor, ObjectKinds.Algorithm, ObjectRoles.Editor);
        return db.AlgorithmJobs.AsNoTracking().Where(j => j.EvaluationId == null
            && (j.Public
                || (userId != null && (j.CreatorId == userId
                                       || db.AlgorithmJobViewers.Any(v => v.JobId == j.JobId && v.UserId == userId)
                                       || edited.Contains(j.AlgorithmId)))));
    }

    private async Task<IReadOnlyList<AlgorithmJobView>> ViewsAsync(AppDbContext db, Actor actor, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var rows = await db.AlgorithmJobs.AsNoTracking().Where(j => ids.Contains(j.JobId)).ToListAsync(ct);
        var jobs = await db.ComponentJobs.AsNoTracking().Include(j => j.Values).Where(j => ids.Contains(j.Id)).ToDictionaryAsync(j => j.Id, ct);
        var algorithmIds = rows.Select(r => r.AlgorithmId).Distinct().ToList();
        var algorithms = await db.Algorithms.AsNoTracking().Where(a => algorithmIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
        var creatorIds = rows.Select(r => r.CreatorId).OfType<Guid>().Distinct().ToList();
        var names = await db.Users.Where(u => creatorIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName, ct);
        var valueIds = jobs.Values.SelectMany(j => j.Values).Select(v => v.SocketValueId).Distinct().ToList();
        var values = await db.SocketValues.AsNoTracking().Include(v => v.Socket).Include(v => v.Image)
            .Where(v => valueIds.Contains(v.Id)).ToDictionaryAsync(v => v.Id, ct);
        var viewers = (await db.AlgorithmJobViewers.Where(v => ids.Contains(v.JobId))
                .Join(db.Users, v => v.UserId, u => u.Id, (v, u) => new { v.JobId, u.UserName })
                .ToListAsync(ct))
            .ToLookup(v => v.JobId, v => v.UserName ?? "");
        var editorOf = new Dictionary<Guid, bool>();
        foreach (var algorithmId in algorithmIds)
        {
            editorOf[algorithmId] = actor.IsSiteAdmin
                                    || (actor.UserId is not null && await permissions.HasRoleAsync(actor, ObjectKinds.Algorithm, algorithmId, ObjectRoles.Editor, ct));
        }

        AlgorithmJobValueView ValueView(SocketValue v) => new(
            v.Id, v.Socket!, v.Value, v.FileName, v.ImageId, v.Image?.Name,
            v.Image is { } image ? new[] { image.Timepoints ?? 0, image.Depth ?? 0, image.Height, image.Width }.Where(d => d > 0).ToList() : null);

        var views = new List<AlgorithmJobView>();
        foreach (var id in ids)
        {
            var row = rows.FirstOrDefault(r => r.JobId == id);
            if (row is null || !jobs.TryGetValue(id, out var job) || !algorithms.TryGetValue(row.AlgorithmId, out var algorithm))
            {
                continue;
            }

            var editor = editorOf[row.AlgorithmId];
            var own = actor.UserId is not null && row.CreatorId == actor.UserId;
            var jobValues = job.Values.Where(v => values.ContainsKey(v.SocketValueId)).ToList();
            views.Add(new AlgorithmJobView(
                id, algorithm.Id, algorithm.Slug, algorithm.Title, row.AlgorithmImageId, row.AlgorithmModelId, row.InterfaceId, row.CreatorId,
                row.CreatorId is { } c ? names.GetValueOrDefault(c) : null, job.Status, job.ErrorMessage, job.DetailedErrors, row.Created,
                job.StartedAt, job.CompletedAt, job.ExecDurationMs, row.Public, row.Comment,
                jobValues.Where(v => !v.IsOutput).Select(v => ValueView(values[v.SocketValueId])).OrderBy(v => v.Socket.Slug, StringComparer.Ordinal).ToList(),
                jobValues.Where(v => v.IsOutput).Select(v => ValueView(values[v.SocketValueId])).OrderBy(v => v.Socket.Slug, StringComparer.Ordinal).ToList(),
                own || editor ? viewers[id].Order(StringComparer.Ordinal).ToList() : [],
                editor,
                own || editor,
                editor ? job.Stdout : null,
                editor ? job.Stderr : null));
        }

        return views;
    }

    public async Task<Result<AlgorithmJobView>> CancelAsync(Actor actor, Guid jobId, CancellationToken ct = default)
    {
        if (await FindAsync(actor, jobId, ct) is not { } job)
        {
            return Result<AlgorithmJobView>.NotFound(JobNotFoundMessage);
        }

        if (!job.CanManage)
        {
            return Result<AlgorithmJobView>.Forbidden("Only the job's creator and the algorithm's editors may cancel it.");
        }

        var cancelled = await queue.CancelAsync(jobId, ct);
        if (!cancelled.Succeeded)
        {
            return Result<AlgorithmJobView>.Invalid("non_field_errors", cancelled.Error!);
        }

        Publish(job.AlgorithmId, jobId);
        return Result<AlgorithmJobView>.Ok((await FindAsync(actor, jobId, ct))!);
    }

    public async Task<Result<AlgorithmJobView>> SetViewerAsync(Actor actor, Guid jobId, string username, bool viewer, CancellationToken ct = default)
    {
        if (await FindAsync(actor, jobId, ct) is not { } job)
        {
            return Result<AlgorithmJobView>.NotFound(JobNotFoundMessage);
        }

        if (!job.CanManage)
        {
            return Result<AlgorithmJobView>.Forbidden("Only the job's creator and the algorithm's editors may share it.");
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var normalized = (username ?? "").Trim().ToUpperInvariant();
            var user = await db.Users.Where(u => u.NormalizedUserName == normalized).Select(u => new { u.Id }).FirstOrDefaultAsync(ct);
            if (user is null)
            {
                return Result<AlgorithmJobView>.Invalid("username", $"There is no user '{username}'.");
            }

            var existing = await db.AlgorithmJobViewers.FirstOrDefaultAsync(v => v.JobId == jobId && v.UserId == user.Id, ct);
            if (viewer && existing is null)
            {
                if (user.Id == job.CreatorId)
                {
                    return Result<AlgorithmJobView>.Invalid("username", "The job's creator sees it already.");
                }

                db.AlgorithmJobViewers.Add(new AlgorithmJobViewer { JobId = jobId, UserId = user.Id });
                await db.SaveChangesAsync(ct);
            }
            else if (!viewer && existing is not null)
            {
                db.AlgorithmJobViewers.Remove(existing);
                await db.SaveChangesAsync(ct);
            }
        }

        Publish(job.AlgorithmId, jobId);
        return Result<AlgorithmJobView>.Ok((await FindAsync(actor, jobId, ct))!);
    }

    public async Task<Result<AlgorithmJobView>> SetPublicAsync(Actor actor, Guid jobId, bool isPublic, CancellationToken ct = default)
    {
        if (await FindAsync(actor, jobId, ct) is not { } job)
        {
            return Result<AlgorithmJobView>.NotFound(JobNotFoundMessage);
        }

        if (!job.CanManage)
        {
            return Result<AlgorithmJobView>.Forbidden("Only the job's creator and the algorithm's editors may make it public.");
        }

        if (isPublic && job.Status != ComponentJobStatus.Succeeded)
        {
            return Result<AlgorithmJobView>.Invalid("public", "Only successful jobs can be made public.");
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await db.AlgorithmJobs.Where(j => j.JobId == jobId)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Public, isPublic).SetProperty(j => j.Modified, clock.GetUtcNow()), ct);
        }

        Publish(job.AlgorithmId, jobId);
        return Result<AlgorithmJobView>.Ok((await FindAsync(actor, jobId, ct))!);
    }

    private void Publish(Guid algorithmId, Guid jobId)
    {
        notifier.Publish(AlgorithmTopics.Job(jobId), jobId);
        notifier.Publish(AlgorithmTopics.Jobs(algorithmId), jobId);
    }
}
