using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Web.Features.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Web.Features.Evaluation;

/// <summary>
/// Phases, evaluation methods, ground truth, submissions, evaluations and leaderboards. Objects the caller may not see
/// answer 404 (a hidden challenge or phase does not exist for them); visible objects they may not change answer 403.
/// </summary>
public static class EvaluationApiEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var tags = new[] { "Phases and evaluations" };
        api.MapGet("/challenges/{shortName}/phases/", ListPhasesAsync).WithTags(tags).WithSummary("The phases of a challenge the caller may see.");
        api.MapPost("/challenges/{shortName}/phases/", CreatePhaseAsync).RequireAuthorization().WithTags(tags).WithSummary("Create a phase (challenge admins).");
        api.MapGet("/phases/{id:guid}/", GetPhaseAsync).WithTags(tags).WithSummary("One phase.");
        api.MapMethods("/phases/{id:guid}/", ["PATCH"], UpdatePhaseAsync).RequireAuthorization().WithTags(tags)
            .WithSummary("Change a phase's settings (challenge admins); changes to scoring re-rank at once.");

        api.MapPost("/phases/{id:guid}/methods/", CreateMethodAsync).RequireAuthorization().WithTags(tags)
            .WithSummary("Upload an evaluation method: multipart file (docker save .tar/.tar.gz/.tar.xz) or upload_id, optional comment.");
        api.MapGet("/phases/{id:guid}/methods/", ListMethodsAsync).RequireAuthorization().WithTags(tags).WithSummary("A phase's evaluation methods (challenge admins).");
        api.MapGet("/methods/{id:guid}/", GetMethodAsync).RequireAuthorization().WithTags(tags).WithSummary("An evaluation method's import status.");

        api.MapPost("/phases/{id:guid}/ground-truths/", CreateGroundTruthAsync).RequireAuthorization().WithTags(tags)
            .WithSummary("Upload ground truth: multipart file (.tar.gz or .zip) or upload_id; it becomes the active version.");
        api.MapGet("/phases/{id:guid}/ground-truths/", ListGroundTruthsAsync).RequireAuthorization().WithTags(tags).WithSummary("A phase's ground truth versions (challenge admins).");
        api.MapMethods("/ground-truths/{id:guid}/", ["PATCH"], UpdateGroundTruthAsync).RequireAuthorization().WithTags(tags)
            .WithSummary("Activate or deactivate a ground truth version: {\"is_desired_version\": true|false}.");

        api.MapPost("/phases/{id:guid}/submissions/", SubmitAsync).RequireAuthorization().WithTags(tags)
            .WithSummary("Submit predictions: multipart predictions_file (.csv, .json, .zip) or upload_id; comment, supplementary_url, supplementary_file as the phase asks.");
        api.MapGet("/phases/{id:guid}/submissions/", ListSubmissionsAsync).RequireAuthorization().WithTags(tags).WithSummary("The caller's submissions to a phase (admins: all).");
        api.MapGet("/phases/{id:guid}/submission-allowance/", AllowanceAsync).RequireAuthorization().WithTags(tags)
            .WithSummary("Whether the caller may submit now, how many submissions remain and when the next is possible.");
        api.MapGet("/submissions/{id:guid}/", GetSubmissionAsync).RequireAuthorization().WithTags(tags).WithSummary("A submission (its creator or challenge admins).");
        api.MapPost("/phases/{id:guid}/reevaluate/", ReevaluateAsync).RequireAuthorization().WithTags(tags)
            .WithSummary("Evaluate again with the current method and ground truth: all submissions, or {\"submission\": id}.");

        api.MapGet("/evaluations/", ListEvaluationsAsync).WithTags(tags).WithSummary("Evaluations the caller may see, filtered by ?phase= and ?submission=.");
        api.MapGet("/evaluations/{id:guid}/", GetEvaluationAsync).WithTags(tags).WithSummary("One evaluation: status, metrics, rank, messages.");
        api.MapMethods("/evaluations/{id:guid}/", ["PATCH"], UpdateEvaluationAsync).RequireAuthorization().WithTags(tags)
            .WithSummary("Publish or hide a result: {\"published\": true|false} (challenge admins).");
        api.MapPost("/evaluations/{id:guid}/cancel/", CancelEvaluationAsync).RequireAuthorization().WithTags(tags).WithSummary("Cancel an evaluation (challenge admins).");

        api.MapGet("/phases/{id:guid}/leaderboard/", LeaderboardAsync).WithTags(tags)
            .WithSummary("The ranked results; ?date=YYYY-MM-DD for the board as of that day, ?search=, ?format=csv for a CSV file.");
        api.MapGet("/phases/{id:guid}/leaderboard/history/{userId:guid}/", HistoryAsync).WithTags(tags).WithSummary("Every published result of one participant.");
        api.MapGet("/phases/{id:guid}/leaderboard/charts/", ChartsAsync).WithTags(tags).WithSummary("Best score over time and the distribution of scores.");
    }

    private static Actor ActorOf(ClaimsPrincipal user) => Actor.From(user);

    private static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "You may not do this.", detail: detail);

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The request cannot be carried out now.", detail: detail);

    // ---- phases

    private static async Task<Results<Ok<Paginated<PhaseDto>>, NotFound>> ListPhasesAsync(
        string shortName, HttpRequest request, ClaimsPrincipal user, IPhaseService phases, CancellationToken ct)
    {
        var list = await phases.ListAsync(ActorOf(user), shortName, ct);
        return list is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(list.Select(p => PhaseDto.From(request, p, shortName.ToLowerInvariant())).ToList().Page(request));
    }

    private static async Task<Results<Created<PhaseDto>, NotFound, ProblemHttpResult>> CreatePhaseAsync(
        string shortName, JsonElement body, HttpRequest request, ClaimsPrincipal user, IPhaseService phases, Domain.Challenges.IChallengeAccess challenges,
        CancellationToken ct)
    {
        var actor = ActorOf(user);
        if (await challenges.FindAsync(actor, shortName, ct) is not { } challenge)
        {
            return TypedResults.NotFound();
        }

        if (!challenge.IsAdmin)
        {
            return Forbidden(PhaseService.NotAllowed);
        }

        var (settings, errors) = PhaseJson.Read(body);
        if (settings is null)
        {
            return ApiConventions.Invalid(errors, errors.First().Value[0]);
        }

        var result = await phases.CreateAsync(actor, shortName, settings, ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Invalid(result.FieldErrors, result.Error!);
        }

        var dto = PhaseDto.From(request, result.Value!, challenge.Challenge.ShortName);
        return TypedResults.Created(dto.ApiUrl, dto);
    }

    private static async Task<Results<Ok<PhaseDto>, NotFound>> GetPhaseAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IPhaseService phases, CancellationToken ct) =>
        await phases.FindAsync(ActorOf(user), id, ct) is { } context
            ? TypedResults.Ok(PhaseDto.From(request, context.Phase, context.Challenge.Challenge.ShortName))
            : TypedResults.NotFound();

    private static async Task<Results<Ok<PhaseDto>, NotFound, ProblemHttpResult>> UpdatePhaseAsync(
        Guid id, JsonElement body, HttpRequest request, ClaimsPrincipal user, IPhaseService phases, CancellationToken ct)
    {
        var actor = ActorOf(user);
        if (await phases.FindAsync(actor, id, ct) is not { } context)
        {
            return TypedResults.NotFound();
        }

        if (!context.IsAdmin)
        {
            return Forbidden(PhaseService.NotAllowed);
        }

        var (settings, errors) = PhaseJson.Read(body);
        if (settings is null)
        {
            return ApiConventions.Invalid(errors, errors.First().Value[0]);
        }

        var result = await phases.UpdateAsync(actor, id, settings, ct);
        return result.Succeeded
            ? TypedResults.Ok(PhaseDto.From(request, result.Value!, context.Challenge.Challenge.ShortName))
            : ApiConventions.Invalid(result.FieldErrors, result.Error!);
    }

    // ---- methods

    public sealed record MethodDto(Guid Pk, string ApiUrl, Guid Phase, string ImportStatus, bool? IsManifestValid, string Status, string ErrorMessage,
        string? ImageSha256, long SizeInStorage, bool IsDesiredVersion, string Comment, DateTimeOffset Created)
    {
        public static MethodDto From(HttpRequest request, ContainerImageInfo i) => new(
            i.Id, ApiUrls.Of(request, $"methods/{i.Id}/"), i.OwnerId ?? Guid.Empty, i.ImportStatus.Label(), i.IsManifestValid, i.ImportStatus.Label(),
            i.StatusMessage, i.ImageSha256, i.SizeBytes, i.IsDesiredVersion, i.Comment, i.Created);
    }

    private static async Task<Results<Created<MethodDto>, NotFound, ProblemHttpResult>> CreateMethodAsync(
        Guid id, HttpContext context, ClaimsPrincipal user, IPhaseService phases, IContainerImageService images,
        IOptions<ContainerImageOptions> options, DataDirectory data, CancellationToken ct)
    {
        var actor = ActorOf(user);
        if (await phases.FindAsync(actor, id, ct) is not { } phase)
        {
            return TypedResults.NotFound();
        }

        if (!phase.IsAdmin)
        {
            return Forbidden("Only the challenge's admins may upload evaluation methods.");
        }

        var (form, problem) = await StreamedForm.ReadAsync(context, ["file"], options.Value.MaxArchiveBytes, data, ct);
        if (problem is not null)
        {
            return problem;
        }

        await using (form)
        {
            Result<ContainerImageInfo> result;
            if (form!.Files.GetValueOrDefault("file") is { } file)
            {
                await using var stream = file.OpenRead();
                result = await images.CreateAsync(ContainerImageKind.Evaluation, id, actor, stream, file.Filename, form.Field("comment"), ct);
            }
            else if (form.Field("upload_id") is { } uploadText)
            {
                result = await images.CreateFromUploadAsync(ContainerImageKind.Evaluation, id, actor, StreamedForm.UploadIdOf(uploadText), form.Field("comment"), ct);
            }
            else
            {
                const string message = "Attach the docker save archive as the field file, or name a finished upload in upload_id.";
                return ApiConventions.Invalid(new Dictionary<string, string[]> { ["file"] = [message] }, message);
            }

            if (!result.Succeeded)
            {
                return ApiConventions.Invalid(result.FieldErrors, result.Error!);
            }

            var dto = MethodDto.From(context.Request, result.Value!);
            return TypedResults.Created(dto.ApiUrl, dto);
        }
    }

    private static async Task<Results<Ok<Paginated<MethodDto>>, NotFound, ProblemHttpResult>> ListMethodsAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IPhaseService phases, IContainerImageService images, CancellationToken ct)
    {
        if (await phases.FindAsync(ActorOf(user), id, ct) is not { } phase)
        {
            return TypedResults.NotFound();
        }

        if (!phase.IsAdmin)
        {
            return Forbidden("Only the challenge's admins may see evaluation methods.");
        }

        var methods = await images.ListOwnedAsync(ContainerImageKind.Evaluation, id, ct);
        return TypedResults.Ok(methods.Select(m => MethodDto.From(request, m)).ToList().Page(request));
    }

    private static async Task<Results<Ok<MethodDto>, NotFound>> GetMethodAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IContainerImageService images, CancellationToken ct)
    {
        var image = await images.GetAsync(id, ct);
        if (image is not { Kind: ContainerImageKind.Evaluation } || !await images.CanManageAsync(ActorOf(user), image.Kind, image.OwnerId, ct))
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(MethodDto.From(request, image));
    }

    // ---- ground truth

    public sealed record GroundTruthDto(Guid Pk, Guid Phase, string Filename, string Sha256, long SizeInStorage, int FileCount, bool IsDesiredVersion,
        string Comment, DateTimeOffset Created)
    {
        public static GroundTruthDto From(GroundTruth g) => new(g.Id, g.PhaseId, g.Filename, g.Sha256, g.SizeBytes, g.FileCount, g.IsDesiredVersion, g.Comment, g.Created);
    }

    private static async Task<Results<Created<GroundTruthDto>, NotFound, ProblemHttpResult>> CreateGroundTruthAsync(
        Guid id, HttpContext context, ClaimsPrincipal user, IPhaseService phases, IGroundTruthService truths, IUploadService uploads,
        IOptions<EvaluationOptions> options, DataDirectory data, CancellationToken ct)
    {
        var actor = ActorOf(user);
        if (await phases.FindAsync(actor, id, ct) is not { } phase)
        {
            return TypedResults.NotFound();
        }

        if (!phase.IsAdmin)
        {
            return Forbidden("Only the challenge's admins may upload ground truth.");
        }

        var (form, problem) = await StreamedForm.ReadAsync(context, ["file"], options.Value.MaxGroundTruthBytes, data, ct);
        if (problem is not null)
        {
            return problem;
        }

        await using (form)
        {
            Result<GroundTruth> result;
            if (form!.Files.GetValueOrDefault("file") is { } file)
            {
                await using var stream = file.OpenRead();
                result = await truths.UploadAsync(actor, id, stream, file.Filename, form.Field("comment"), ct);
            }
            else if (form.Field("upload_id") is { } uploadText)
            {
                var (consumed, error) = await StreamedForm.ConsumeUploadAsync(uploads, actor, uploadText,
                    (content, filename) => truths.UploadAsync(actor, id, content, filename, form.Field("comment"), ct), ct);
                if (consumed is not { } fromUpload)
                {
                    return ApiConventions.Invalid(new Dictionary<string, string[]> { ["upload_id"] = [error!] }, error!);
                }

                result = fromUpload;
            }
            else
            {
                const string message = "Attach the ground truth archive (.tar.gz or .zip) as the field file, or name a finished upload in upload_id.";
                return ApiConventions.Invalid(new Dictionary<string, string[]> { ["file"] = [message] }, message);
            }

            if (!result.Succeeded)
            {
                return ApiConventions.Invalid(result.FieldErrors, result.Error!);
            }

            return TypedResults.Created(ApiUrls.Of(context.Request, $"ground-truths/{result.Value!.Id}/"), GroundTruthDto.From(result.Value));
        }
    }

    private static async Task<Results<Ok<Paginated<GroundTruthDto>>, NotFound, ProblemHttpResult>> ListGroundTruthsAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IPhaseService phases, IGroundTruthService truths, CancellationToken ct)
    {
        var actor = ActorOf(user);
        if (await phases.FindAsync(actor, id, ct) is not { } phase)
        {
            return TypedResults.NotFound();
        }

        if (!phase.IsAdmin)
        {
            return Forbidden("Only the challenge's admins may see the ground truth.");
        }

        var list = await truths.ListAsync(actor, id, ct) ?? [];
        return TypedResults.Ok(list.Select(GroundTruthDto.From).ToList().Page(request));
    }

    private static async Task<Results<Ok<GroundTruthDto>, NotFound, ProblemHttpResult>> UpdateGroundTruthAsync(
        Guid id, JsonElement body, ClaimsPrincipal user, IGroundTruthService truths, CancellationToken ct)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("is_desired_version", out var flag) || flag.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            const string message = "Send {\"is_desired_version\": true} or false.";
            return ApiConventions.Invalid(new Dictionary<string, string[]> { ["is_desired_version"] = [message] }, message);
        }

        var result = await truths.SetActiveAsync(ActorOf(user), id, flag.GetBoolean(), ct);
        return result.Succeeded ? TypedResults.Ok(GroundTruthDto.From(result.Value!)) : TypedResults.NotFound();
    }

    // ---- submissions

    public sealed record SubmissionDto(Guid Pk, string ApiUrl, Guid Phase, Guid? Creator, Guid? Team, string PredictionsFile, long PredictionsFileSize,
        string Comment, string? SupplementaryUrl, string? SupplementaryFile, DateTimeOffset Created,
        Guid? AlgorithmImage, Guid? AlgorithmModel, int? AlgorithmRequiresMemoryGb, bool AlgorithmRequiresGpu)
    {
        public static SubmissionDto From(HttpRequest request, Submission s) => new(
            s.Id, ApiUrls.Of(request, $"submissions/{s.Id}/"), s.PhaseId, s.CreatorId, s.TeamId, s.PredictionsFilename, s.PredictionsSizeBytes,
            s.Comment, s.SupplementaryUrl, s.SupplementaryFilename, s.Created, s.AlgorithmImageId, s.AlgorithmModelId, s.AlgorithmRequiresMemoryGb,
            s.AlgorithmRequiresGpu);
    }

    public sealed record AllowanceDto(bool CanSubmit, bool IsOpen, int? RemainingSubmissions, DateTimeOffset? NextSubmissionAt, string? Reason);

    private static async Task<Results<Created<SubmissionDto>, NotFound, ProblemHttpResult>> SubmitAsync(
        Guid id, HttpContext context, ClaimsPrincipal user, IPhaseService phases, ISubmissionService submissions, IUploadService uploads,
        IOptions<EvaluationOptions> options, DataDirectory data, CancellationToken ct)
    {
        var actor = ActorOf(user);
        if (await phases.FindAsync(actor, id, ct) is not { } phase)
        {
            return TypedResults.NotFound();
        }

        if (!phase.Challenge.IsMember)
        {
            return Forbidden("Only participants of this challenge may submit. Register first.");
        }

        if (phase.Phase.SubmissionKind == SubmissionKind.Algorithm)
        {
            return await Algorithms.AlgorithmPhaseApiEndpoints.SubmitAsync(id, context, actor, submissions, options.Value, data, ct);
        }

        var (form, problem) = await StreamedForm.ReadAsync(context, ["predictions_file", "supplementary_file"],
            options.Value.MaxPredictionsBytes + options.Value.MaxSupplementaryFileBytes, data, ct);
        if (problem is not null)
        {
            return problem;
        }

        await using (form)
        {
            var supplementary = form!.Files.GetValueOrDefault("supplementary_file");
            await using var supplementaryStream = supplementary?.OpenRead();
            Result<Submission> result;
            if (form.Files.GetValueOrDefault("predictions_file") is { } file)
            {
                await using var stream = file.OpenRead();
                result = await submissions.SubmitAsync(actor, id, Request(form, stream, file.Filename, supplementary, supplementaryStream), ct);
            }
            else if (form.Field("upload_id") is { } uploadText)
            {
                var (consumed, error) = await StreamedForm.ConsumeUploadAsync(uploads, actor, uploadText,
                    (content, filename) => submissions.SubmitAsync(actor, id, Request(form, content, filename, supplementary, supplementaryStream), ct), ct);
                if (consumed is not { } fromUpload)
                {
                    return ApiConventions.Invalid(new Dictionary<string, string[]> { ["upload_id"] = [error!] }, error!);
                }

                result = fromUpload;
            }
            else
            {
                const string message = "Attach the predictions (.csv, .json or .zip) as the field predictions_file, or name a finished upload in upload_id.";
                return ApiConventions.Invalid(new Dictionary<string, string[]> { ["predictions_file"] = [message] }, message);
            }

            if (!result.Succeeded)
            {
                return ApiConventions.Invalid(result.FieldErrors, result.Error!);
            }

            var dto = SubmissionDto.From(context.Request, result.Value!);
            return TypedResults.Created(dto.ApiUrl, dto);
        }
    }

    private static SubmissionRequest Request(StreamedForm form, Stream predictions, string filename, SpooledFile? supplementary, Stream? supplementaryStream) =>
        new(predictions, filename)
        {
            Comment = form.Field("comment"),
            SupplementaryUrl = form.Field("supplementary_url"),
            SupplementaryFile = supplementaryStream,
            SupplementaryFilename = supplementary?.Filename,
        };

    private static async Task<Results<Ok<Paginated<SubmissionDto>>, NotFound>> ListSubmissionsAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IPhaseService phases, ISubmissionService submissions, CancellationToken ct)
    {
        var actor = ActorOf(user);
        if (await phases.FindAsync(actor, id, ct) is not { } phase)
        {
            return TypedResults.NotFound();
        }

        var list = phase.IsAdmin ? await submissions.ListAllAsync(actor, id, ct) : await submissions.ListMineAsync(actor, id, ct);
        return TypedResults.Ok(list.Select(s => SubmissionDto.From(request, s)).ToList().Page(request));
    }

    private static async Task<Results<Ok<AllowanceDto>, NotFound>> AllowanceAsync(Guid id, ClaimsPrincipal user, ISubmissionService submissions, CancellationToken ct) =>
        await submissions.AllowanceAsync(ActorOf(user), id, ct) is { } a
            ? TypedResults.Ok(new AllowanceDto(a.CanSubmit, a.IsOpen, a.Remaining, a.NextSubmissionAt, a.Reason))
            : TypedResults.NotFound();

    private static async Task<Results<Ok<SubmissionDto>, NotFound>> GetSubmissionAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, ISubmissionService submissions, CancellationToken ct) =>
        await submissions.FindAsync(ActorOf(user), id, ct) is { } s ? TypedResults.Ok(SubmissionDto.From(request, s)) : TypedResults.NotFound();

    private sealed record ReevaluateResult(int EvaluationsCreated);

    private static async Task<Results<Accepted<ReevaluateResult>, NotFound, ProblemHttpResult>> ReevaluateAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IPhaseService phases, IEvaluationService evaluations, CancellationToken ct)
    {
        var actor = ActorOf(user);
        if (await phases.FindAsync(actor, id, ct) is not { } phase)
        {
            return TypedResults.NotFound();
        }

        if (!phase.IsAdmin)
        {
            return Forbidden("Only the challenge's admins may re-evaluate submissions.");
        }

        Guid? submission = null;
        if (request.ContentLength > 0)
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, cancellationToken: ct);
            if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("submission", out var s) && s.ValueKind != JsonValueKind.Null)
            {
                if (s.ValueKind != JsonValueKind.String || !Guid.TryParse(s.GetString(), out var sid))
                {
                    return ApiConventions.Invalid(new Dictionary<string, string[]> { ["submission"] = ["Give the submission's id."] }, "Give the submission's id.");
                }

                submission = sid;
            }
        }

        var result = await evaluations.ReevaluateAsync(actor, id, submission, ct);
        return result.Succeeded
            ? TypedResults.Accepted((string?)null, new ReevaluateResult(result.Value))
            : Conflict(result.Error!);
    }

    // ---- evaluations

    public sealed record EvaluationDto(
        Guid Pk, string ApiUrl, Guid Submission, Guid Phase, Guid? User, string? Username, string Status, JsonNode? Metrics, int Rank, double RankScore,
        string? ErrorMessage, bool Published, Guid Method, Guid? GroundTruth, DateTimeOffset Created, DateTimeOffset? Completed, string? Stdout, string? Stderr)
    {
        public static EvaluationDto From(HttpRequest request, EvaluationView e) => new(
            e.Id, ApiUrls.Of(request, $"evaluations/{e.Id}/"), e.SubmissionId, e.PhaseId, e.CreatorId, e.CreatorName, ComponentJob.Label(e.Status),
            e.MetricsJson is { } m ? ParseOrNull(m) : null, e.Rank, e.RankScore, e.ErrorMessage, e.Published, e.MethodId, e.GroundTruthId, e.Created,
            e.CompletedAt, e.Stdout, e.Stderr);

        private static JsonNode? ParseOrNull(string json)
        {
            try
            {
                return JsonNode.Parse(json);
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    private static async Task<Ok<Paginated<EvaluationDto>>> ListEvaluationsAsync(
        HttpRequest request, ClaimsPrincipal user, IEvaluationService evaluations, CancellationToken ct)
    {
        Guid? phase = Guid.TryParse(request.Query["phase"], out var p) ? p : null;
        Guid? submission = Guid.TryParse(request.Query["submission"], out var s) ? s : null;
        return TypedResults.Ok(await Pagination.PageAsync(request, async (offset, limit) =>
        {
            var (count, items) = await evaluations.ListAsync(ActorOf(user), phase, submission, offset, limit, ct);
            return (count, (IReadOnlyList<EvaluationDto>)items.Select(e => EvaluationDto.From(request, e)).ToList());
        }));
    }

    private static async Task<Results<Ok<EvaluationDto>, NotFound>> GetEvaluationAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IEvaluationService evaluations, CancellationToken ct)
    {
        var view = await evaluations.FindAsync(ActorOf(user), id, ct);
        return view is not null ? TypedResults.Ok(EvaluationDto.From(request, view)) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<EvaluationDto>, NotFound, ProblemHttpResult>> UpdateEvaluationAsync(
        Guid id, JsonElement body, HttpRequest request, ClaimsPrincipal user, IEvaluationService evaluations, CancellationToken ct)
    {
        var actor = ActorOf(user);
        if (await evaluations.FindAsync(actor, id, ct) is not { } view)
        {
            return TypedResults.NotFound();
        }

        if (!view.IsAdminView)
        {
            return Forbidden("Only the challenge's admins may publish or hide results.");
        }

        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("published", out var flag) || flag.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            const string message = "Send {\"published\": true} or false.";
            return ApiConventions.Invalid(new Dictionary<string, string[]> { ["published"] = [message] }, message);
        }

        var result = await evaluations.SetPublishedAsync(actor, id, flag.GetBoolean(), ct);
        return result.Succeeded ? TypedResults.Ok(EvaluationDto.From(request, result.Value!)) : Forbidden(result.Error!);
    }

    private static async Task<Results<Accepted<EvaluationDto>, NotFound, ProblemHttpResult>> CancelEvaluationAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IEvaluationService evaluations, CancellationToken ct)
    {
        var actor = ActorOf(user);
        if (await evaluations.FindAsync(actor, id, ct) is not { } view)
        {
            return TypedResults.NotFound();
        }

        if (!view.IsAdminView)
        {
            return Forbidden("Only the challenge's admins may cancel evaluations.");
        }

        var result = await evaluations.CancelAsync(actor, id, ct);
        return result.Succeeded
            ? TypedResults.Accepted(ApiUrls.Of(request, $"evaluations/{id}/"), EvaluationDto.From(request, result.Value!))
            : Conflict(result.Error!);
    }

    // ---- leaderboards

    public sealed record LeaderboardEntryDto(
        int Rank, double RankScore, Guid? User, string? Username, string? Team, Guid SubmissionId, Guid EvaluationId, double? Score, double? ScoreError,
        JsonNode? Metrics, string Comment, DateTimeOffset Created)
    {
        public static LeaderboardEntryDto From(LeaderboardRow r) => new(
            r.Rank, r.RankScore, r.UserId, r.UserName, r.TeamName, r.SubmissionId, r.EvaluationId, r.Values[0], r.Errors[0],
            r.MetricsJson is { } m ? JsonNode.Parse(m) : null, r.Comment, r.Created);
    }

    public sealed record LeaderboardColumnDto(string Path, string Title, string Order, bool Ranked, string? ErrorPath);

    public sealed record LeaderboardDto(Guid Phase, string ScoringMethod, IReadOnlyList<LeaderboardColumnDto> Columns, int Count, IReadOnlyList<LeaderboardEntryDto> Results);

    private static async Task<IResult> LeaderboardAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, ILeaderboardService leaderboards, CancellationToken ct)
    {
        DateOnly? asOf = null;
        if (request.Query["date"] is { Count: > 0 } dateText)
        {
            if (!DateOnly.TryParseExact(dateText.ToString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return ApiConventions.Invalid(new Dictionary<string, string[]> { ["date"] = ["Give the date as YYYY-MM-DD."] }, "Give the date as YYYY-MM-DD.");
            }

            asOf = date;
        }

        var board = await leaderboards.GetAsync(ActorOf(user), id, new LeaderboardQuery(asOf, request.Query["search"]), ct);
        if (board is null)
        {
            return TypedResults.NotFound();
        }

        if (string.Equals(request.Query["format"], "csv", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.File(Encoding.UTF8.GetBytes(LeaderboardExport.ToCsv(board)), "text/csv; charset=utf-8",
                $"{board.ChallengeShortName}-{board.Phase.Slug}-leaderboard.csv");
        }

        var entries = board.Rows.Select(LeaderboardEntryDto.From).ToList();
        return TypedResults.Ok(new LeaderboardDto(
            board.Phase.Id, PhaseJson.Method(board.Phase.ScoringMethod),
            [.. board.Columns.Select(c => new LeaderboardColumnDto(c.Path, c.Title, PhaseJson.Order(c.Order), c.Ranked, c.ErrorPath))],
            entries.Count, entries));
    }

    private static async Task<Results<Ok<IReadOnlyList<LeaderboardEntryDto>>, NotFound>> HistoryAsync(
        Guid id, Guid userId, ClaimsPrincipal user, ILeaderboardService leaderboards, CancellationToken ct)
    {
        var rows = await leaderboards.HistoryAsync(ActorOf(user), id, userId, ct);
        return rows is null
            ? TypedResults.NotFound()
            : TypedResults.Ok((IReadOnlyList<LeaderboardEntryDto>)rows.Select(LeaderboardEntryDto.From).ToList());
    }

    private static async Task<Results<Ok<LeaderboardCharts>, NotFound>> ChartsAsync(Guid id, ClaimsPrincipal user, ILeaderboardService leaderboards, CancellationToken ct) =>
        await leaderboards.ChartsAsync(ActorOf(user), id, ct) is { } charts ? TypedResults.Ok(charts) : TypedResults.NotFound();
}
