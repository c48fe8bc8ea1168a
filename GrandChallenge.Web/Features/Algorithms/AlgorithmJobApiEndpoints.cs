using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Features.Api;
using GrandChallenge.Web.Features.Cases;
using GrandChallenge.Web.Features.Components;
using Microsoft.AspNetCore.Http.HttpResults;
using static GrandChallenge.Web.Features.Api.ApiRequests;

namespace GrandChallenge.Web.Features.Algorithms;

/// <summary>
/// <c>/api/v1/algorithms/jobs/</c>: jobs on users' own inputs with grand-challenge.org's field names. A job is created with
/// <c>{"algorithm": slug, id or API URL, "inputs": [{"interface": slug, "value" | "image" | "upload_session" | "file"}]}</c>;
/// identical inputs on the same image and model answer 200 with the earlier successful job instead of 201.
/// </summary>
public static class AlgorithmJobApiEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var jobs = api.MapGroup("/algorithms/jobs").WithTags("Algorithm jobs");
        jobs.MapGet("/", ListAsync).AllowAnonymous()
            .WithSummary("Jobs the caller may see, newest first; filter with ?algorithm= (slug, id or API URL), ?status= and ?creator=me.");
        jobs.MapPost("/", CreateAsync).RequireAuthorization()
            .WithSummary("Run an algorithm on inputs: {\"algorithm\", \"inputs\": [{\"interface\": slug, \"value\" | \"image\" | \"upload_session\" | \"file\"}]}.");
        jobs.MapGet("/{id:guid}/", GetAsync).AllowAnonymous().WithSummary("One job: status, messages, inputs and outputs; logs for the algorithm's editors.");
        jobs.MapPatch("/{id:guid}/", UpdateAsync).RequireAuthorization().WithSummary("Make a successful job public, or private again: {\"public\": bool}.");
        jobs.MapPost("/{id:guid}/cancel/", CancelAsync).RequireAuthorization().WithSummary("Cancel a job that has not ended (its creator or the algorithm's editors).");
        jobs.MapPost("/{id:guid}/rerun/", RerunAsync).RequireAuthorization().WithSummary("Run the job's inputs again with the algorithm's current image and model.");
        jobs.MapPost("/{id:guid}/viewers/", AddViewerAsync).RequireAuthorization().WithSummary("Share the job with a user: {\"username\"}.");
        jobs.MapDelete("/{id:guid}/viewers/{username}/", RemoveViewerAsync).RequireAuthorization().WithSummary("Stop sharing the job with a user.");
        jobs.MapGet("/{id:guid}/files/{valueId:long}/", FileAsync).AllowAnonymous().WithSummary("Download a file input or output of a job.");
    }

    /// <summary>grand-challenge.org's <c>HyperlinkedComponentInterfaceValue</c> of a job.</summary>
    public sealed record JobValueDto(long Pk, SocketApiEndpoints.SocketDto Interface, JsonNode? Value, string? File, string? Image, string? ImageName);

    /// <summary>grand-challenge.org's <c>HyperlinkedJob</c>, plus the algorithm's slug and title, viewers and (for editors) logs.</summary>
    public sealed record JobDto(
        Guid Pk,
        string ApiUrl,
        string Url,
        string Algorithm,
        string AlgorithmSlug,
        string AlgorithmTitle,
        string AlgorithmImage,
        Guid? AlgorithmModel,
        IReadOnlyList<JobValueDto> Inputs,
        IReadOnlyList<JobValueDto> Outputs,
        string Status,
        string? ErrorMessage,
        IReadOnlyDictionary<string, string> DetailedErrorMessage,
        string? Creator,
        bool Public,
        string Comment,
        IReadOnlyList<string> Viewers,
        DateTimeOffset Created,
        DateTimeOffset? StartedAt,
        DateTimeOffset? CompletedAt,
        string? ExecDuration,
        string? Stdout,
        string? Stderr);

    private static async Task<Results<Ok<Paginated<JobDto>>, ProblemHttpResult>> ListAsync(
        HttpRequest request, ClaimsPrincipal user, IAlgorithmJobService jobs, IAlgorithmAccess access,
        string? algorithm, string? status, string? creator, CancellationToken ct)
    {
        var actor = Actor.From(user);
        Guid? algorithmId = null;
        if (algorithm is { Length: > 0 })
        {
            if (await access.FindAsync(actor, LastSegment(algorithm), ct) is not { } context)
            {
                return TypedResults.Ok(new Paginated<JobDto>(0, null, null, []));
            }

            algorithmId = context.Algorithm.Id;
        }

        ComponentJobStatus? statusFilter = null;
        if (status is { Length: > 0 })
        {
            if (ParseStatus(status) is not { } parsed)
            {
                return ApiConventions.Invalid(new Dictionary<string, string[]> { ["status"] = [$"Unknown status '{status}'."] }, $"Unknown status '{status}'.");
            }

            statusFilter = parsed;
        }

        var mine = creator is { Length: > 0 } && (creator.Equals("me", StringComparison.OrdinalIgnoreCase) || creator == actor.UserId?.ToString());
        var page = await Pagination.PageAsync(request, async (offset, limit) =>
        {
            var (count, items) = await jobs.ListAsync(actor, new AlgorithmJobQuery(algorithmId, statusFilter, mine, offset, limit), ct);
            return (count, (IReadOnlyList<JobDto>)items.Select(j => ToDto(request, j)).ToList());
        });
        return TypedResults.Ok(page);
    }

    /// <summary>A status by its label ("Validating inputs") or name, case-insensitive.</summary>
    public static ComponentJobStatus? ParseStatus(string text)
    {
        foreach (var value in Enum.GetValues<ComponentJobStatus>())
        {
            if (string.Equals(ComponentJob.Label(value), text.Trim(), StringComparison.OrdinalIgnoreCase)
                || string.Equals(value.ToString(), text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    private static async Task<Results<Created<JobDto>, Ok<JobDto>, ProblemHttpResult>> CreateAsync(
        JsonObject body, HttpRequest request, ClaimsPrincipal user, IAlgorithmJobService jobs, IAlgorithmAccess access, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (body["algorithm"] is not JsonValue algorithmNode || algorithmNode.GetValueKind() != JsonValueKind.String)
        {
            return Field("algorithm", "Name the algorithm: its slug, id or API URL.");
        }

        if (await access.FindAsync(actor, LastSegment(algorithmNode.GetValue<string>()), ct) is not { } context)
        {
            return ApiConventions.NotFound(AlgorithmJobService.NotFoundMessage);
        }

        var (drafts, error) = ReadInputs(body["inputs"]);
        if (error is not null)
        {
            return Field("inputs", error);
        }

        var result = await jobs.CreateAsync(actor, context.Algorithm.Id, drafts, ct: ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Problem(result);
        }

        var dto = ToDto(request, result.Value!.Job);
        return result.Value.Reused ? TypedResults.Ok(dto) : TypedResults.Created(dto.ApiUrl, dto);
    }

    private static (List<JobInputDraft> Drafts, string? Error) ReadInputs(JsonNode? inputs)
    {
        var drafts = new List<JobInputDraft>();
        if (inputs is not JsonArray array)
        {
            return (drafts, "inputs must be a list of {\"interface\": slug, \"value\" | \"image\" | \"upload_session\" | \"file\"}.");
        }

        foreach (var node in array)
        {
            if (node is not JsonObject entry || entry["interface"] is not JsonValue socketNode || socketNode.GetValueKind() != JsonValueKind.String)
            {
                return (drafts, "Each input needs \"interface\": the socket's slug.");
            }

            var socket = socketNode.GetValue<string>();
            var given = new[] { "value", "image", "upload_session", "file" }.Where(entry.ContainsKey).ToList();
            if (given.Count != 1)
            {
                return (drafts, $"{socket}: give exactly one of \"value\", \"image\", \"upload_session\" or \"file\".");
            }

            if (given[0] == "value")
            {
                drafts.Add(JobInputDraft.OfValue(socket, entry["value"]?.DeepClone()));
                continue;
            }

            if (entry[given[0]] is not JsonValue reference || reference.GetValueKind() != JsonValueKind.String
                || !Guid.TryParse(LastSegment(reference.GetValue<string>()), out var id))
            {
                return (drafts, $"{socket}: {given[0]} must be an API URL or id.");
            }

            drafts.Add(given[0] switch
            {
                "image" => JobInputDraft.OfImage(socket, id),
                "upload_session" => JobInputDraft.OfUploadSession(socket, id),
                _ => JobInputDraft.OfUpload(socket, id),
            });
        }

        return (drafts, null);
    }

    private static async Task<Results<Ok<JobDto>, ProblemHttpResult>> GetAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IAlgorithmJobService jobs, CancellationToken ct) =>
        await jobs.FindAsync(Actor.From(user), id, ct) is { } job ? TypedResults.Ok(ToDto(request, job)) : ApiConventions.NotFound(AlgorithmJobService.JobNotFoundMessage);

    private static async Task<Results<Ok<JobDto>, ProblemHttpResult>> UpdateAsync(
        Guid id, JsonObject body, HttpRequest request, ClaimsPrincipal user, IAlgorithmJobService jobs, CancellationToken ct)
    {
        foreach (var key in body.Select(p => p.Key))
        {
            if (key != "public")
            {
                return Field(key, $"'{key}' cannot be changed; only public can.");
            }
        }

        if (body["public"] is not JsonValue publicNode || publicNode.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
        {
            return Field("public", "public must be true or false.");
        }

        return Answer(request, await jobs.SetPublicAsync(Actor.From(user), id, publicNode.GetValue<bool>(), ct));
    }

    private static async Task<Results<Ok<JobDto>, ProblemHttpResult>> CancelAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IAlgorithmJobService jobs, CancellationToken ct) =>
        Answer(request, await jobs.CancelAsync(Actor.From(user), id, ct));

    private static async Task<Results<Created<JobDto>, ProblemHttpResult>> RerunAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IAlgorithmJobService jobs, CancellationToken ct)
    {
        var result = await jobs.RerunAsync(Actor.From(user), id, ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Problem(result);
        }

        var dto = ToDto(request, result.Value!.Job);
        return TypedResults.Created(dto.ApiUrl, dto);
    }

    private static async Task<IResult> FileAsync(
        Guid id, long valueId, ClaimsPrincipal user, IAlgorithmJobService jobs, ISocketValueService values, CancellationToken ct)
    {
        if (await jobs.FindAsync(Actor.From(user), id, ct) is not { } job
            || job.Inputs.Concat(job.Outputs).FirstOrDefault(v => v.ValueId == valueId && v.FileName is not null) is not { } value)
        {
            return ApiConventions.NotFound("No such file of this job, or it is hidden from you.");
        }

        var stored = new SocketValue { Id = value.ValueId, SocketId = value.Socket.Id, FileName = value.FileName };
        return TypedResults.File(values.OpenFile(stored), "application/octet-stream", value.FileName);
    }

    public sealed record ViewerBody(string? Username);

    private static async Task<Results<Ok<JobDto>, ProblemHttpResult>> AddViewerAsync(
        Guid id, ViewerBody body, HttpRequest request, ClaimsPrincipal user, IAlgorithmJobService jobs, CancellationToken ct) =>
        string.IsNullOrWhiteSpace(body.Username)
            ? Field("username", "Name the user to share the job with.")
            : Answer(request, await jobs.SetViewerAsync(Actor.From(user), id, body.Username, true, ct));

    private static async Task<Results<Ok<JobDto>, ProblemHttpResult>> RemoveViewerAsync(
        Guid id, string username, HttpRequest request, ClaimsPrincipal user, IAlgorithmJobService jobs, CancellationToken ct) =>
        Answer(request, await jobs.SetViewerAsync(Actor.From(user), id, username, false, ct));

    private static Results<Ok<JobDto>, ProblemHttpResult> Answer(HttpRequest request, Result<AlgorithmJobView> result) =>
        result.Succeeded ? TypedResults.Ok(ToDto(request, result.Value!)) : ApiConventions.Problem(result);

    public static JobDto ToDto(HttpRequest request, AlgorithmJobView job)
    {
        var root = $"{request.Scheme}://{request.Host}{request.PathBase}";
        JobValueDto Value(AlgorithmJobValueView v) => new(
            v.ValueId,
            SocketApiEndpoints.ToDto(v.Socket),
            v.Json is null ? null : JsonNode.Parse(v.Json),
            v.FileName is null ? null : $"{root}{ApiConventions.Prefix}/algorithms/jobs/{job.Id}/files/{v.ValueId}/",
            v.ImageId is { } imageId ? ImageApiEndpoints.ApiUrl(request, imageId) : null,
            v.ImageName);
        return new JobDto(
            job.Id,
            $"{root}{ApiConventions.Prefix}/algorithms/jobs/{job.Id}/",
            $"{root}/algorithms/jobs/{job.Id}",
            $"{root}{ApiConventions.Prefix}/algorithms/{job.AlgorithmSlug}/",
            job.AlgorithmSlug,
            job.AlgorithmTitle,
            $"{root}{ApiConventions.Prefix}/algorithms/images/{job.AlgorithmImageId}/",
            job.AlgorithmModelId,
            job.Inputs.Select(Value).ToList(),
            job.Outputs.Select(Value).ToList(),
            job.StatusLabel,
            job.ErrorMessage,
            job.DetailedErrors,
            job.CreatorName,
            job.Public,
            job.Comment,
            job.Viewers,
            job.Created,
            job.Started,
            job.Completed,
            job.ExecDurationMs is { } ms ? XmlConvert.ToString(TimeSpan.FromMilliseconds(ms)) : null,
            job.Stdout,
            job.Stderr);
    }

    private static ProblemHttpResult Field(string field, string message) =>
        ApiConventions.Invalid(new Dictionary<string, string[]> { [field] = [message] }, message);
}
