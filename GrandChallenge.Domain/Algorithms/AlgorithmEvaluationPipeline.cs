using System.Text.Json.Nodes;
using System.Xml;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Evaluations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrandChallenge.Domain.Algorithms;

/// <summary>A hidden test case the algorithm runs on: an archive item whose sockets are exactly one interface's inputs.</summary>
public sealed record AlgorithmEvaluationCase(Guid ItemId, string Title, int InterfaceId, IReadOnlyList<long> ValueIds);

/// <summary>How far the inference of an algorithm submission has got ("12 of 40 cases done").</summary>
public sealed record AlgorithmEvaluationProgress(int Done, int Total, int Failed);

/// <summary>
/// Runs a submitted algorithm on the phase's hidden test cases before its evaluation (reference §8). The evaluation's
/// job waits in Validating inputs — not claimable — while one case runs first as a smoke test; only when it succeeds
/// are the other cases queued. A case an earlier system job of the same image and model already ran successfully on the
/// same inputs (another phase, a re-evaluation) reuses that job instead of running again (all at once: the engine's queue limits parallelism to the node's slots). Any failure
/// cancels the cases still waiting and fails the evaluation with the case and its message. When every case succeeded,
/// <c>predictions.json</c> and each job's outputs (under <c>&lt;job id&gt;/output</c>) become the evaluation's inputs and it
/// is queued. Every step is idempotent and re-derived from the stored jobs, so a missed call is made good by the next
/// job that ends or by <see cref="ReconcileAsync"/>.
/// </summary>
/// <remarks>
/// <see cref="Evaluation.InferenceStage"/> records what has been queued, so that concurrent callers queue each stage once.
/// </remarks>
public sealed class AlgorithmEvaluationPipeline(
    IDbContextFactory<AppDbContext> dbFactory,
    IServiceProvider services,
    ISocketValueService values,
    IChangeNotifier notifier,
    TimeProvider clock,
    ILogger<AlgorithmEvaluationPipeline> logger)
{
    public const string FailedMessage = "The algorithm failed on one or more cases.";

    /// <summary>Queue wake-ups when the cases are queued: enough to fill the slots of a few nodes.</summary>
    private const int MaxWakeUps = 8;

    // Resolved when used: the store and the queue call the job observers, one of which calls this.
    private ComponentJobStore Store => services.GetRequiredService<ComponentJobStore>();
    private IComponentJobQueue Queue => services.GetRequiredService<IComponentJobQueue>();

    /// <summary>Moves the evaluation on from whatever its algorithm jobs have reached.</summary>
    /// <param name="evaluationId">The evaluation.</param>
    /// <param name="cancelWhenEnded">Cancel the cases still waiting when the evaluation has already ended (off when the call comes from such a cancellation).</param>
    /// <param name="ct">Cancels the call.</param>
    public async Task AdvanceAsync(Guid evaluationId, bool cancelWhenEnded = true, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var evaluation = await db.Evaluations.AsNoTracking().FirstOrDefaultAsync(e => e.Id == evaluationId, ct);
        if (evaluation is null)
        {
            return;
        }

        var status = await db.ComponentJobs.AsNoTracking().Where(j => j.Id == evaluation.JobId).Select(j => j.Status).SingleAsync(ct);
        var jobs = await JobsAsync(db, evaluationId, ct);
        if (status != ComponentJobStatus.ValidatingInputs)
        {
            if (cancelWhenEnded && status is ComponentJobStatus.Failed or ComponentJobStatus.Cancelled)
            {
                await CancelWaitingAsync(jobs, ct);
            }

            return;
        }

        var submission = await db.Submissions.AsNoTracking().SingleAsync(s => s.Id == evaluation.SubmissionId, ct);
        if (submission.AlgorithmImageId is null)
        {
            return;
        }

        if (jobs.Where(j => j.Status == ComponentJobStatus.Failed).Concat(jobs.Where(j => j.Status == ComponentJobStatus.Cancelled)).FirstOrDefault() is { } failed)
        {
            await FailAsync(evaluation, $"{FailedMessage} Case '{failed.Title}': {failed.ErrorMessage ?? ComponentJob.Label(failed.Status)}", ct);
            await CancelWaitingAsync(jobs, ct);
            return;
        }

        if (jobs.Any(j => j.Status != ComponentJobStatus.Succeeded))
        {
            // Progress for the live pages.
            notifier.Publish(EvaluationTopics.Evaluations(evaluation.PhaseId), evaluation.PhaseId);
            return;
        }

        var phase = await db.Phases.AsNoTracking().SingleAsync(p => p.Id == evaluation.PhaseId, ct);
        if (evaluation.InferenceStage == InferenceStage.AllCases
            || (evaluation.InferenceStage == InferenceStage.SmokeTest && jobs.Count > 0 && await CasesAsync(db, phase, ct) is var all
                && all.All(c => jobs.Any(j => j.ItemId == c.ItemId))))
        {
            await FinishAsync(db, evaluation, phase, jobs, ct);
            return;
        }

        await QueueCasesAsync(db, evaluation, phase, submission, ct);
    }

    /// <summary>The cases of the phase in grand-challenge.org's order: titled items first by title, then by creation.</summary>
    public static async Task<IReadOnlyList<AlgorithmEvaluationCase>> CasesAsync(AppDbContext db, Phase phase, CancellationToken ct = default)
    {
        if (phase.ArchiveId is not { } archiveId || phase.AlgorithmInterfaceIds.Count == 0)
        {
            return [];
        }

        var interfaces = await db.AlgorithmInterfaces.AsNoTracking().Where(i => phase.AlgorithmInterfaceIds.Contains(i.Id)).ToListAsync(ct);
        var items = await db.ArchiveItems.AsNoTracking().Where(i => i.ArchiveId == archiveId)
            .Select(i => new { i.Id, i.Title, i.Created, Values = i.Values.Select(v => new { v.SocketId, v.SocketValueId }).ToList() })
            .ToListAsync(ct);
        var cases = new List<AlgorithmEvaluationCase>();
        foreach (var item in items.OrderBy(i => i.Title.Length == 0).ThenBy(i => i.Title, StringComparer.Ordinal).ThenBy(i => i.Created).ThenBy(i => i.Id))
        {
            var sockets = item.Values.Select(v => v.SocketId).ToHashSet();
            if (interfaces.FirstOrDefault(i => sockets.SetEquals(i.InputSocketIds)) is { } matching)
            {
                cases.Add(new AlgorithmEvaluationCase(item.Id, item.Title, matching.Id, [.. item.Values.Select(v => v.SocketValueId)]));
            }
        }

        return cases;
    }

    /// <summary>Cases done (succeeded) out of all cases the submission runs on; the total is known once the smoke test passed.</summary>
    public async Task<AlgorithmEvaluationProgress?> ProgressAsync(Guid evaluationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var evaluation = await db.Evaluations.AsNoTracking().FirstOrDefaultAsync(e => e.Id == evaluationId, ct);
        if (evaluation is null || !await db.Submissions.AnyAsync(s => s.Id == evaluation.SubmissionId && s.AlgorithmImageId != null, ct))
        {
            return null;
        }

        var jobs = await JobsAsync(db, evaluationId, ct);
        var status = await db.ComponentJobs.Where(j => j.Id == evaluation.JobId).Select(j => j.Status).SingleAsync(ct);
        var total = status == ComponentJobStatus.ValidatingInputs && evaluation.InferenceStage != InferenceStage.AllCases
            ? Math.Max(jobs.Count, (await CasesAsync(db, await db.Phases.AsNoTracking().SingleAsync(p => p.Id == evaluation.PhaseId, ct), ct)).Count)
            : jobs.Count;
        return new AlgorithmEvaluationProgress(
            jobs.Count(j => j.Status == ComponentJobStatus.Succeeded), total,
            jobs.Count(j => j.Status is ComponentJobStatus.Failed or ComponentJobStatus.Cancelled));
    }

    /// <summary>
    /// The safety net for missed calls: moves on every evaluation still waiting for its algorithm jobs whose jobs have
    /// all ended, or which has none queued although it was created a while ago.
    /// </summary>
    public async Task<int> ReconcileAsync(CancellationToken ct = default)
    {
        List<Guid> waiting;
        var before = clock.GetUtcNow() - TimeSpan.FromSeconds(30);
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var active = new[] { ComponentJobStatus.ValidatingInputs, ComponentJobStatus.Pending, ComponentJobStatus.Provisioned, ComponentJobStatus.Executing, ComponentJobStatus.Executed };
            waiting = await db.Evaluations.AsNoTracking()
                .Where(e => db.ComponentJobs.Any(j => j.Id == e.JobId && j.Status == ComponentJobStatus.ValidatingInputs && j.Modified < before))
                .Where(e => db.Submissions.Any(s => s.Id == e.SubmissionId && s.AlgorithmImageId != null))
                .Where(e => !db.EvaluationAlgorithmJobs.Any(l => l.EvaluationId == e.Id && db.ComponentJobs.Any(j => j.Id == l.JobId && active.Contains(j.Status))))
                .Select(e => e.Id)
                .ToListAsync(ct);
        }

        foreach (var id in waiting)
        {
            try
            {
                await AdvanceAsync(id, ct: ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not move on algorithm evaluation {Evaluation}", id);
            }
        }

        return waiting.Count;
    }

    private sealed record CaseJob(Guid JobId, Guid? ItemId, string Title, ComponentJobStatus Status, string? ErrorMessage, DateTimeOffset Created);

    private static async Task<List<CaseJob>> JobsAsync(AppDbContext db, Guid evaluationId, CancellationToken ct)
    {
        var rows = await db.EvaluationAlgorithmJobs.AsNoTracking().Where(l => l.EvaluationId == evaluationId)
            .Join(db.ComponentJobs, l => l.JobId, j => j.Id, (l, j) => new { l.JobId, l.ArchiveItemId, j.Status, j.ErrorMessage, j.Created })
            .GroupJoin(db.ArchiveItems, r => r.ArchiveItemId, i => i.Id, (r, items) => new { r, items })
            .SelectMany(x => x.items.DefaultIfEmpty(), (x, i) => new { x.r, Title = i == null ? null : i.Title })
            .ToListAsync(ct);
        return [.. rows.Select(x => new CaseJob(x.r.JobId, x.r.ArchiveItemId, x.Title is { Length: > 0 } t ? t : x.r.ArchiveItemId.ToString() ?? "", x.r.Status, x.r.ErrorMessage, x.r.Created))
            .OrderBy(j => j.Created)];
    }

    /// <summary>Queues the smoke test or, once it is queued, every case not yet run; each stage once.</summary>
    private async Task QueueCasesAsync(AppDbContext db, Evaluation evaluation, Phase phase, Submission submission, CancellationToken ct)
    {
        var image = await db.ContainerImages.AsNoTracking().FirstOrDefaultAsync(i => i.Id == submission.AlgorithmImageId, ct);
        var algorithm = image?.OwnerId is { } ownerId ? await db.Algorithms.AsNoTracking().FirstOrDefaultAsync(a => a.Id == ownerId, ct) : null;
        if (image?.ImageSha256 is null || algorithm is null || image.IsRemoved || !image.IsLoaded)
        {
            await FailAsync(evaluation, "The algorithm's container image can no longer run; submit it again after uploading a new image.", ct);
            return;
        }

        if (!phase.AlgorithmInterfaceIds.All(algorithm.InterfaceIds.Contains))
        {
            await FailAsync(evaluation, "The algorithm does not implement all the interfaces of this phase.", ct);
            return;
        }

        var cases = await CasesAsync(db, phase, ct);
        if (cases.Count == 0)
        {
            await FailAsync(evaluation, "The phase has no test cases for its algorithm interfaces. The challenge's admins have been told.", ct);
            return;
        }

        var done = await db.EvaluationAlgorithmJobs.Where(l => l.EvaluationId == evaluation.Id).Select(l => l.ArchiveItemId).ToListAsync(ct);
        var todo = cases.Where(c => !done.Contains(c.ItemId)).ToList();
        var stage = evaluation.InferenceStage;
        if (stage == InferenceStage.None)
        {
            todo = [.. todo.Take(1)];
        }

        var model = submission.AlgorithmModelId is { } modelId ? await db.AlgorithmModels.AsNoTracking().FirstOrDefaultAsync(m => m.Id == modelId, ct) : null;
        var interfaces = await db.AlgorithmInterfaces.AsNoTracking().Where(i => phase.AlgorithmInterfaceIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);
        var reusable = await ReusableJobsAsync(db, image.Id, model?.Id, todo, ct);
        var next = stage == InferenceStage.None ? InferenceStage.SmokeTest : InferenceStage.AllCases;

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var claimed = await db.Evaluations
            .Where(e => e.Id == evaluation.Id && e.InferenceStage == stage
                        && db.ComponentJobs.Any(j => j.Id == e.JobId && j.Status == ComponentJobStatus.ValidatingInputs))
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.InferenceStage, next).SetProperty(e => e.Modified, clock.GetUtcNow()), ct);
        if (claimed != 1)
        {
            // Another caller queued this stage first.
            await transaction.RollbackAsync(ct);
            return;
        }

        var created = 0;
        foreach (var @case in todo)
        {
            if (reusable.TryGetValue((@case.InterfaceId, AlgorithmJob.InputsKeyOf(@case.ValueIds)), out var earlier))
            {
                db.EvaluationAlgorithmJobs.Add(new EvaluationAlgorithmJob { EvaluationId = evaluation.Id, JobId = earlier, ArchiveItemId = @case.ItemId });
                continue;
            }

            created++;
            var job = new ComponentJob
            {
                Kind = ComponentJobKind.Algorithm,
                Status = ComponentJobStatus.Pending,
                ContainerImageId = image.Id,
                ImageReference = image.ImageSha256,
                CreatorId = null,
                FairnessGroup = phase.ChallengeId.ToString("N"),
                TimeLimitSeconds = phase.AlgorithmTimeLimitSeconds,
                MemoryGb = submission.AlgorithmRequiresMemoryGb ?? algorithm.MemoryGb,
                OutputSocketIds = [.. interfaces[@case.InterfaceId].OutputSocketIds],
                // The model only; ground truth never enters an algorithm container.
                ArchiveMounts = model is null ? [] : [new JobArchiveMount(model.BlobKey, AlgorithmModel.MountPath)],
                Values = [.. @case.ValueIds.Select(id => new ComponentJobValue { SocketValueId = id })],
            };
            db.ComponentJobs.Add(job);
            db.AlgorithmJobs.Add(new AlgorithmJob
            {
                JobId = job.Id,
                AlgorithmId = algorithm.Id,
                AlgorithmImageId = image.Id,
                AlgorithmModelId = model?.Id,
                InterfaceId = @case.InterfaceId,
                CreatorId = null,
                InputsKey = AlgorithmJob.InputsKeyOf(@case.ValueIds),
                EvaluationId = evaluation.Id,
                ArchiveItemId = @case.ItemId,
            });
            db.EvaluationAlgorithmJobs.Add(new EvaluationAlgorithmJob { EvaluationId = evaluation.Id, JobId = job.Id, ArchiveItemId = @case.ItemId });
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        if (created == 0)
        {
            // Every case of this stage was reused: no job will end to move the evaluation on, so move it on now.
            await AdvanceAsync(evaluation.Id, ct: ct);
            return;
        }

        // One firing runs one job and then wakes one more, so a single wake-up would run the cases one after another:
        // wake as many as may run at once (each node's slots still bound what runs).
        for (var i = 0; i < Math.Min(created, MaxWakeUps); i++)
        {
            await Queue.TriggerAsync(ct: ct);
        }

        notifier.Publish(EvaluationTopics.Evaluations(evaluation.PhaseId), evaluation.PhaseId);
    }

    /// <summary>
    /// Earlier successful system jobs of this image and model by interface and inputs key: their
    /// cases are not run again.
    /// </summary>
    private static async Task<Dictionary<(int Interface, string Inputs), Guid>> ReusableJobsAsync(AppDbContext db, Guid imageId, Guid? modelId, IEnumerable<AlgorithmEvaluationCase> cases, CancellationToken ct)
    {
        var keys = cases.Select(c => AlgorithmJob.InputsKeyOf(c.ValueIds)).Distinct().ToList();
        var jobs = await db.AlgorithmJobs.AsNoTracking()
            .Where(a => a.EvaluationId != null && a.AlgorithmImageId == imageId && a.AlgorithmModelId == modelId && keys.Contains(a.InputsKey)
                        && db.ComponentJobs.Any(j => j.Id == a.JobId && j.Status == ComponentJobStatus.Succeeded))
            .Select(a => new { a.InterfaceId, a.InputsKey, a.JobId, a.Created })
            .ToListAsync(ct);
        return jobs.GroupBy(j => (j.InterfaceId, j.InputsKey)).ToDictionary(g => g.Key, g => g.OrderBy(j => j.Created).First().JobId);
    }

    /// <summary>Gives the evaluation <c>predictions.json</c> and every job's outputs, and queues it.</summary>
    private async Task FinishAsync(AppDbContext db, Evaluation evaluation, Phase phase, List<CaseJob> cases, CancellationToken ct)
    {
        var jobIds = cases.Select(c => c.JobId).ToList();
        var jobs = await db.ComponentJobs.AsNoTracking().Include(j => j.Values).Where(j => jobIds.Contains(j.Id)).ToDictionaryAsync(j => j.Id, ct);
        var valueIds = jobs.Values.SelectMany(j => j.Values).Select(v => v.SocketValueId).Distinct().ToList();
        var stored = await db.SocketValues.AsNoTracking().Include(v => v.Socket).Include(v => v.Image)
            .Where(v => valueIds.Contains(v.Id)).ToDictionaryAsync(v => v.Id, ct);
        var imageRef = await db.EvaluationAlgorithmJobs.AsNoTracking().Where(l => l.EvaluationId == evaluation.Id)
            .Join(db.AlgorithmJobs, l => l.JobId, a => a.JobId, (l, a) => a.AlgorithmImageId)
            .Join(db.ContainerImages, id => id, i => i.Id, (id, i) => i.ImageSha256).FirstOrDefaultAsync(ct);

        StagedInput Staged(ComponentJobValue v) =>
            new(stored[v.SocketValueId].Socket!, stored[v.SocketValueId], stored[v.SocketValueId].Image is { } image ? new InputImage(image.Id, image.Name, "") : null);

        var list = new JsonArray();
        var attached = new List<ComponentJobValue>();
        foreach (var @case in cases)
        {
            var job = jobs[@case.JobId];
            var pk = job.Id.ToString();
            var inputs = job.Values.Where(v => !v.IsOutput).Select(Staged).ToList();
            var outputs = job.Values.Where(v => v.IsOutput).Select(Staged).ToList();
            list.Add(new JsonObject
            {
                ["pk"] = pk,
                ["algorithm_image"] = imageRef,
                ["inputs"] = JsonNode.Parse(InputsJsonWriter.ToJson(inputs)),
                ["outputs"] = JsonNode.Parse(InputsJsonWriter.ToJson(outputs, $"/input/{pk}/output")),
                ["status"] = "Succeeded",
                ["started_at"] = job.StartedAt,
                ["completed_at"] = job.CompletedAt,
                ["exec_duration"] = job.ExecDurationMs is { } ms ? XmlConvert.ToString(TimeSpan.FromMilliseconds(ms)) : null,
                ["invoke_duration"] = null,
            });
            // Equal JSON outputs of two cases are one shared value, attached once under each case's folder.
            attached.AddRange(job.Values.Where(v => v.IsOutput)
                .Select(output => new ComponentJobValue { JobId = evaluation.JobId, SocketValueId = output.SocketValueId, Prefix = $"{pk}/output" }));
        }

        var socket = await db.Sockets.AsNoTracking().SingleAsync(s => s.Slug == DefaultSockets.PredictionsJsonFile, ct);
        var predictions = await values.GetOrCreateJsonAsync(socket, list, ct);
        if (!predictions.Succeeded)
        {
            await FailAsync(evaluation, $"The predictions of the algorithm could not be stored: {predictions.Error}", ct);
            return;
        }

        attached.Add(new ComponentJobValue { JobId = evaluation.JobId, SocketValueId = predictions.Value!.Id });
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.ComponentJobValues.AddRange(attached);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent caller attached them first and queued the evaluation.
            await transaction.RollbackAsync(ct);
            return;
        }

        var queued = await db.ComponentJobs
            .Where(j => j.Id == evaluation.JobId && j.Status == ComponentJobStatus.ValidatingInputs)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, ComponentJobStatus.Pending).SetProperty(j => j.Modified, clock.GetUtcNow()), ct);
        if (queued != 1)
        {
            await transaction.RollbackAsync(ct);
            return;
        }

        await transaction.CommitAsync(ct);
        logger.LogInformation("Evaluation {Evaluation} of phase {Phase}: {Count} case(s) done, evaluating", evaluation.Id, phase.Id, cases.Count);
        await Queue.TriggerAsync(ct: ct);
        notifier.Publish(EvaluationTopics.Evaluations(evaluation.PhaseId), evaluation.PhaseId);
    }

    private async Task FailAsync(Evaluation evaluation, string message, CancellationToken ct)
    {
        if (await Store.TransitionAsync(evaluation.JobId, ComponentJobStatus.ValidatingInputs, ComponentJobStatus.Failed,
                s => s.SetProperty(j => j.ErrorMessage, message), ct))
        {
            logger.LogInformation("Evaluation {Evaluation} failed: {Message}", evaluation.Id, message);
        }

        notifier.Publish(EvaluationTopics.Evaluations(evaluation.PhaseId), evaluation.PhaseId);
    }

    private async Task CancelWaitingAsync(IEnumerable<CaseJob> jobs, CancellationToken ct)
    {
        foreach (var job in jobs.Where(j => j.Status is not (ComponentJobStatus.Succeeded or ComponentJobStatus.Failed or ComponentJobStatus.Cancelled)))
        {
            await Queue.CancelAsync(job.JobId, ct);
        }
    }
}

