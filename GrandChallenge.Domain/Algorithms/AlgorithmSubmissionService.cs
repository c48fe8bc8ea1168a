using System.Xml;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Algorithms;

/// <summary>What a participant gives to create an algorithm for a phase; the rest comes from the phase.</summary>
public sealed record PhaseAlgorithmRequest(string Title)
{
    public string? Description { get; init; }
    /// <summary>At most the phase's maximum; when not given, the algorithm default (8 GB) or the phase's maximum if lower.</summary>
    public int? MemoryGb { get; init; }
    public bool RequiresGpu { get; init; }
}

/// <summary>An algorithm of the actor's for a phase, with its images that could be submitted now.</summary>
public sealed record PhaseAlgorithmChoice(Algorithm Algorithm, IReadOnlyList<ContainerImage> ExecutableImages, bool ImplementsPhase);

/// <summary>One algorithm job of an algorithm submission, as the actor may see it.</summary>
public sealed record EvaluationCaseJobView(
    Guid JobId, string? CaseTitle, Guid? ArchiveItemId, ComponentJobStatus Status, string? ErrorMessage, string? ExecDuration,
    long? ExecDurationMs, IReadOnlyList<long> OutputValueIds, string? Stdout, string? Stderr);

/// <summary>The algorithm jobs of an evaluation, with progress; <see cref="Jobs"/> holds only what the actor may see.</summary>
public sealed record EvaluationCaseJobs(AlgorithmEvaluationProgress Progress, IReadOnlyList<EvaluationCaseJobView> Jobs);

/// <summary>An algorithm phase's archive (by slug) and interfaces (by socket slugs).</summary>
public sealed record PhaseAlgorithmLinks(string? ArchiveSlug, IReadOnlyList<PhaseInterfaceSetting> Interfaces);

public interface IAlgorithmSubmissionService
{
    /// <summary>
    /// Creates an algorithm for a phase (participants of the challenge, at most <see cref="AlgorithmSubmissionService.MaxAlgorithmsPerPhase"/>
    /// per user and phase): it gets the phase's interfaces and algorithm time limit, memory up to the phase's maximum,
    /// and the creator becomes its editor.
    /// </summary>
    Task<Result<Algorithm>> CreateForPhaseAsync(Actor actor, Guid phaseId, PhaseAlgorithmRequest request, CancellationToken ct = default);

    /// <summary>The actor's algorithms (as editor) that may be submitted to the phase, with their executable images, newest first.</summary>
    Task<IReadOnlyList<PhaseAlgorithmChoice>> ChoicesAsync(Actor actor, Guid phaseId, CancellationToken ct = default);

    /// <summary>
    /// Progress and the algorithm jobs of an evaluation: all jobs with logs for the challenge's admins; the jobs (with logs)
    /// of their algorithm for its editors when the phase gives them job view; for the submitter, logs (no cases) when the
    /// phase shows participants logs; otherwise progress only. Null when the actor may not see the evaluation.
    /// </summary>
    Task<EvaluationCaseJobs?> JobsAsync(Actor actor, Guid evaluationId, CancellationToken ct = default);

    /// <summary>The phase's archive slug and interfaces as socket slugs, for the settings form.</summary>
    Task<PhaseAlgorithmLinks> LinksAsync(Phase phase, CancellationToken ct = default);

    /// <summary>Whether the actor may see a system algorithm job (and with it its logs); null when the job is not a system job.</summary>
    Task<bool?> CanViewSystemJobAsync(Actor actor, Guid jobId, CancellationToken ct = default);
}

