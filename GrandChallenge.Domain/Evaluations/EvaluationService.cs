using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>An evaluation as one actor may see it. Logs are null unless the actor may read them.</summary>
public sealed record EvaluationView(
    Guid Id,
    Guid SubmissionId,
    Guid PhaseId,
    string ChallengeShortName,
    string PhaseTitle,
    string PhaseSlug,
    Guid? CreatorId,
    string? CreatorName,
    Guid JobId,
    ComponentJobStatus Status,
    string? ErrorMessage,
    string? MetricsJson,
    int Rank,
    double RankScore,
    bool Published,
    Guid MethodId,
    Guid? GroundTruthId,
    DateTimeOffset Created,
    DateTimeOffset? CompletedAt,
    string? Stdout,
    string? Stderr,
    bool IsAdminView)
{
    public bool IsFinal => Status is ComponentJobStatus.Succeeded or ComponentJobStatus.Failed or ComponentJobStatus.Cancelled;
}

public interface IEvaluationService
{
    Task<ContainerImage?> ActiveMethodAsync(Guid phaseId, CancellationToken ct = default);

    /// <summary>Whether the user has an evaluation in the phase that has not ended.</summary>
    Task<bool> HasActiveAsync(Guid phaseId, Guid userId, CancellationToken ct = default);

    /// <summary>Stores a new submission together with its first evaluation and queues it.</summary>
    Task<Result<Evaluation>> CreateForNewSubmissionAsync(Submission submission, CancellationToken ct = default);

    /// <summary>Evaluates submissions again with the phase's current method and ground truth: one, or all when <paramref name="submissionId"/> is null.</summary>
    Task<Result<int>> ReevaluateAsync(Actor actor, Guid phaseId, Guid? submissionId, CancellationToken ct = default);

    Task<Result<EvaluationView>> CancelAsync(Actor actor, Guid evaluationId, CancellationToken ct = default);

    Task<Result<EvaluationView>> SetPublishedAsync(Actor actor, Guid evaluationId, bool published, CancellationToken ct = default);

    Task<EvaluationView?> FindAsync(Actor actor, Guid evaluationId, CancellationToken ct = default);

    /// <summary>
    /// Evaluations the actor may see, newest first: all of a phase for its admins; otherwise their own and the
    /// published, successful ones of phases they can see.
    /// </summary>
    Task<(int Count, IReadOnlyList<EvaluationView> Items)> ListAsync(
        Actor actor, Guid? phaseId, Guid? submissionId, int offset, int limit, CancellationToken ct = default);
}

