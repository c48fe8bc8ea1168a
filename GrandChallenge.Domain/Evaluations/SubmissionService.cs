using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>What a participant hands in. Streams are read once, as they arrive.</summary>
public sealed record SubmissionRequest(Stream Predictions, string Filename)
{
    public string? Comment { get; init; }
    public string? SupplementaryUrl { get; init; }
    public Stream? SupplementaryFile { get; init; }
    public string? SupplementaryFilename { get; init; }
}

/// <summary>An algorithm submission: the algorithm's container image (its active model goes with it).</summary>
public sealed record AlgorithmSubmissionRequest(Guid AlgorithmImageId)
{
    public string? Comment { get; init; }
    public string? SupplementaryUrl { get; init; }
    public Stream? SupplementaryFile { get; init; }
    public string? SupplementaryFilename { get; init; }
}

public interface ISubmissionService
{
    /// <summary>Whether and when the actor may submit to the phase next, and why not.</summary>
    Task<SubmissionAllowance?> AllowanceAsync(Actor actor, Guid phaseId, CancellationToken ct = default);

    /// <summary>Checks the submission (rights, window, limits, file) and, when it passes, stores it and queues its evaluation.</summary>
    Task<Result<Submission>> SubmitAsync(Actor actor, Guid phaseId, SubmissionRequest request, CancellationToken ct = default);

    /// <summary>
    /// Algorithm phases: checks the submission (as <see cref="SubmitAsync"/>, plus the algorithm rules of
    /// <see cref="Algorithms.AlgorithmSubmissionRules"/>) and, when it passes, stores it and starts its inference.
    /// </summary>
    Task<Result<Submission>> SubmitAlgorithmAsync(Actor actor, Guid phaseId, AlgorithmSubmissionRequest request, CancellationToken ct = default);

    Task<Submission?> FindAsync(Actor actor, Guid submissionId, CancellationToken ct = default);

    /// <summary>The actor's own submissions to a phase, newest first.</summary>
    Task<IReadOnlyList<Submission>> ListMineAsync(Actor actor, Guid phaseId, CancellationToken ct = default);

    /// <summary>Every submission to a phase, newest first; empty unless the actor is one of the challenge's admins.</summary>
    Task<IReadOnlyList<Submission>> ListAllAsync(Actor actor, Guid phaseId, CancellationToken ct = default);
}