public sealed class AlgorithmSubmissionService(
    IDbContextFactory<AppDbContext> dbFactory,
    IPhaseService phases,
    IEvaluationService evaluations,
    IPermissionService permissions,
    AlgorithmEvaluationPipeline pipeline,
    IChangeNotifier notifier) : IAlgorithmSubmissionService
{
    public const int MaxAlgorithmsPerPhase = 3;

    public async Task<Result<Algorithm>> CreateForPhaseAsync(Actor actor, Guid phaseId, PhaseAlgorithmRequest request, CancellationToken ct = default)
    {
        if (await phases.FindAsync(actor, phaseId, ct) is not { } context)
        {
            return Result<Algorithm>.NotFound("No such phase.");
        }

        var phase = context.Phase;
        if (actor.UserId is not { } userId || !context.Challenge.IsMember)
        {
            return Result<Algorithm>.Forbidden("Only participants of this challenge may create algorithms for its phases.");
        }

        if (phase.SubmissionKind != SubmissionKind.Algorithm || phase.AlgorithmInterfaceIds.Count == 0)
        {
            return Result<Algorithm>.Fail("This phase does not take algorithms.");
        }

        var errors = new FieldErrors();
        var title = (request.Title ?? "").Trim();
        if (title.Length is < 3 or > Algorithm.MaxTitleLength)
        {
            errors.Add("title", $"Give the algorithm a descriptive title of 3 to {Algorithm.MaxTitleLength} characters.");
        }

        var description = (request.Description ?? "").Trim();
        if (description.Length > 1024)
        {
            errors.Add("description", "Keep the description to 1,024 characters.");
        }

        var memory = request.MemoryGb ?? Math.Min(Algorithm.DefaultMemoryGb, phase.AlgorithmMaxMemoryGb);
        if (memory < Phase.MinMemoryGb || memory > phase.AlgorithmMaxMemoryGb)
        {
            errors.Add("job_requires_memory_gb", $"The memory is {Phase.MinMemoryGb} to {phase.AlgorithmMaxMemoryGb} GB in this phase.");
        }

        if (errors.Any)
        {
            return errors.ToResult<Algorithm>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var editorOf = permissions.ObjectIdsWithRole(db, actor, ObjectKinds.Algorithm, ObjectRoles.Editor);
        var mine = await db.Algorithms.CountAsync(a => a.PhaseId == phaseId && (a.CreatorId == userId || editorOf.Contains(a.Id)), ct);
        if (mine >= MaxAlgorithmsPerPhase)
        {
            return Result<Algorithm>.Fail($"You already have {MaxAlgorithmsPerPhase} algorithms for this phase, the most allowed. Upload a new image to one of them instead.");
        }

        var baseSlug = ArchiveRules.Slugify(title);
        baseSlug = baseSlug.Length == 0 ? "algorithm" : baseSlug[..Math.Min(baseSlug.Length, Algorithm.MaxSlugLength - 6)].TrimEnd('-');
        var taken = await db.Algorithms.Where(a => a.Slug.StartsWith(baseSlug)).Select(a => a.Slug).ToListAsync(ct);
        var slug = baseSlug;
        for (var i = 2; taken.Contains(slug); i++)
        {
            slug = $"{baseSlug}-{i}";
        }

        var algorithm = new Algorithm
        {
            Title = title,
            Slug = slug,
            Description = description,
            InterfaceIds = [.. phase.AlgorithmInterfaceIds],
            TimeLimitSeconds = phase.AlgorithmTimeLimitSeconds,
            MemoryGb = memory,
            RequiresGpu = request.RequiresGpu,
            PhaseId = phaseId,
            CreatorId = userId,
        };
        db.Algorithms.Add(algorithm);
        await db.SaveChangesAsync(ct);
        await permissions.GrantAsync(ObjectKinds.Algorithm, algorithm.Id, ObjectRoles.Editor, userId, ct: ct);
        notifier.Publish(AlgorithmTopics.List);
        return Result<Algorithm>.Ok(algorithm);
    }

    public async Task<IReadOnlyList<PhaseAlgorithmChoice>> ChoicesAsync(Actor actor, Guid phaseId, CancellationToken ct = default)
    {
        if (actor.UserId is null || await phases.FindAsync(actor, phaseId, ct) is not { } context || context.Phase.SubmissionKind != SubmissionKind.Algorithm)
        {
            return [];
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var editorOf = permissions.ObjectIdsWithRole(db, actor, ObjectKinds.Algorithm, ObjectRoles.Editor);
        var algorithms = await db.Algorithms.AsNoTracking().Where(a => editorOf.Contains(a.Id)).ToListAsync(ct);
        var ids = algorithms.Select(a => a.Id).ToList();
        var images = await db.ContainerImages.AsNoTracking()
            .Where(i => i.Kind == ContainerImageKind.Algorithm && i.OwnerId != null && ids.Contains(i.OwnerId.Value)
                        && i.ImportStatus == ContainerImageImportStatus.Completed && i.IsManifestValid == true && i.IsLoaded && !i.IsRemoved)
            .ToListAsync(ct);
        var phase = context.Phase;
        return [.. algorithms
            .Select(a => new PhaseAlgorithmChoice(
                a,
                [.. images.Where(i => i.OwnerId == a.Id).OrderByDescending(i => i.IsDesiredVersion).ThenByDescending(i => i.Created)],
                phase.AlgorithmInterfaceIds.Count > 0 && phase.AlgorithmInterfaceIds.All(a.InterfaceIds.Contains)))
            .Where(c => c.ImplementsPhase || c.Algorithm.PhaseId == phaseId)
            .OrderByDescending(c => c.Algorithm.PhaseId == phaseId).ThenByDescending(c => c.Algorithm.Created)];
    }

    public async Task<EvaluationCaseJobs?> JobsAsync(Actor actor, Guid evaluationId, CancellationToken ct = default)
    {
        if (await evaluations.FindAsync(actor, evaluationId, ct) is not { } view || await pipeline.ProgressAsync(evaluationId, ct) is not { } progress)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var phase = await db.Phases.AsNoTracking().SingleAsync(p => p.Id == view.PhaseId, ct);
        var linked = db.EvaluationAlgorithmJobs.Where(l => l.EvaluationId == evaluationId);
        var algorithmId = await db.AlgorithmJobs.Where(a => linked.Any(l => l.JobId == a.JobId)).Select(a => (Guid?)a.AlgorithmId).FirstOrDefaultAsync(ct);
        var seesJobs = view.IsAdminView || (phase.GiveAlgorithmEditorsJobViewPermissions && algorithmId is { } id && await IsEditorAsync(actor, id, ct));
        var seesLogsOnly = !seesJobs && phase.ShowParticipantLogs && actor.UserId is { } user && view.CreatorId == user;
        if (!seesJobs && !seesLogsOnly)
        {
            return new EvaluationCaseJobs(progress, []);
        }

        var cases = await linked.AsNoTracking()
            .GroupJoin(db.ArchiveItems, a => a.ArchiveItemId, i => i.Id, (a, items) => new { a, items })
            .SelectMany(x => x.items.DefaultIfEmpty(), (x, i) => new { x.a.JobId, x.a.ArchiveItemId, Title = i == null ? null : i.Title })
            .ToListAsync(ct);
        var jobIds = cases.Select(c => c.JobId).ToList();
        var jobs = await db.ComponentJobs.AsNoTracking().Include(j => j.Values).Where(j => jobIds.Contains(j.Id)).ToDictionaryAsync(j => j.Id, ct);
        var rows = cases.Select(c => new { c.ArchiveItemId, c.Title, Job = jobs[c.JobId] }).ToList();
        // In the pipeline's case order (titled first, by title): jobs created in one go share their creation time.
        return new EvaluationCaseJobs(progress, [.. rows.OrderBy(r => string.IsNullOrEmpty(r.Title)).ThenBy(r => r.Title, StringComparer.Ordinal)
            .ThenBy(r => r.Job.Created).Select(r => new EvaluationCaseJobView(
            r.Job.Id,
            seesJobs ? r.Title : null,
            seesJobs ? r.ArchiveItemId : null,
            r.Job.Status,
            r.Job.ErrorMessage,
            r.Job.ExecDurationMs is { } ms ? XmlConvert.ToString(TimeSpan.FromMilliseconds(ms)) : null,
            r.Job.ExecDurationMs,
            seesJobs ? [.. r.Job.Values.Where(v => v.IsOutput).Select(v => v.SocketValueId)] : [],
            r.Job.Stdout,
            r.Job.Stderr))]);
    }

    public async Task<bool?> CanViewSystemJobAsync(Actor actor, Guid jobId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.AlgorithmJobs.AsNoTracking().FirstOrDefaultAsync(a => a.JobId == jobId && a.EvaluationId != null, ct);
        if (job is null)
        {
            return null;
        }

        if (actor.IsSiteAdmin)
        {
            return true;
        }

        // Any evaluation using the job (the one that queued it and those that reused it) grants its phase's view.
        var phases = await db.EvaluationAlgorithmJobs.Where(l => l.JobId == jobId)
            .Join(db.Evaluations, l => l.EvaluationId, e => e.Id, (l, e) => e.PhaseId)
            .Join(db.Phases, id => id, p => p.Id, (id, p) => p).Distinct().ToListAsync(ct);
        foreach (var phase in phases)
        {
            if (await permissions.CanAsync(actor, Permissions.ChangeChallenge, phase.ChallengeId, ct)
                || (phase.GiveAlgorithmEditorsJobViewPermissions && await IsEditorAsync(actor, job.AlgorithmId, ct)))
            {
                return true;
            }
        }

        return false;
    }

    public async Task<PhaseAlgorithmLinks> LinksAsync(Phase phase, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var slug = phase.ArchiveId is { } archiveId ? await db.Archives.Where(a => a.Id == archiveId).Select(a => a.Slug).FirstOrDefaultAsync(ct) : null;
        var interfaces = await AlgorithmInterfaces.LoadAsync(db, phase.AlgorithmInterfaceIds, ct);
        return new PhaseAlgorithmLinks(slug, [.. interfaces.Select(i => new PhaseInterfaceSetting(
            [.. i.Inputs.Select(s => s.Slug)], [.. i.Outputs.Select(s => s.Slug)]))]);
    }

    private async Task<bool> IsEditorAsync(Actor actor, Guid algorithmId, CancellationToken ct) =>
        actor.IsSiteAdmin || (await permissions.RolesAsync(actor, ObjectKinds.Algorithm, algorithmId, ct)).Contains(ObjectRoles.Editor);
}

/// <summary>
/// Images of the hidden test cases and of the algorithm jobs run on them: the challenge's admins see both; the
/// algorithm's editors see the images their algorithm produced when the phase gives them job view. Participants never
/// see the cases' images through a submission (system jobs have no creator; evaluation inputs under a prefix are not
/// shown to the evaluation's creator, see <see cref="ComponentJobImageVisibility"/>).
/// </summary>
public sealed class AlgorithmEvaluationImageVisibility(IPermissionService permissions) : IImageVisibilitySource
{
    public IQueryable<Guid> VisibleImageIds(AppDbContext db, Actor actor)
    {
        var adminOf = permissions.ObjectIdsWithRole(db, actor, ObjectKinds.Challenge, ObjectRoles.Admin);
        var editorOf = permissions.ObjectIdsWithRole(db, actor, ObjectKinds.Algorithm, ObjectRoles.Editor);
        var asAdmin = db.EvaluationAlgorithmJobs
            .Where(l => db.Evaluations.Any(e => e.Id == l.EvaluationId && db.Phases.Any(p => p.Id == e.PhaseId && adminOf.Contains(p.ChallengeId))))
            .Select(l => l.JobId);
        var asEditor = db.EvaluationAlgorithmJobs
            .Where(l => db.AlgorithmJobs.Any(a => a.JobId == l.JobId && editorOf.Contains(a.AlgorithmId))
                        && db.Evaluations.Any(e => e.Id == l.EvaluationId && db.Phases.Any(p => p.Id == e.PhaseId && p.GiveAlgorithmEditorsJobViewPermissions)))
            .Select(l => l.JobId);
        var values = db.ComponentJobValues.Where(v => asAdmin.Contains(v.JobId) || (v.IsOutput && asEditor.Contains(v.JobId))).Select(v => v.SocketValueId);
        return db.SocketValues.Where(v => values.Contains(v.Id) && v.ImageId != null).Select(v => v.ImageId!.Value);
    }
}