public sealed class EvaluationService(
    IDbContextFactory<AppDbContext> dbFactory,
    IPhaseService phases,
    IComponentJobQueue queue,
    ILeaderboardService leaderboards,
    PhaseRankStore ranks,
    IChangeNotifier notifier,
    TimeProvider clock,
    Algorithms.AlgorithmEvaluationPipeline? algorithmPipeline = null) : IEvaluationService
{
    private static readonly ComponentJobStatus[] Final = [ComponentJobStatus.Succeeded, ComponentJobStatus.Failed, ComponentJobStatus.Cancelled];

    public async Task<ContainerImage?> ActiveMethodAsync(Guid phaseId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ContainerImages.AsNoTracking()
            .Where(i => i.Kind == ContainerImageKind.Evaluation && i.OwnerId == phaseId && i.IsDesiredVersion
                        && i.ImportStatus == ContainerImageImportStatus.Completed && i.IsManifestValid == true && i.IsLoaded && !i.IsRemoved)
            .FirstOrDefaultAsync(ct);
    }

    public async Task<bool> HasActiveAsync(Guid phaseId, Guid userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Evaluations.AnyAsync(e => e.PhaseId == phaseId && e.CreatorId == userId
                                                  && db.ComponentJobs.Any(j => j.Id == e.JobId && !Final.Contains(j.Status)), ct);
    }

    public async Task<Result<Evaluation>> CreateForNewSubmissionAsync(Submission submission, CancellationToken ct = default)
    {
        var result = await CreateEvaluationsAsync([submission], isNew: true, ct);
        return result.Succeeded ? Result<Evaluation>.Ok(result.Value![0]) : Result<Evaluation>.Fail(result.Error!);
    }

    public async Task<Result<int>> ReevaluateAsync(Actor actor, Guid phaseId, Guid? submissionId, CancellationToken ct = default)
    {
        if (await phases.FindAsync(actor, phaseId, ct) is not { IsAdmin: true })
        {
            return Result<int>.Fail("Only the challenge's admins may re-evaluate submissions.");
        }

        List<Submission> submissions;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            submissions = await db.Submissions.AsNoTracking()
                .Where(s => s.PhaseId == phaseId && (submissionId == null || s.Id == submissionId))
                .ToListAsync(ct);
        }

        if (submissionId is not null && submissions.Count == 0)
        {
            return Result<int>.Fail("No such submission in this phase.");
        }

        var created = await CreateEvaluationsAsync(submissions, isNew: false, ct);
        if (!created.Succeeded)
        {
            return Result<int>.Fail(created.Error!);
        }

        return created.Value!.Count > 0
            ? Result<int>.Ok(created.Value.Count)
            : Result<int>.Fail("Every submission already has an evaluation, finished or running, with the current method and ground truth.");
    }

    /// <summary>
    /// One evaluation per submission with the phase's active method and ground truth. A re-evaluation is skipped when
    /// the submission already has one with that method and ground truth that did not fail or get cancelled.
    /// </summary>
    private async Task<Result<List<Evaluation>>> CreateEvaluationsAsync(IReadOnlyList<Submission> submissions, bool isNew, CancellationToken ct)
    {
        if (submissions.Count == 0)
        {
            return Result<List<Evaluation>>.Ok([]);
        }

        var phaseId = submissions[0].PhaseId;
        var method = await ActiveMethodAsync(phaseId, ct);
        if (method?.ImageSha256 is null)
        {
            return Result<List<Evaluation>>.Fail("The phase has no usable evaluation method: upload one and wait until its import has completed.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var phase = await db.Phases.AsNoTracking().SingleAsync(p => p.Id == phaseId, ct);
        var groundTruth = await db.GroundTruths.AsNoTracking().FirstOrDefaultAsync(g => g.PhaseId == phaseId && g.IsDesiredVersion, ct);
        var metrics = await db.Sockets.AsNoTracking().SingleAsync(s => s.Slug == DefaultSockets.MetricsJsonFile, ct);
        var ids = submissions.Select(s => s.Id).ToList();
        var existing = isNew
            ? []
            : await db.Evaluations.AsNoTracking()
                .Where(e => ids.Contains(e.SubmissionId) && e.MethodId == method.Id && e.GroundTruthId == (groundTruth == null ? null : groundTruth.Id)
                            && db.ComponentJobs.Any(j => j.Id == e.JobId && j.Status != ComponentJobStatus.Failed && j.Status != ComponentJobStatus.Cancelled))
                .Select(e => e.SubmissionId)
                .ToListAsync(ct);

        var created = new List<Evaluation>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (isNew)
        {
            db.Submissions.AddRange(submissions);
        }

        var algorithmic = new List<Evaluation>();
        foreach (var submission in submissions.Where(s => !existing.Contains(s.Id) && (s.PredictionsValueId is not null || s.AlgorithmImageId is not null)))
        {
            // An algorithm submission's evaluation waits (not claimable) until its algorithm has run on every test case.
            var isAlgorithm = submission.AlgorithmImageId is not null;
            var job = new ComponentJob
            {
                Kind = ComponentJobKind.Evaluation,
                Status = isAlgorithm ? ComponentJobStatus.ValidatingInputs : ComponentJobStatus.Pending,
                ContainerImageId = method.Id,
                ImageReference = method.ImageSha256,
                CreatorId = submission.CreatorId,
                FairnessGroup = phase.ChallengeId.ToString("N"),
                TimeLimitSeconds = phase.EvaluationTimeLimitSeconds,
                MemoryGb = phase.EvaluationMemoryGb,
                OutputSocketIds = [metrics.Id],
                ArchiveMounts = groundTruth is null ? [] : [new JobArchiveMount(groundTruth.BlobKey, GroundTruth.MountPath)],
                Values = isAlgorithm ? [] : [new ComponentJobValue { SocketValueId = submission.PredictionsValueId!.Value }],
            };
            var evaluation = new Evaluation
            {
                SubmissionId = submission.Id,
                PhaseId = phaseId,
                CreatorId = submission.CreatorId,
                MethodId = method.Id,
                GroundTruthId = groundTruth?.Id,
                JobId = job.Id,
                Published = phase.AutoPublishNewResults,
            };
            db.ComponentJobs.Add(job);
            db.Evaluations.Add(evaluation);
            created.Add(evaluation);
            if (isAlgorithm)
            {
                algorithmic.Add(evaluation);
            }
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        if (created.Count > 0)
        {
            await queue.TriggerAsync(ct: ct);
        }

        foreach (var evaluation in algorithmic)
        {
            // Queues the smoke test; were this call lost, the pipeline's reconciliation queues it.
            await (algorithmPipeline?.AdvanceAsync(evaluation.Id, ct: ct) ?? Task.CompletedTask);
        }

        notifier.Publish(EvaluationTopics.Evaluations(phaseId), phaseId);
        return Result<List<Evaluation>>.Ok(created);
    }

    public async Task<Result<EvaluationView>> CancelAsync(Actor actor, Guid evaluationId, CancellationToken ct = default)
    {
        if (await FindAsync(actor, evaluationId, ct) is not { IsAdminView: true } view)
        {
            return Result<EvaluationView>.Fail("Only the challenge's admins may cancel evaluations.");
        }

        var cancelled = await queue.CancelAsync(view.JobId, ct);
        if (!cancelled.Succeeded)
        {
            return Result<EvaluationView>.Fail(cancelled.Error!);
        }

        notifier.Publish(EvaluationTopics.Evaluations(view.PhaseId), view.PhaseId);
        return Result<EvaluationView>.Ok((await FindAsync(actor, evaluationId, ct))!);
    }

    public async Task<Result<EvaluationView>> SetPublishedAsync(Actor actor, Guid evaluationId, bool published, CancellationToken ct = default)
    {
        if (await FindAsync(actor, evaluationId, ct) is not { IsAdminView: true } view)
        {
            return Result<EvaluationView>.Fail("Only the challenge's admins may publish or hide results.");
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await db.Evaluations.Where(e => e.Id == evaluationId)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.Published, published).SetProperty(e => e.Modified, clock.GetUtcNow()), ct);
        }

        await leaderboards.RecomputeAsync(view.PhaseId, ct);
        notifier.Publish(EvaluationTopics.Evaluations(view.PhaseId), view.PhaseId);
        return Result<EvaluationView>.Ok((await FindAsync(actor, evaluationId, ct))!);
    }

    public async Task<EvaluationView?> FindAsync(Actor actor, Guid evaluationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var phaseId = await db.Evaluations.Where(e => e.Id == evaluationId).Select(e => (Guid?)e.PhaseId).FirstOrDefaultAsync(ct);
        if (phaseId is null || await phases.FindAsync(actor, phaseId.Value, ct) is not { } context)
        {
            return null;
        }

        var rows = await QueryAsync(db, context, db.Evaluations.Where(e => e.Id == evaluationId), 0, 1, ct);
        return rows.Items.FirstOrDefault();
    }

    public async Task<(int Count, IReadOnlyList<EvaluationView> Items)> ListAsync(
        Actor actor, Guid? phaseId, Guid? submissionId, int offset, int limit, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (submissionId is { } sid)
        {
            phaseId ??= await db.Submissions.Where(s => s.Id == sid).Select(s => (Guid?)s.PhaseId).FirstOrDefaultAsync(ct);
        }

        if (phaseId is null)
        {
            if (actor.UserId is not { } userId)
            {
                return (0, []);
            }

            // Without a phase: the actor's own evaluations everywhere.
            var own = db.Evaluations.Where(e => e.CreatorId == userId);
            var count = await own.CountAsync(ct);
            var page = await own.OrderByDescending(e => e.Created).Skip(offset).Take(limit).Select(e => e.Id).ToListAsync(ct);
            var views = new List<EvaluationView>();
            foreach (var id in page)
            {
                if (await FindAsync(actor, id, ct) is { } view)
                {
                    views.Add(view);
                }
            }

            return (count, views);
        }

        if (await phases.FindAsync(actor, phaseId.Value, ct) is not { } context)
        {
            return (0, []);
        }

        var query = db.Evaluations.Where(e => e.PhaseId == phaseId);
        if (submissionId is not null)
        {
            query = query.Where(e => e.SubmissionId == submissionId);
        }

        return await QueryAsync(db, context, query, offset, limit, ct);
    }

    private async Task<(int Count, IReadOnlyList<EvaluationView> Items)> QueryAsync(
        AppDbContext db, PhaseContext context, IQueryable<Evaluation> query, int offset, int limit, CancellationToken ct)
    {
        var userId = context.Actor.UserId;
        if (!context.IsAdmin)
        {
            query = query.Where(e => (userId != null && e.CreatorId == userId)
                                     || (e.Published && db.ComponentJobs.Any(j => j.Id == e.JobId && j.Status == ComponentJobStatus.Succeeded)));
        }

        var count = await query.CountAsync(ct);
        var rows = await query
            .OrderByDescending(e => e.Created)
            .Skip(offset)
            .Take(limit)
            .Join(db.ComponentJobs, e => e.JobId, j => j.Id, (e, j) => new { e, j.Status, j.ErrorMessage, j.CompletedAt, j.Stdout, j.Stderr })
            .GroupJoin(db.Users, r => r.e.CreatorId, u => u.Id, (r, users) => new { r, users })
            .SelectMany(x => x.users.DefaultIfEmpty(), (x, u) => new { x.r, UserName = u == null ? null : u.UserName })
            .ToListAsync(ct);

        var phase = context.Phase;
        var shortName = context.Challenge.Challenge.ShortName;
        var ranked = await ranks.GetAsync(db, phase.Id, ct) ?? PhaseRanks.Empty;
        var items = rows.Select(x =>
        {
            var own = userId is not null && x.r.e.CreatorId == userId;
            var logs = context.IsAdmin || (own && phase.ShowParticipantLogs);
            // Participants learn why their own evaluation failed; others see no messages.
            var message = context.IsAdmin || own ? x.r.ErrorMessage : null;
            return new EvaluationView(
                x.r.e.Id, x.r.e.SubmissionId, x.r.e.PhaseId, shortName, phase.Title, phase.Slug, x.r.e.CreatorId, x.UserName, x.r.e.JobId,
                x.r.Status, message, x.r.e.MetricsJson, ranked.RankOf(x.r.e.Id),
                ranked.TryGet(x.r.e.Id, out var rank) ? rank.Score : 0, x.r.e.Published, x.r.e.MethodId, x.r.e.GroundTruthId,
                x.r.e.Created, x.r.CompletedAt, logs ? x.r.Stdout : null, logs ? x.r.Stderr : null, context.IsAdmin);
        }).ToList();
        return (count, items);
    }
}
