using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Algorithms;

/// <summary>What an algorithm submission hands in: the algorithm, the image and the active model (if any) that go with it.</summary>
public sealed record AlgorithmSubmissionChoice(Algorithm Algorithm, ContainerImage Image, AlgorithmModel? Model);

/// <summary>
/// The rules an algorithm image must pass to be submitted to a phase (reference §8, <c>evaluation/forms.py</c>): only
/// the algorithm's editors submit it; it is ready to run; the algorithm implements every interface of the phase and asks
/// for no more memory than the phase allows; the phase has test cases; the same image and model were never submitted to
/// the phase before; no evaluation of the same image is in progress anywhere.
/// </summary>
public static class AlgorithmSubmissionRules
{
    public const string Field = "algorithm_image";
    public const string BusyMessage = "An evaluation of this image is already in progress in another phase. Submit it again once that has finished: cases it ran on are not run twice.";

    public static async Task<Result<AlgorithmSubmissionChoice>> CheckAsync(
        AppDbContext db, IPermissionService permissions, Actor actor, Phase phase, Guid imageId, CancellationToken ct = default)
    {
        var image = await db.ContainerImages.AsNoTracking().FirstOrDefaultAsync(i => i.Id == imageId && i.Kind == ContainerImageKind.Algorithm, ct);
        var algorithm = image?.OwnerId is { } ownerId ? await db.Algorithms.AsNoTracking().FirstOrDefaultAsync(a => a.Id == ownerId, ct) : null;
        if (image is null || algorithm is null)
        {
            return Result<AlgorithmSubmissionChoice>.Invalid(Field, "No such algorithm image.");
        }

        if (!actor.IsSiteAdmin && !(await permissions.RolesAsync(actor, ObjectKinds.Algorithm, algorithm.Id, ct)).Contains(ObjectRoles.Editor))
        {
            return Result<AlgorithmSubmissionChoice>.Invalid(Field, "Only the algorithm's editors may submit its images.");
        }

        if (image.ImportStatus != ContainerImageImportStatus.Completed || image.IsManifestValid != true || !image.IsLoaded || image.IsRemoved
            || image.ImageSha256 is null)
        {
            return Result<AlgorithmSubmissionChoice>.Invalid(Field, "This image is not ready to run: wait until its import has completed, or upload a valid one.");
        }

        var missing = phase.AlgorithmInterfaceIds.Where(i => !algorithm.InterfaceIds.Contains(i)).ToList();
        if (phase.AlgorithmInterfaceIds.Count == 0 || missing.Count > 0)
        {
            return Result<AlgorithmSubmissionChoice>.Invalid(Field,
                "The algorithm does not implement all the interfaces of this phase. Create an algorithm for this phase: it gets them.");
        }

        if (algorithm.MemoryGb > phase.AlgorithmMaxMemoryGb)
        {
            return Result<AlgorithmSubmissionChoice>.Invalid(Field,
                $"The algorithm asks for {algorithm.MemoryGb} GB of memory; this phase allows at most {phase.AlgorithmMaxMemoryGb} GB.");
        }

        if ((await AlgorithmEvaluationPipeline.CasesAsync(db, phase, ct)).Count == 0)
        {
            return Result<AlgorithmSubmissionChoice>.Fail("This phase has no test cases yet. The challenge's admins have been told.");
        }

        var model = await AlgorithmQueries.ActiveModelAsync(db, algorithm.Id, ct);
        var modelSha = model?.Sha256;
        var duplicate = await db.Submissions.AsNoTracking()
            .Where(s => s.PhaseId == phase.Id && s.AlgorithmImageId != null)
            .Where(s => db.ContainerImages.Any(i => i.Id == s.AlgorithmImageId && i.ImageSha256 == image.ImageSha256))
            .Where(s => modelSha == null
                ? s.AlgorithmModelId == null
                : db.AlgorithmModels.Any(m => m.Id == s.AlgorithmModelId && m.Sha256 == modelSha))
            .AnyAsync(ct);
        if (duplicate)
        {
            return Result<AlgorithmSubmissionChoice>.Invalid(Field,
                "This image and model have already been submitted to this phase. Upload a new image or model to submit again.");
        }

        // One evaluation of an image at a time: the next one then reuses its successful cases instead of running them twice.
        var ended = new[] { ComponentJobStatus.Succeeded, ComponentJobStatus.Failed, ComponentJobStatus.Cancelled };
        var busy = await db.Evaluations.AsNoTracking()
            .Where(e => db.Submissions.Any(s => s.Id == e.SubmissionId && s.AlgorithmImageId == image.Id))
            .AnyAsync(e => db.ComponentJobs.Any(j => j.Id == e.JobId && !ended.Contains(j.Status)), ct);
        if (busy)
        {
            return Result<AlgorithmSubmissionChoice>.Invalid(Field, BusyMessage);
        }

        return Result<AlgorithmSubmissionChoice>.Ok(new AlgorithmSubmissionChoice(algorithm, image, model));
    }
}