public sealed class SubmissionService(
    IDbContextFactory<AppDbContext> dbFactory,
    IPhaseService phases,
    ISocketValueService values,
    IEvaluationService evaluations,
    IBlobStore blobs,
    DataDirectory data,
    IOptions<EvaluationOptions> options,
    IOptions<ComponentsOptions> componentOptions,
    TimeProvider clock,
    IPermissionService permissions) : ISubmissionService
{
    public async Task<SubmissionAllowance?> AllowanceAsync(Actor actor, Guid phaseId, CancellationToken ct = default) =>
        await phases.FindAsync(actor, phaseId, ct) is { } context ? await AllowanceAsync(context, ct) : null;

    private async Task<SubmissionAllowance> AllowanceAsync(PhaseContext context, CancellationToken ct)
    {
        var phase = context.Phase;
        if (context.Actor.UserId is not { } userId)
        {
            return new SubmissionAllowance(false, false, 0, null, "Sign in to submit.");
        }

        if (!context.Challenge.IsMember)
        {
            return new SubmissionAllowance(false, false, 0, null, "Only participants of this challenge may submit. Register first.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var teamId = phase.LimitPerTeam
            ? await db.TeamMembers.Where(m => m.ChallengeId == phase.ChallengeId && m.UserId == userId).Select(m => (Guid?)m.TeamId).FirstOrDefaultAsync(ct)
            : null;
        var previous = await db.Submissions.AsNoTracking()
            .Where(s => s.PhaseId == phase.Id && (teamId != null ? s.TeamId == teamId : s.CreatorId == userId))
            .Select(s => new
            {
                s.Created,
                Failed = db.Evaluations.Any(e => e.SubmissionId == s.Id
                                                 && db.ComponentJobs.Any(j => j.Id == e.JobId && j.Status == ComponentJobStatus.Failed)),
            })
            .ToListAsync(ct);
        return SubmissionLimits.Calculate(
            new SubmissionLimitRules(phase.SubmissionLimit, phase.SubmissionLimitPeriodDays, phase.OpenAt, phase.CloseAt, phase.Public),
            context.IsAdmin,
            previous.Select(p => new PreviousSubmission(p.Created, p.Failed)),
            clock);
    }

    public async Task<Result<Submission>> SubmitAsync(Actor actor, Guid phaseId, SubmissionRequest request, CancellationToken ct = default)
    {
        var checkedRequest = await PreflightAsync(actor, phaseId, SubmissionKind.Predictions, request, ct);
        if (checkedRequest.Error is { } error)
        {
            return error;
        }

        var phase = checkedRequest.Context!.Phase;
        var userId = actor.UserId!.Value;
        var predictions = await StorePredictionsAsync(request.Predictions, request.Filename, ct);
        if (!predictions.Succeeded)
        {
            return Result<Submission>.Invalid("predictions_file", predictions.Error!);
        }

        var submission = new Submission
        {
            PhaseId = phaseId,
            CreatorId = userId,
            PredictionsValueId = predictions.Value!.Value.Id,
            PredictionsFilename = Path.GetFileName(request.Filename),
            PredictionsSizeBytes = predictions.Value.Size,
            Comment = (request.Comment ?? "").Trim(),
            SupplementaryUrl = request.SupplementaryUrl?.Trim() is { Length: > 0 } url ? url : null,
        };

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            submission.TeamId = await db.TeamMembers.Where(m => m.ChallengeId == phase.ChallengeId && m.UserId == userId)
                .Select(m => (Guid?)m.TeamId).FirstOrDefaultAsync(ct);
        }

        if (request.SupplementaryFile is { } supplementary)
        {
            var stored = await StoreSupplementaryAsync(submission, supplementary, request.SupplementaryFilename ?? "", ct);
            if (stored is not null)
            {
                return Result<Submission>.Invalid("supplementary_file", stored);
            }
        }

        var created = await evaluations.CreateForNewSubmissionAsync(submission, ct);
        return created.Succeeded ? Result<Submission>.Ok(submission) : Result<Submission>.Fail(created.Error!);
    }

    public async Task<Result<Submission>> SubmitAlgorithmAsync(Actor actor, Guid phaseId, AlgorithmSubmissionRequest request, CancellationToken ct = default)
    {
        var fields = new SubmissionRequest(Stream.Null, "")
        {
            Comment = request.Comment,
            SupplementaryUrl = request.SupplementaryUrl,
            SupplementaryFile = request.SupplementaryFile,
            SupplementaryFilename = request.SupplementaryFilename,
        };
        var checkedRequest = await PreflightAsync(actor, phaseId, SubmissionKind.Algorithm, fields, ct);
        if (checkedRequest.Error is { } error)
        {
            return error;
        }

        var phase = checkedRequest.Context!.Phase;
        var userId = actor.UserId!.Value;
        Submission submission;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var chosen = await Algorithms.AlgorithmSubmissionRules.CheckAsync(db, permissions, actor, phase, request.AlgorithmImageId, ct);
            if (!chosen.Succeeded)
            {
                return chosen.As<Submission>();
            }

            var (algorithm, image, model) = chosen.Value!;
            submission = new Submission
            {
                PhaseId = phaseId,
                CreatorId = userId,
                AlgorithmImageId = image.Id,
                AlgorithmModelId = model?.Id,
                AlgorithmRequiresMemoryGb = algorithm.MemoryGb,
                AlgorithmRequiresGpu = algorithm.RequiresGpu,
                Comment = (request.Comment ?? "").Trim(),
                SupplementaryUrl = request.SupplementaryUrl?.Trim() is { Length: > 0 } url ? url : null,
                TeamId = await db.TeamMembers.Where(m => m.ChallengeId == phase.ChallengeId && m.UserId == userId)
                    .Select(m => (Guid?)m.TeamId).FirstOrDefaultAsync(ct),
            };
        }

        if (request.SupplementaryFile is { } supplementary)
        {
            var stored = await StoreSupplementaryAsync(submission, supplementary, request.SupplementaryFilename ?? "", ct);
            if (stored is not null)
            {
                return Result<Submission>.Invalid("supplementary_file", stored);
            }
        }

        var created = await evaluations.CreateForNewSubmissionAsync(submission, ct);
        return created.Succeeded ? Result<Submission>.Ok(submission) : Result<Submission>.Fail(created.Error!);
    }

    private sealed record Preflight(PhaseContext? Context, Result<Submission>? Error);

    /// <summary>What every submission must pass, whatever it hands in: rights, window and limits, fields, one at a time, the parent phase, a method.</summary>
    private async Task<Preflight> PreflightAsync(Actor actor, Guid phaseId, SubmissionKind kind, SubmissionRequest request, CancellationToken ct)
    {
        if (await phases.FindAsync(actor, phaseId, ct) is not { } context)
        {
            return new(null, Result<Submission>.Fail("No such phase."));
        }

        var phase = context.Phase;
        if (phase.SubmissionKind != kind)
        {
            return new(null, Result<Submission>.Fail(kind == SubmissionKind.Predictions
                ? "This phase takes algorithms, not prediction files."
                : "This phase takes prediction files, not algorithms."));
        }

        var allowance = await AllowanceAsync(context, ct);
        if (!allowance.CanSubmit)
        {
            return new(null, Result<Submission>.Fail(allowance.Reason!));
        }

        var userId = actor.UserId!.Value;
        if (FieldErrors(phase, request) is { } fieldError)
        {
            return new(null, fieldError);
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (await evaluations.HasActiveAsync(phaseId, userId, ct))
            {
                return new(null, Result<Submission>.Fail("You already have an evaluation in progress in this phase. Wait until it ends before you submit again."));
            }

            if (phase.ParentId is { } parentId && !context.IsAdmin
                && !await db.Evaluations.AnyAsync(e => e.PhaseId == parentId && e.CreatorId == userId
                                                       && db.ComponentJobs.Any(j => j.Id == e.JobId && j.Status == ComponentJobStatus.Succeeded), ct))
            {
                var parentTitle = await db.Phases.Where(p => p.Id == parentId).Select(p => p.Title).FirstAsync(ct);
                return new(null, Result<Submission>.Fail($"Submit successfully to the phase '{parentTitle}' first."));
            }
        }

        if (await evaluations.ActiveMethodAsync(phaseId, ct) is null)
        {
            return new(null, Result<Submission>.Fail("This phase cannot take submissions yet: it has no evaluation method. The challenge's admins have been told."));
        }

        return new(context, null);
    }

    private static Result<Submission>? FieldErrors(Phase phase, SubmissionRequest request)
    {
        var comment = (request.Comment ?? "").Trim();
        if (phase.CommentChoice == FieldChoice.Required && comment.Length == 0)
        {
            return Result<Submission>.Invalid("comment", "This phase asks for a comment with every submission.");
        }

        if (phase.CommentChoice == FieldChoice.Off && comment.Length > 0)
        {
            return Result<Submission>.Invalid("comment", "This phase takes no comments.");
        }

        if (comment.Length > 128)
        {
            return Result<Submission>.Invalid("comment", "Keep the comment to 128 characters.");
        }

        var url = (request.SupplementaryUrl ?? "").Trim();
        if (phase.SupplementaryUrlChoice == FieldChoice.Required && url.Length == 0)
        {
            return Result<Submission>.Invalid("supplementary_url", "This phase asks for a link (e.g. to a publication) with every submission.");
        }

        if (url.Length > 0 && (phase.SupplementaryUrlChoice == FieldChoice.Off
                               || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || url.Length > 2000))
        {
            return Result<Submission>.Invalid("supplementary_url",
                phase.SupplementaryUrlChoice == FieldChoice.Off ? "This phase takes no links." : "The link must be an http(s) address.");
        }

        if (phase.SupplementaryFileChoice == FieldChoice.Required && request.SupplementaryFile is null)
        {
            return Result<Submission>.Invalid("supplementary_file", "This phase asks for a supplementary file (PDF or text) with every submission.");
        }

        if (phase.SupplementaryFileChoice == FieldChoice.Off && request.SupplementaryFile is not null)
        {
            return Result<Submission>.Invalid("supplementary_file", "This phase takes no supplementary files.");
        }

        return null;
    }

    private sealed record StoredPredictions(SocketValue Value, long Size);

    /// <summary>
    /// The predictions file becomes a value of the predictions socket its type calls for. A zip is unpacked once here
    /// under the container rules, so that a bomb or a path out of <c>/input</c> is refused now, not in the container.
    /// </summary>
    private async Task<Result<StoredPredictions>> StorePredictionsAsync(Stream content, string filename, CancellationToken ct)
    {
        filename = Path.GetFileName((filename ?? "").Replace('\\', '/')).Trim();
        var slug = Path.GetExtension(filename).ToLowerInvariant() switch
        {
            ".csv" => DefaultSockets.PredictionsCsvFile,
            ".json" => DefaultSockets.PredictionsJsonFile,
            ".zip" => DefaultSockets.PredictionsZipFile,
            _ => null,
        };
        if (slug is null)
        {
            return Result<StoredPredictions>.Fail($"Predictions must be a .csv, .json or .zip file; '{filename}' is not.");
        }

        var work = Path.Combine(data.Folder("tmp"), $"predictions-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var spooled = Path.Combine(work, "upload");
            long size;
            await using (var file = File.Create(spooled))
            {
                size = await CopyLimitedAsync(content, file, options.Value.MaxPredictionsBytes, ct);
            }

            if (size < 0)
            {
                return Result<StoredPredictions>.Fail($"The predictions file is larger than {options.Value.MaxPredictionsBytes:N0} bytes.");
            }

            if (size == 0)
            {
                return Result<StoredPredictions>.Fail("The predictions file is empty.");
            }

            if (slug == DefaultSockets.PredictionsZipFile)
            {
                try
                {
                    await using var zip = File.OpenRead(spooled);
                    await new ZipInputExtractor(componentOptions.Value).ExtractAsync(zip, Path.Combine(work, "check"), [InputsJsonWriter.FileName], ct);
                }
                catch (InputStagingException e)
                {
                    return Result<StoredPredictions>.Fail(e.Message);
                }
            }

            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var socket = await db.Sockets.AsNoTracking().SingleAsync(s => s.Slug == slug, ct);
            await using var stored = File.OpenRead(spooled);
            var value = await values.CreateFileAsync(socket, stored, filename, ct);
            return value.Succeeded
                ? Result<StoredPredictions>.Ok(new StoredPredictions(value.Value!, size))
                : Result<StoredPredictions>.Fail(value.Error!);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private async Task<string?> StoreSupplementaryAsync(Submission submission, Stream content, string filename, CancellationToken ct)
    {
        filename = Path.GetFileName(filename.Replace('\\', '/')).Trim();
        var extension = Path.GetExtension(filename).ToLowerInvariant();
        if (extension is not (".pdf" or ".txt") || filename.Length > 255)
        {
            return "The supplementary file must be a .pdf or .txt file.";
        }

        var temp = Path.Combine(data.Folder("tmp"), $"supplementary-{Guid.NewGuid():N}");
        try
        {
            long size;
            await using (var file = File.Create(temp))
            {
                size = await CopyLimitedAsync(content, file, options.Value.MaxSupplementaryFileBytes, ct);
            }

            if (size <= 0)
            {
                return size == 0 ? "The supplementary file is empty." : $"The supplementary file is larger than {options.Value.MaxSupplementaryFileBytes:N0} bytes.";
            }

            var kind = SocketKinds.Get(extension == ".pdf" ? SocketKinds.Pdf : SocketKinds.Csv);
            if (FileContentChecks.CheckContent(kind, temp) is { } problem)
            {
                return extension == ".pdf" ? problem : "The supplementary file is not a text file.";
            }

            submission.SupplementaryFilename = filename;
            submission.SupplementaryFileBlobKey = $"submissions/{submission.Id}/supplementary{extension}";
            await using var stored = File.OpenRead(temp);
            await blobs.WriteAsync(submission.SupplementaryFileBlobKey, stored, ct);
            return null;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static async Task<long> CopyLimitedAsync(Stream input, Stream output, long limit, CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > limit)
            {
                return -1;
            }

            await output.WriteAsync(buffer.AsMemory(0, read), ct);
        }

        return total;
    }

    public async Task<Submission?> FindAsync(Actor actor, Guid submissionId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var submission = await db.Submissions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == submissionId, ct);
        if (submission is null || await phases.FindAsync(actor, submission.PhaseId, ct) is not { } context)
        {
            return null;
        }

        return context.IsAdmin || (actor.UserId is { } user && submission.CreatorId == user) ? submission : null;
    }

    public async Task<IReadOnlyList<Submission>> ListMineAsync(Actor actor, Guid phaseId, CancellationToken ct = default)
    {
        if (actor.UserId is not { } userId)
        {
            return [];
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Submissions.AsNoTracking().Where(s => s.PhaseId == phaseId && s.CreatorId == userId)
            .OrderByDescending(s => s.Created).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<Submission>> ListAllAsync(Actor actor, Guid phaseId, CancellationToken ct = default)
    {
        if (await phases.FindAsync(actor, phaseId, ct) is not { IsAdmin: true })
        {
            return [];
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Submissions.AsNoTracking().Where(s => s.PhaseId == phaseId).OrderByDescending(s => s.Created).ToListAsync(ct);
    }
}