/// <summary>Hears that a system algorithm job (or an algorithm evaluation) ended and moves its evaluation on.</summary>
public sealed class AlgorithmEvaluationObserver(IServiceProvider services, IDbContextFactory<AppDbContext> dbFactory) : IComponentJobObserver
{
    public async Task JobFinishedAsync(Guid jobId, ComponentJobKind kind, ComponentJobStatus status, CancellationToken ct)
    {
        Guid? evaluationId;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            evaluationId = kind == ComponentJobKind.Algorithm
                ? await db.EvaluationAlgorithmJobs.Where(l => l.JobId == jobId).Select(l => (Guid?)l.EvaluationId).FirstOrDefaultAsync(ct)
                // A cancelled or failed evaluation stops the cases still waiting.
                : status != ComponentJobStatus.Succeeded
                    ? await db.Evaluations.Where(e => e.JobId == jobId && db.EvaluationAlgorithmJobs.Any(l => l.EvaluationId == e.Id)).Select(e => (Guid?)e.Id).FirstOrDefaultAsync(ct)
                    : null;
        }

        if (evaluationId is { } id)
        {
            await services.GetRequiredService<AlgorithmEvaluationPipeline>().AdvanceAsync(id, cancelWhenEnded: status != ComponentJobStatus.Cancelled || kind == ComponentJobKind.Evaluation, ct);
        }
    }
}
