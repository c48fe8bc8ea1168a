using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Features.Api;
using GrandChallenge.Web.Features.Components;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using static GrandChallenge.Web.Features.Api.ApiRequests;

namespace GrandChallenge.Web.Features.Algorithms;

/// <summary>
/// <c>/api/v1/algorithms/</c>, their images, models, members and access requests, with grand-challenge.org's field names.
/// Algorithms are addressed by slug or id; a non-public algorithm answers 404 to everyone without a role on it, and
/// what only editors may do answers 403 to its users (and to anyone when the algorithm is public).
/// </summary>
public static class AlgorithmApiEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var algorithms = api.MapGroup("/algorithms").WithTags("Algorithms");
        algorithms.MapGet("/", ListAsync).AllowAnonymous().WithSummary("Algorithms the caller may see, newest first; filter with ?slug= or ?search=.");
        algorithms.MapPost("/", CreateAsync).RequireAuthorization()
            .WithSummary("Create an algorithm: title, interfaces [{inputs: [slug], outputs: [slug]}], optional slug, description, detail, public, "
                         + "access_request_handling, time_limit, job_requires_memory_gb, job_requires_gpu; the creator becomes its editor.");

        algorithms.MapGet("/images/", ListImagesAsync).RequireAuthorization()
            .WithSummary("Container images of the algorithms the caller edits; filter with ?algorithm= (id, slug or API URL).");
        algorithms.MapGet("/images/{id:guid}/", GetImageAsync).AllowAnonymous().WithSummary("One algorithm image with its import status (editors).");
        algorithms.MapPost("/images/{id:guid}/activate/", ActivateImageAsync).RequireAuthorization()
            .WithSummary("Make a completed image the algorithm's active version (editors).");

        algorithms.MapGet("/models/{id:guid}/", GetModelAsync).AllowAnonymous().WithSummary("One algorithm model (editors).");
        algorithms.MapPost("/models/{id:guid}/activate/", (Guid id, HttpRequest r, ClaimsPrincipal u, IAlgorithmModelService m, CancellationToken ct) =>
                SetModelActiveAsync(id, true, r, u, m, ct)).RequireAuthorization()
            .WithSummary("Make a model the active one; the algorithm's other models become inactive (editors).");
        algorithms.MapPost("/models/{id:guid}/deactivate/", (Guid id, HttpRequest r, ClaimsPrincipal u, IAlgorithmModelService m, CancellationToken ct) =>
                SetModelActiveAsync(id, false, r, u, m, ct)).RequireAuthorization()
            .WithSummary("Deactivate a model: jobs then run without one (editors).");

        algorithms.MapPatch("/access-requests/{id:guid}/", DecideAccessRequestAsync).RequireAuthorization()
            .WithSummary("Accept or reject a request for access: {\"status\": \"accepted\" | \"rejected\"} (editors).");

        algorithms.MapGet("/{slug}/", GetAsync).AllowAnonymous().WithSummary("One algorithm by slug or id.");
        algorithms.MapPatch("/{slug}/", UpdateAsync).RequireAuthorization()
            .WithSummary("Change an algorithm's settings (editors); the slug cannot change and interfaces are added through /interfaces/.");
        algorithms.MapDelete("/{slug}/", DeleteAsync).RequireAuthorization()
            .WithSummary("Delete an algorithm with its jobs and models (editors); 409 while jobs wait or run or one of its images was submitted to a phase.");
        algorithms.MapGet("/{slug}/logo/", async (string slug, ClaimsPrincipal user, IAlgorithmService service, CancellationToken ct) =>
                PictureResults.Send(await service.OpenLogoAsync(Actor.From(user), slug, ct), "This algorithm has no logo, or it is hidden from you."))
            .AllowAnonymous().WithSummary("The algorithm's logo (PNG or JPEG).");
        algorithms.MapPost("/{slug}/interfaces/", AddInterfaceAsync).RequireAuthorization()
            .WithSummary("Add an interface {inputs: [slug], outputs: [slug]} (editors); its inputs must differ from the other interfaces'.");
        algorithms.MapPost("/{slug}/images/", CreateImageAsync).RequireAuthorization()
            .WithSummary("Upload a container image (editors): multipart file (docker save .tar/.tar.gz/.tar.xz) or upload_id (multipart or JSON), optional comment.");
        algorithms.MapGet("/{slug}/models/", ListModelsAsync).RequireAuthorization().WithSummary("The algorithm's models, newest first (editors).");
        algorithms.MapPost("/{slug}/models/", CreateModelAsync).RequireAuthorization()
            .WithSummary("Upload a model tarball (editors): multipart file (.tar.gz) or upload_id (multipart or JSON), optional comment; it becomes the active model.");
        algorithms.MapGet("/{slug}/members/", ListMembersAsync).RequireAuthorization().WithSummary("Editors and users of the algorithm (editors).");
        algorithms.MapPost("/{slug}/members/", AddMemberAsync).RequireAuthorization()
            .WithSummary("Give a user a role: {\"username\": …, \"role\": \"editor\" | \"user\"} (editors).");
        algorithms.MapDelete("/{slug}/members/{role}/{userId:guid}/", RemoveMemberAsync).RequireAuthorization()
            .WithSummary("Take a role away (editors); the last editor stays.");
        algorithms.MapGet("/{slug}/access-requests/", ListAccessRequestsAsync).RequireAuthorization()
            .WithSummary("Requests for access, pending first (editors).");
        algorithms.MapPost("/{slug}/access-requests/", RequestAccessAsync).RequireAuthorization()
            .WithSummary("Ask to become a user of the algorithm; accepted at once or left for its editors, as the algorithm says.");
    }

    /// <summary>An interface: the sockets an algorithm reads and writes.</summary>
    public sealed record InterfaceDto(int Pk, IReadOnlyList<SocketApiEndpoints.SocketDto> Inputs, IReadOnlyList<SocketApiEndpoints.SocketDto> Outputs);

    /// <summary>grand-challenge.org's <c>Algorithm</c>, plus the settings editors change.</summary>
    public sealed record AlgorithmDto(
        Guid Pk, string ApiUrl, string Url, string Title, string Slug, string Description, string Detail, string? Logo, bool Public,
        double? AverageDuration, IReadOnlyList<InterfaceDto> Interfaces, int TimeLimit, int JobRequiresMemoryGb, string JobRequiresGpuType,
        bool JobRequiresGpu, string AccessRequestHandling, int JobQuotaPerUser, int JobQuotaPeriodDays, DateTimeOffset Created, DateTimeOffset Modified);

    /// <summary>grand-challenge.org's <c>AlgorithmImage</c>.</summary>
    public sealed record AlgorithmImageDto(
        Guid Pk, string ApiUrl, string Url, string Algorithm, DateTimeOffset Created, string ImportStatus, bool? IsManifestValid,
        bool IsDesiredVersion, bool IsRemoved, string Status, string? Image, long SizeInStorage, string Comment);

    /// <summary>grand-challenge.org's <c>AlgorithmModel</c>.</summary>
    public sealed record AlgorithmModelDto(
        Guid Pk, string ApiUrl, string Algorithm, DateTimeOffset Created, string ImportStatus, string Filename, string Sha256,
        long SizeInStorage, bool IsDesiredVersion, string Comment);

    public sealed record MemberDto(Guid User, string Username, string Role);

    public sealed record AccessRequestDto(Guid Pk, string ApiUrl, string Algorithm, Guid User, string Username, bool EmailConfirmed, string Status, DateTimeOffset Created);

    private static readonly HashSet<string> ReadOnlyFields = ["pk", "api_url", "url", "logo", "average_duration", "created", "modified", "interfaces"];

    // ---- algorithms

    private static async Task<Ok<Paginated<AlgorithmDto>>> ListAsync(
        HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, string? slug, string? search, CancellationToken ct)
    {
        var actor = Actor.From(user);
        var summaries = await algorithms.ListVisibleAsync(actor, slug, search, ct);
        var page = summaries.Page(request);
        var results = new List<AlgorithmDto>();
        foreach (var summary in page.Results)
        {
            if (await algorithms.FindAsync(actor, summary.Id.ToString(), ct) is { } context)
            {
                results.Add(await ToDtoAsync(request, context.Algorithm, algorithms, ct));
            }
        }

        return TypedResults.Ok(new Paginated<AlgorithmDto>(page.Count, page.Next, page.Previous, results));
    }

    private static async Task<Results<Created<AlgorithmDto>, ProblemHttpResult>> CreateAsync(
        JsonObject body, HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var draft = new NewAlgorithm(null, []);
        var settings = AlgorithmSettings.Of(new Algorithm { Title = "", Slug = "" });
        foreach (var (key, value) in body)
        {
            switch (key)
            {
                case "slug":
                    draft = draft with { Slug = ReadString(value, key, errors) };
                    break;
                case "interfaces":
                    draft = draft with { Interfaces = ReadInterfaces(value, errors) };
                    break;
                default:
                    settings = ReadSetting(settings, key, value, errors);
                    break;
            }
        }

        if (errors.Any)
        {
            return ApiConventions.Problem(errors.ToResult<bool>());
        }

        draft = draft with
        {
            Title = settings.Title,
            Description = settings.Description,
            Detail = settings.Detail,
            JobCreatePageMarkdown = settings.JobCreatePageMarkdown,
            Public = settings.Public,
            AccessRequestHandling = settings.AccessRequestHandling,
            TimeLimitSeconds = settings.TimeLimitSeconds,
            MemoryGb = settings.MemoryGb,
            RequiresGpu = settings.RequiresGpu,
            JobQuotaPerUser = settings.JobQuotaPerUser,
            JobQuotaPeriodDays = settings.JobQuotaPeriodDays,
        };
        var result = await algorithms.CreateAsync(Actor.From(user), draft, ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Problem(result);
        }

        var dto = await ToDtoAsync(request, result.Value!, algorithms, ct);
        return TypedResults.Created(dto.ApiUrl, dto);
    }

    private static async Task<Results<Ok<AlgorithmDto>, ProblemHttpResult>> GetAsync(
        string slug, HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, CancellationToken ct) =>
        await algorithms.FindAsync(Actor.From(user), slug, ct) is { } context
            ? TypedResults.Ok(await ToDtoAsync(request, context.Algorithm, algorithms, ct))
            : ApiConventions.NotFound(AlgorithmService.NotFoundMessage);

    private static async Task<Results<Ok<AlgorithmDto>, ProblemHttpResult>> UpdateAsync(
        string slug, JsonObject body, HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await EditorAsync(actor, slug, algorithms, ct) is { Problem: { } problem })
        {
            return problem;
        }

        var context = (await algorithms.FindAsync(actor, slug, ct))!;
        var settings = AlgorithmSettings.Of(context.Algorithm);
        var errors = new FieldErrors();
        foreach (var (key, value) in body)
        {
            if (key == "slug")
            {
                if (value?.GetValueKind() != JsonValueKind.String || value.GetValue<string>().Trim().ToLowerInvariant() != context.Algorithm.Slug)
                {
                    errors.Add(key, "The slug is the algorithm's address and cannot be changed.");
                }

                continue;
            }

            settings = ReadSetting(settings, key, value, errors);
        }

        if (errors.Any)
        {
            return ApiConventions.Problem(errors.ToResult<bool>());
        }

        var result = await algorithms.UpdateAsync(actor, context.Algorithm.Id, settings, ct);
        return result.Succeeded ? TypedResults.Ok(await ToDtoAsync(request, result.Value!, algorithms, ct)) : ApiConventions.Problem(result);
    }

    private static async Task<Results<Ok<AlgorithmDto>, ProblemHttpResult>> AddInterfaceAsync(
        string slug, JsonObject body, HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await EditorAsync(actor, slug, algorithms, ct) is { Problem: { } problem })
        {
            return problem;
        }

        var errors = new FieldErrors();
        var drafts = ReadInterfaces(new JsonArray(body.DeepClone()), errors);
        if (errors.Any)
        {
            return ApiConventions.Problem(errors.ToResult<bool>());
        }

        var context = (await algorithms.FindAsync(actor, slug, ct))!;
        var result = await algorithms.AddInterfaceAsync(actor, context.Algorithm.Id, drafts[0], ct);
        return result.Succeeded ? TypedResults.Ok(await ToDtoAsync(request, result.Value!, algorithms, ct)) : ApiConventions.Problem(result);
    }

    private static AlgorithmSettings ReadSetting(AlgorithmSettings settings, string key, JsonNode? value, FieldErrors errors)
    {
        switch (key)
        {
            case "title":
                return settings with { Title = ReadString(value, key, errors) };
            case "description":
                return settings with { Description = ReadString(value, key, errors) };
            case "detail":
                return settings with { Detail = ReadString(value, key, errors) };
            case "job_create_page_markdown":
                return settings with { JobCreatePageMarkdown = ReadString(value, key, errors) };
            case "public":
                return ReadBool(value, key, errors) is { } isPublic ? settings with { Public = isPublic } : settings;
            case "job_requires_gpu":
                return ReadBool(value, key, errors) is { } gpu ? settings with { RequiresGpu = gpu } : settings;
            case "job_requires_gpu_type":
                // grand-challenge.org names a GPU type; "" means none. Any type is recorded as "needs a GPU".
                return value?.GetValueKind() == JsonValueKind.String
                    ? settings with { RequiresGpu = value.GetValue<string>().Trim().Length > 0 }
                    : Fail(settings, errors, key, "job_requires_gpu_type must be a string (\"\" for none).");
            case "time_limit":
                return ReadInt(value, key, errors) is { } seconds ? settings with { TimeLimitSeconds = seconds } : settings;
            case "job_requires_memory_gb":
                return ReadInt(value, key, errors) is { } memory ? settings with { MemoryGb = memory } : settings;
            case "job_quota_per_user":
                return ReadInt(value, key, errors) is { } quota ? settings with { JobQuotaPerUser = quota } : settings;
            case "job_quota_period_days":
                return ReadInt(value, key, errors) is { } days ? settings with { JobQuotaPeriodDays = days } : settings;
            case "access_request_handling":
                return value?.GetValueKind() == JsonValueKind.String && ParseHandling(value.GetValue<string>()) is { } handling
                    ? settings with { AccessRequestHandling = handling }
                    : Fail(settings, errors, key, "access_request_handling must be MANUAL_REVIEW, ACCEPT_VERIFIED_USERS or ACCEPT_ALL.");
            default:
                return ReadOnlyFields.Contains(key) ? settings : Fail(settings, errors, key, $"'{key}' is not a field of an algorithm.");
        }
    }

    private static AlgorithmSettings Fail(AlgorithmSettings settings, FieldErrors errors, string key, string message)
    {
        errors.Add(key, message);
        return settings;
    }

    public static AccessRequestHandling? ParseHandling(string text) =>
        text.Trim().Replace("_", "").Replace("-", "").ToUpperInvariant() switch
        {
            "MANUALREVIEW" => AccessRequestHandling.ManualReview,
            "ACCEPTVERIFIEDUSERS" => AccessRequestHandling.AcceptVerifiedUsers,
            "ACCEPTALL" => AccessRequestHandling.AcceptAll,
            _ => null,
        };

    public static string HandlingCode(AccessRequestHandling handling) => handling switch
    {
        AccessRequestHandling.AcceptAll => "ACCEPT_ALL",
        AccessRequestHandling.AcceptVerifiedUsers => "ACCEPT_VERIFIED_USERS",
        _ => "MANUAL_REVIEW",
    };

    private static List<InterfaceDraft> ReadInterfaces(JsonNode? value, FieldErrors errors)
    {
        const string shape = "interfaces must be a list of {\"inputs\": [socket slug], \"outputs\": [socket slug]}.";
        var drafts = new List<InterfaceDraft>();
        if (value is not JsonArray array)
        {
            errors.Add("interfaces", shape);
            return drafts;
        }

        foreach (var node in array)
        {
            if (node is not JsonObject entry || SlugList(entry["inputs"]) is not { } inputs || SlugList(entry["outputs"]) is not { } outputs)
            {
                errors.Add("interfaces", shape);
                return drafts;
            }

            drafts.Add(new InterfaceDraft(inputs, outputs));
        }

        return drafts;
    }

    /// <summary>Socket slugs, or socket objects with a slug (as grand-challenge.org shows them).</summary>
    private static List<string>? SlugList(JsonNode? node)
    {
        if (node is not JsonArray array)
        {
            return null;
        }

        var slugs = new List<string>();
        foreach (var item in array)
        {
            var slug = item switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                JsonObject o when o["slug"] is JsonValue s && s.GetValueKind() == JsonValueKind.String => s.GetValue<string>(),
                _ => null,
            };
            if (slug is null)
            {
                return null;
            }

            slugs.Add(slug.Trim());
        }

        return slugs;
    }

    // ---- images

    private static async Task<Results<Ok<Paginated<AlgorithmImageDto>>, ProblemHttpResult>> ListImagesAsync(
        HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, string? algorithm, CancellationToken ct)
    {
        var actor = Actor.From(user);
        IEnumerable<Guid> owners;
        if (!string.IsNullOrWhiteSpace(algorithm))
        {
            if (await algorithms.FindAsync(actor, LastSegment(algorithm), ct) is not { } context)
            {
                return ApiConventions.NotFound(AlgorithmService.NotFoundMessage);
            }

            if (!context.IsEditor)
            {
                return ApiConventions.Forbidden(AlgorithmService.NotEditorMessage);
            }

            owners = [context.Algorithm.Id];
        }
        else
        {
            owners = await algorithms.EditableAlgorithmIdsAsync(actor, ct);
        }

        var all = new List<ContainerImageInfo>();
        foreach (var owner in owners)
        {
            var images = await algorithms.ImagesAsync(actor, owner, ct);
            all.AddRange(images.Value ?? []);
        }

        var dtos = all.OrderByDescending(i => i.Created).Select(i => ToDto(request, i)).ToList();
        return TypedResults.Ok(dtos.Page(request));
    }

    private static async Task<Results<Ok<AlgorithmImageDto>, ProblemHttpResult>> GetImageAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, CancellationToken ct)
    {
        var result = await algorithms.ImageAsync(Actor.From(user), id, ct);
        return result.Succeeded ? TypedResults.Ok(ToDto(request, result.Value.Image)) : ApiConventions.Problem(result);
    }

    private static async Task<Results<Ok<AlgorithmImageDto>, ProblemHttpResult>> ActivateImageAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, IContainerImageService images, CancellationToken ct)
    {
        var actor = Actor.From(user);
        var found = await algorithms.ImageAsync(actor, id, ct);
        if (!found.Succeeded)
        {
            return ApiConventions.Problem(found);
        }

        var result = await images.ActivateAsync(id, actor, ct);
        return result.Succeeded
            ? TypedResults.Ok(ToDto(request, result.Value!))
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The container image cannot be activated.", detail: result.Error);
    }

    private static async Task<Results<Created<AlgorithmImageDto>, ProblemHttpResult>> CreateImageAsync(
        string slug, HttpContext context, ClaimsPrincipal user, IAlgorithmService algorithms, IContainerImageService images,
        IOptions<ContainerImageOptions> options, DataDirectory data, CancellationToken ct)
    {
        var actor = Actor.From(user);
        var (algorithm, problem) = await EditorAsync(actor, slug, algorithms, ct);
        if (problem is not null)
        {
            return problem;
        }

        var upload = await ReadUploadAsync(context, options.Value.MaxArchiveBytes, data, ct);
        if (upload.Problem is not null)
        {
            return upload.Problem;
        }

        await using (upload.Form)
        {
            Result<ContainerImageInfo> result;
            if (upload.File is { } file)
            {
                await using var stream = file.OpenRead();
                result = await images.CreateAsync(ContainerImageKind.Algorithm, algorithm!.Id, actor, stream, file.Filename, upload.Comment, ct);
            }
            else if (upload.UploadId is { } uploadId)
            {
                result = await images.CreateFromUploadAsync(ContainerImageKind.Algorithm, algorithm!.Id, actor, uploadId, upload.Comment, ct);
            }
            else
            {
                const string message = "Attach the docker save archive as the field file, or name a finished upload in upload_id.";
                return ApiConventions.Invalid(new Dictionary<string, string[]> { ["file"] = [message] }, message);
            }

            if (!result.Succeeded)
            {
                return ApiConventions.Problem(result);
            }

            var dto = ToDto(context.Request, result.Value!);
            return TypedResults.Created(dto.ApiUrl, dto);
        }
    }

    // ---- models

    private static async Task<Results<Ok<Paginated<AlgorithmModelDto>>, ProblemHttpResult>> ListModelsAsync(
        string slug, HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, IAlgorithmModelService models, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await algorithms.FindAsync(actor, slug, ct) is not { } context)
        {
            return ApiConventions.NotFound(AlgorithmService.NotFoundMessage);
        }

        var result = await models.ListAsync(actor, context.Algorithm.Id, ct);
        return result.Succeeded ? TypedResults.Ok(result.Value!.Select(m => ToDto(request, m)).ToList().Page(request)) : ApiConventions.Problem(result);
    }

    private static async Task<Results<Ok<AlgorithmModelDto>, ProblemHttpResult>> GetModelAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IAlgorithmModelService models, CancellationToken ct)
    {
        var result = await models.GetAsync(Actor.From(user), id, ct);
        return result.Succeeded ? TypedResults.Ok(ToDto(request, result.Value!)) : ApiConventions.Problem(result);
    }

    private static async Task<Results<Ok<AlgorithmModelDto>, ProblemHttpResult>> SetModelActiveAsync(
        Guid id, bool active, HttpRequest request, ClaimsPrincipal user, IAlgorithmModelService models, CancellationToken ct)
    {
        var result = await models.SetActiveAsync(Actor.From(user), id, active, ct);
        return result.Succeeded ? TypedResults.Ok(ToDto(request, result.Value!)) : ApiConventions.Problem(result);
    }

    private static async Task<Results<Created<AlgorithmModelDto>, ProblemHttpResult>> CreateModelAsync(
        string slug, HttpContext context, ClaimsPrincipal user, IAlgorithmService algorithms, IAlgorithmModelService models,
        IOptions<EvaluationOptions> options, DataDirectory data, CancellationToken ct)
    {
        var actor = Actor.From(user);
        var (algorithm, problem) = await EditorAsync(actor, slug, algorithms, ct);
        if (problem is not null)
        {
            return problem;
        }

        var upload = await ReadUploadAsync(context, options.Value.MaxGroundTruthBytes, data, ct);
        if (upload.Problem is not null)
        {
            return upload.Problem;
        }

        await using (upload.Form)
        {
            Result<AlgorithmModel> result;
            if (upload.File is { } file)
            {
                await using var stream = file.OpenRead();
                result = await models.UploadAsync(actor, algorithm!.Id, stream, file.Filename, upload.Comment, ct);
            }
            else if (upload.UploadId is { } uploadId)
            {
                result = await models.UploadFromAsync(actor, algorithm!.Id, uploadId, upload.Comment, ct);
            }
            else
            {
                const string message = "Attach the model (.tar.gz) as the field file, or name a finished upload in upload_id.";
                return ApiConventions.Invalid(new Dictionary<string, string[]> { ["file"] = [message] }, message);
            }

            if (!result.Succeeded)
            {
                return ApiConventions.Problem(result);
            }

            var dto = ToDto(context.Request, result.Value!);
            return TypedResults.Created(dto.ApiUrl, dto);
        }
    }

    // ---- members and access requests

    public sealed record AddMemberBody(string? Username, string? Role);

    public sealed record DecisionBody(string? Status);

    private static async Task<Results<Ok<IReadOnlyList<MemberDto>>, ProblemHttpResult>> ListMembersAsync(
        string slug, ClaimsPrincipal user, IAlgorithmService algorithms, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await algorithms.FindAsync(actor, slug, ct) is not { } context)
        {
            return ApiConventions.NotFound(AlgorithmService.NotFoundMessage);
        }

        var result = await algorithms.MembersAsync(actor, context.Algorithm.Id, ct);
        return result.Succeeded
            ? TypedResults.Ok((IReadOnlyList<MemberDto>)result.Value!.Select(m => new MemberDto(m.UserId, m.Username, m.Role)).ToList())
            : ApiConventions.Problem(result);
    }

    private static async Task<Results<Created<MemberDto>, ProblemHttpResult>> AddMemberAsync(
        string slug, AddMemberBody body, HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await algorithms.FindAsync(actor, slug, ct) is not { } context)
        {
            return ApiConventions.NotFound(AlgorithmService.NotFoundMessage);
        }

        var result = await algorithms.AddMemberAsync(actor, context.Algorithm.Id, (body.Role ?? ObjectRoles.User).Trim().ToLowerInvariant(), body.Username, ct);
        return result.Succeeded
            ? TypedResults.Created($"{Root(request)}{ApiConventions.Prefix}/algorithms/{context.Algorithm.Slug}/members/",
                new MemberDto(result.Value!.UserId, result.Value.Username, result.Value.Role))
            : ApiConventions.Problem(result);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string slug, ClaimsPrincipal user, IAlgorithmService algorithms, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await algorithms.FindAsync(actor, slug, ct) is not { } context)
        {
            return ApiConventions.NotFound(AlgorithmService.NotFoundMessage);
        }

        var result = await algorithms.DeleteAsync(actor, context.Algorithm.Id, ct);
        if (result.Succeeded)
        {
            return TypedResults.NoContent();
        }

        // A refusal that is not about permissions is about the algorithm's state: jobs running, or evaluated images kept.
        return result.Kind == FailureKind.Invalid
            ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The algorithm cannot be deleted now.", detail: result.Error)
            : ApiConventions.Problem(result);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveMemberAsync(
        string slug, string role, Guid userId, ClaimsPrincipal user, IAlgorithmService algorithms, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await algorithms.FindAsync(actor, slug, ct) is not { } context)
        {
            return ApiConventions.NotFound(AlgorithmService.NotFoundMessage);
        }

        var result = await algorithms.RemoveMemberAsync(actor, context.Algorithm.Id, role.ToLowerInvariant(), userId, ct);
        return result.Succeeded ? TypedResults.NoContent() : ApiConventions.Problem(result);
    }

    private static async Task<Results<Ok<IReadOnlyList<AccessRequestDto>>, ProblemHttpResult>> ListAccessRequestsAsync(
        string slug, HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await algorithms.FindAsync(actor, slug, ct) is not { } context)
        {
            return ApiConventions.NotFound(AlgorithmService.NotFoundMessage);
        }

        var result = await algorithms.AccessRequestsAsync(actor, context.Algorithm.Id, ct);
        return result.Succeeded
            ? TypedResults.Ok((IReadOnlyList<AccessRequestDto>)result.Value!.Select(r => ToDto(request, r)).ToList())
            : ApiConventions.Problem(result);
    }

    private static async Task<Results<Created<AccessRequestDto>, ProblemHttpResult>> RequestAccessAsync(
        string slug, HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await algorithms.FindAsync(actor, slug, ct) is not { } context)
        {
            return ApiConventions.NotFound(AlgorithmService.NotFoundMessage);
        }

        var result = await algorithms.RequestAccessAsync(actor, context.Algorithm.Id, ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Problem(result);
        }

        var r = result.Value!;
        var username = user.Identity?.Name ?? "";
        var dto = ToDto(request, new AlgorithmAccessRequestView(r.Id, r.AlgorithmId, r.UserId, username, false, r.Status, r.Created));
        return TypedResults.Created(dto.ApiUrl, dto);
    }

    private static async Task<Results<Ok<AccessRequestDto>, ProblemHttpResult>> DecideAccessRequestAsync(
        Guid id, DecisionBody body, HttpRequest request, ClaimsPrincipal user, IAlgorithmService algorithms, CancellationToken ct)
    {
        var status = (body.Status ?? "").Trim().ToLowerInvariant();
        if (status is not ("accepted" or "rejected"))
        {
            return ApiConventions.Invalid(new Dictionary<string, string[]> { ["status"] = ["status must be \"accepted\" or \"rejected\"."] },
                "status must be \"accepted\" or \"rejected\".");
        }

        var result = await algorithms.DecideAccessRequestAsync(Actor.From(user), id, status == "accepted", ct);
        return result.Succeeded ? TypedResults.Ok(ToDto(request, result.Value!)) : ApiConventions.Problem(result);
    }

    // ---- helpers

    /// <summary>The algorithm when the actor edits it; otherwise the 404 or 403 to answer.</summary>
    private static async Task<(Algorithm? Algorithm, ProblemHttpResult? Problem)> EditorAsync(
        Actor actor, string slug, IAlgorithmService algorithms, CancellationToken ct)
    {
        if (await algorithms.FindAsync(actor, slug, ct) is not { } context)
        {
            return (null, ApiConventions.NotFound(AlgorithmService.NotFoundMessage));
        }

        return context.IsEditor ? (context.Algorithm, null) : (null, ApiConventions.Forbidden(AlgorithmService.NotEditorMessage));
    }

    private sealed record UploadRequest(StreamedForm? Form, SpooledFile? File, Guid? UploadId, string? Comment, ProblemHttpResult? Problem);

    /// <summary>A file sent as multipart <c>file</c>, or a finished upload named by <c>upload_id</c> in a form or a JSON body.</summary>
    private static async Task<UploadRequest> ReadUploadAsync(HttpContext context, long maxBytes, DataDirectory data, CancellationToken ct)
    {
        if (context.Request.HasJsonContentType())
        {
            JsonObject? body;
            try
            {
                body = await context.Request.ReadFromJsonAsync<JsonObject>(ct);
            }
            catch (JsonException e)
            {
                return new(null, null, null, null, ApiConventions.Invalid(null, $"The body is not valid JSON: {e.Message}"));
            }

            var uploadText = body?["upload_id"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            var comment = body?["comment"] is JsonValue c && c.GetValueKind() == JsonValueKind.String ? c.GetValue<string>() : null;
            return new(null, null, uploadText is null ? null : StreamedForm.UploadIdOf(uploadText), comment, null);
        }

        var (form, problem) = await StreamedForm.ReadAsync(context, ["file"], maxBytes, data, ct);
        if (problem is not null)
        {
            return new(null, null, null, null, problem);
        }

        return new(form, form!.Files.GetValueOrDefault("file"),
            form.Field("upload_id") is { } text ? StreamedForm.UploadIdOf(text) : null, form.Field("comment"), null);
    }

    public static async Task<AlgorithmDto> ToDtoAsync(HttpRequest request, Algorithm a, IAlgorithmService algorithms, CancellationToken ct)
    {
        var interfaces = await algorithms.InterfacesAsync(a, ct);
        var root = Root(request);
        return new AlgorithmDto(
            a.Id, ApiUrl(request, a.Id), $"{root}/algorithms/{a.Slug}", a.Title, a.Slug, a.Description, a.Detail,
            AlgorithmDisplay.LogoUrl(a.Slug, a.LogoBlobKey) is { } logo ? root + logo : null, a.Public,
            a.AverageDurationSeconds,
            interfaces.Select(i => new InterfaceDto(i.Id, i.Inputs.Select(SocketApiEndpoints.ToDto).ToList(), i.Outputs.Select(SocketApiEndpoints.ToDto).ToList())).ToList(),
            a.TimeLimitSeconds, a.MemoryGb, a.RequiresGpu ? "T4" : "", a.RequiresGpu, HandlingCode(a.AccessRequestHandling),
            a.JobQuotaPerUser, a.JobQuotaPeriodDays, a.Created, a.Modified);
    }

    public static string ApiUrl(HttpRequest request, Guid algorithmId) => $"{Root(request)}{ApiConventions.Prefix}/algorithms/{algorithmId}/";

    public static AlgorithmImageDto ToDto(HttpRequest request, ContainerImageInfo i) => new(
        i.Id,
        $"{Root(request)}{ApiConventions.Prefix}/algorithms/images/{i.Id}/",
        $"{Root(request)}/algorithms/{i.OwnerId}",
        ApiUrl(request, i.OwnerId ?? Guid.Empty),
        i.Created,
        i.IsRemoved ? "Removed" : i.ImportStatus.Label(),
        i.IsManifestValid,
        i.IsDesiredVersion,
        i.IsRemoved,
        i.StatusMessage,
        i.ImageSha256,
        i.SizeBytes,
        i.Comment);

    public static AlgorithmModelDto ToDto(HttpRequest request, AlgorithmModel m) => new(
        m.Id, $"{Root(request)}{ApiConventions.Prefix}/algorithms/models/{m.Id}/", ApiUrl(request, m.AlgorithmId), m.Created, "Completed",
        m.Filename, m.Sha256, m.SizeBytes, m.IsDesiredVersion, m.Comment);

    private static AccessRequestDto ToDto(HttpRequest request, AlgorithmAccessRequestView r) => new(
        r.Id, $"{Root(request)}{ApiConventions.Prefix}/algorithms/access-requests/{r.Id}/", ApiUrl(request, r.AlgorithmId), r.UserId, r.Username,
        r.EmailConfirmed, r.Status.ToString().ToLowerInvariant(), r.Created);
}
