using System.Security.Claims;
using System.Text.Json;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Features.Api;
using GrandChallenge.Web.Features.Evaluation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrandChallenge.Web.Features.Algorithms;

/// <summary>
/// Algorithm submissions to challenge phases: algorithms created for a phase, the algorithm jobs of an evaluation with
/// its progress, and (called from <see cref="EvaluationApiEndpoints"/>) <c>POST /phases/{id}/submissions/</c> with
/// <c>algorithm_image</c>.
/// </summary>
public static class AlgorithmPhaseApiEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var tags = new[] { "Algorithm phases" };
        api.MapPost("/phases/{id:guid}/algorithms/", CreateAsync).RequireAuthorization().WithTags(tags)
            .WithSummary("Create an algorithm for an algorithm phase (participants; at most 3 per phase): {\"title\", \"description\", \"job_requires_memory_gb\"}.");
        api.MapGet("/phases/{id:guid}/algorithms/", ListAsync).RequireAuthorization().WithTags(tags)
            .WithSummary("The caller's algorithms that may be submitted to the phase, with their executable images.");
        api.MapGet("/evaluations/{id:guid}/algorithm-jobs/", JobsAsync).WithTags(tags)
            .WithSummary("Progress of an algorithm submission's inference and, for those who may see them, its algorithm jobs.");
    }

    public sealed record PhaseAlgorithmDto(
        Guid Pk, string Slug, string Title, string Description, Guid? Phase, IReadOnlyList<int> Interfaces, int TimeLimit,
        int JobRequiresMemoryGb, bool JobRequiresGpu, IReadOnlyList<PhaseAlgorithmImageDto> Images, bool ImplementsPhase, DateTimeOffset Created)
    {
        public static PhaseAlgorithmDto From(Algorithm a, IReadOnlyList<PhaseAlgorithmImageDto>? images = null, bool implements = true) => new(
            a.Id, a.Slug, a.Title, a.Description, a.PhaseId, a.InterfaceIds, a.TimeLimitSeconds, a.MemoryGb, a.RequiresGpu, images ?? [], implements, a.Created);
    }

    public sealed record PhaseAlgorithmImageDto(Guid Pk, string? ImageSha256, bool IsDesiredVersion, string Comment, DateTimeOffset Created);

    public sealed record ProgressDto(int Done, int Total, int Failed);

    public sealed record CaseJobDto(
        Guid Pk, string? Case, Guid? ArchiveItem, string Status, string? ErrorMessage, string? ExecDuration, IReadOnlyList<long> Outputs,
        string? Stdout, string? Stderr);

    public sealed record EvaluationJobsDto(ProgressDto Progress, int Count, IReadOnlyList<CaseJobDto> Results);

    private static async Task<Results<Created<PhaseAlgorithmDto>, NotFound, ProblemHttpResult>> CreateAsync(
        Guid id, JsonElement body, ClaimsPrincipal user, IAlgorithmSubmissionService service, CancellationToken ct)
    {
        PhaseAlgorithmRequest request;
        try
        {
            if (body.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException();
            }

            request = new PhaseAlgorithmRequest(body.TryGetProperty("title", out var t) ? t.GetString() ?? "" : "")
            {
                Description = body.TryGetProperty("description", out var d) ? d.GetString() : null,
                MemoryGb = body.TryGetProperty("job_requires_memory_gb", out var m) && m.ValueKind != JsonValueKind.Null ? m.GetInt32() : null,
                RequiresGpu = body.TryGetProperty("job_requires_gpu", out var g) && g.ValueKind == JsonValueKind.True,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            const string message = "Send {\"title\": text, \"description\": text, \"job_requires_memory_gb\": number}.";
            return ApiConventions.Invalid(null, message);
        }

        var result = await service.CreateForPhaseAsync(Actor.From(user), id, request, ct);
        return result switch
        {
            { Succeeded: true } => TypedResults.Created($"{ApiConventions.Prefix}/algorithms/{result.Value!.Slug}/", PhaseAlgorithmDto.From(result.Value)),
            { Kind: FailureKind.NotFound } => TypedResults.NotFound(),
            { Kind: FailureKind.Forbidden } => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "You may not do this.", detail: result.Error),
            _ => ApiConventions.Invalid(result.FieldErrors, result.Error!),
        };
    }

    private static async Task<Results<Ok<Paginated<PhaseAlgorithmDto>>, NotFound>> ListAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IPhaseService phases, IAlgorithmSubmissionService service, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await phases.FindAsync(actor, id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        var choices = await service.ChoicesAsync(actor, id, ct);
        return TypedResults.Ok(choices.Select(c => PhaseAlgorithmDto.From(c.Algorithm,
                [.. c.ExecutableImages.Select(i => new PhaseAlgorithmImageDto(i.Id, i.ImageSha256, i.IsDesiredVersion, i.Comment, i.Created))], c.ImplementsPhase))
            .ToList().Page(request));
    }

    private static async Task<Results<Ok<EvaluationJobsDto>, NotFound>> JobsAsync(
        Guid id, ClaimsPrincipal user, IAlgorithmSubmissionService service, CancellationToken ct)
    {
        if (await service.JobsAsync(Actor.From(user), id, ct) is not { } jobs)
        {
            return TypedResults.NotFound();
        }

        var p = jobs.Progress;
        return TypedResults.Ok(new EvaluationJobsDto(new ProgressDto(p.Done, p.Total, p.Failed), jobs.Jobs.Count, [.. jobs.Jobs.Select(j => new CaseJobDto(
            j.JobId, j.CaseTitle, j.ArchiveItemId, ComponentJob.Label(j.Status), j.ErrorMessage, j.ExecDuration, j.OutputValueIds, j.Stdout, j.Stderr))]));
    }

    /// <summary>
    /// <c>POST /phases/{id}/submissions/</c> in an algorithm phase: JSON or multipart with <c>algorithm_image</c> (its pk or
    /// API URL), <c>comment</c>, <c>supplementary_url</c> and (multipart) <c>supplementary_file</c>.
    /// </summary>
    public static async Task<Results<Created<EvaluationApiEndpoints.SubmissionDto>, NotFound, ProblemHttpResult>> SubmitAsync(
        Guid phaseId, HttpContext context, Actor actor, ISubmissionService submissions, EvaluationOptions options, DataDirectory data, CancellationToken ct)
    {
        const string Missing = "Name the algorithm image to submit in algorithm_image (its pk or API URL).";
        Result<Submission> result;
        if (context.Request.HasJsonContentType())
        {
            JsonElement body;
            try
            {
                body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body, cancellationToken: ct);
            }
            catch (JsonException)
            {
                return ApiConventions.Invalid(null, "The body is not valid JSON.");
            }

            string? Text(string name) => body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (ImageIdOf(Text("algorithm_image")) is not { } imageId)
            {
                return ApiConventions.Invalid(new Dictionary<string, string[]> { ["algorithm_image"] = [Missing] }, Missing);
            }

            result = await submissions.SubmitAlgorithmAsync(actor, phaseId,
                new AlgorithmSubmissionRequest(imageId) { Comment = Text("comment"), SupplementaryUrl = Text("supplementary_url") }, ct);
        }
        else
        {
            var (form, problem) = await StreamedForm.ReadAsync(context, ["supplementary_file"], options.MaxSupplementaryFileBytes, data, ct);
            if (problem is not null)
            {
                return problem;
            }

            await using (form)
            {
                if (ImageIdOf(form!.Field("algorithm_image")) is not { } imageId)
                {
                    return ApiConventions.Invalid(new Dictionary<string, string[]> { ["algorithm_image"] = [Missing] }, Missing);
                }

                var supplementary = form.Files.GetValueOrDefault("supplementary_file");
                await using var supplementaryStream = supplementary?.OpenRead();
                result = await submissions.SubmitAlgorithmAsync(actor, phaseId, new AlgorithmSubmissionRequest(imageId)
                {
                    Comment = form.Field("comment"),
                    SupplementaryUrl = form.Field("supplementary_url"),
                    SupplementaryFile = supplementaryStream,
                    SupplementaryFilename = supplementary?.Filename,
                }, ct);
            }
        }

        if (!result.Succeeded)
        {
            return ApiConventions.Invalid(result.FieldErrors, result.Error!);
        }

        var dto = EvaluationApiEndpoints.SubmissionDto.From(context.Request, result.Value!);
        return TypedResults.Created(dto.ApiUrl, dto);
    }

    /// <summary>A pk, or an API URL ending in one (<c>…/algorithms/images/{pk}/</c>).</summary>
    public static Guid? ImageIdOf(string? value) =>
        (value ?? "").Trim().TrimEnd('/').Split('/').LastOrDefault() is { } last && Guid.TryParse(last, out var id) ? id : null;
}
