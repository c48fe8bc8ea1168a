using System.Security.Claims;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Features.Api;
using GrandChallenge.Web.Features.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GrandChallenge.Web.Features.ContainerImages;

/// <summary>
/// <c>/api/v1/container-images/</c>: every container image of the platform, for site admins. The phase, algorithm and
/// workstation features will add routes scoped to their owners.
/// </summary>
public static class ContainerImageApiEndpoints
{
    /// <summary>Room for the form fields and multipart framing around the archive.</summary>
    private const long MultipartOverheadBytes = 1 << 20;
    private const int MaxFieldLength = 4096;

    public static void Map(RouteGroupBuilder api)
    {
        var images = api.MapGroup("/container-images")
            .RequireAuthorization(policy => policy.RequireRole(SiteRoles.SiteAdmin))
            .WithTags("Container images");
        images.MapGet("/", ListAsync).WithSummary("Container images, newest first.");
        images.MapGet("/{id:guid}/", GetAsync).WithSummary("One container image with its import status.");
        images.MapPost("/", CreateAsync)
            .WithSummary("Upload a docker save archive (.tar, .tar.gz, .tar.xz) as multipart/form-data: the fields kind "
                         + "(evaluation, algorithm or workstation), optional owner and comment, then file; or, instead of file, upload_id naming a "
                         + "finished resumable upload (/api/v1/uploads/), which is then deleted. The import runs in the background.");
        images.MapPost("/{id:guid}/activate/", ActivateAsync).WithSummary("Make a completed image the active version of its owner.");
        images.MapDelete("/{id:guid}/", RemoveAsync).WithSummary("Remove an image that is neither the active version nor in use.");
    }

    /// <summary>A container image as the API shows it; field names follow grand-challenge.org's where it has them.</summary>
    public sealed record ContainerImageDto(
        Guid Pk,
        string ApiUrl,
        string Kind,
        Guid? Owner,
        string ImportStatus,
        bool? IsManifestValid,
        string Status,
        string? ImageSha256,
        long SizeInStorage,
        bool IsDesiredVersion,
        bool IsRemoved,
        string Comment,
        DateTimeOffset Created);

    private static async Task<Ok<Paginated<ContainerImageDto>>> ListAsync(HttpRequest request, IContainerImageService images, CancellationToken ct) =>
        TypedResults.Ok(await Pagination.PageAsync(request, async (offset, limit) =>
        {
            var (count, items) = await images.ListAsync(offset, limit, ct);
            return (count, (IReadOnlyList<ContainerImageDto>)items.Select(i => ToDto(request, i)).ToList());
        }));

    private static async Task<Results<Ok<ContainerImageDto>, NotFound>> GetAsync(Guid id, HttpRequest request, IContainerImageService images, CancellationToken ct) =>
        await images.GetAsync(id, ct) is { } image ? TypedResults.Ok(ToDto(request, image)) : TypedResults.NotFound();

    private static async Task<Results<Created<ContainerImageDto>, ProblemHttpResult>> CreateAsync(
        HttpContext context, ClaimsPrincipal principal, IContainerImageService images, IOptions<ContainerImageOptions> options,
        IAntiforgery antiforgery, IOptions<AntiforgeryOptions> antiforgeryOptions, CancellationToken ct)
    {
        var request = context.Request;
        if (!ApiTokenAuthenticationHandler.HasToken(request))
        {
            // A browser session must prove the request comes from our own pages; by header, so the body is never buffered.
            if (!request.Headers.ContainsKey(antiforgeryOptions.Value.HeaderName ?? "RequestVerificationToken")
                || !await antiforgery.IsRequestValidAsync(context))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request is invalid.",
                    detail: "Send an API token, or the antiforgery token in the RequestVerificationToken header.");
            }
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The request is invalid.",
                detail: "Send multipart/form-data with the fields kind, comment and file.");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = options.Value.MaxArchiveBytes + MultipartOverheadBytes;
        }

        var reader = new MultipartReader(boundary, request.Body);
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (!disposition.IsFileDisposition())
            {
                fields[name] = await ReadFieldAsync(section.Body, ct);
                continue;
            }

            if (name != "file")
            {
                continue;
            }

            if (!ContainerImageConventions.TryParseKind(fields.GetValueOrDefault("kind"), out var kind))
            {
                return ApiConventions.Invalid(Error("kind", "Send the field kind (evaluation, algorithm or workstation) before the file."),
                    "Send the field kind (evaluation, algorithm or workstation) before the file.");
            }

            Guid? owner = null;
            if (fields.GetValueOrDefault("owner") is { Length: > 0 } ownerText)
            {
                if (!Guid.TryParse(ownerText, out var ownerId))
                {
                    return ApiConventions.Invalid(Error("owner", "The owner must be the id of a phase, algorithm or workstation."),
                        "The owner must be the id of a phase, algorithm or workstation.");
                }

                owner = ownerId;
            }

            var filename = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
            var result = await images.CreateAsync(kind, owner, Actor.From(principal), section.Body, filename, fields.GetValueOrDefault("comment"), ct);
            if (!result.Succeeded)
            {
                return ApiConventions.Invalid(result.FieldErrors, result.Error!);
            }

            var dto = ToDto(request, result.Value!);
            return TypedResults.Created(dto.ApiUrl, dto);
        }

        if (fields.GetValueOrDefault("upload_id") is { Length: > 0 } uploadText)
        {
            return await CreateFromUploadAsync(request, principal, images, fields, uploadText, ct);
        }

        return ApiConventions.Invalid(Error("file", "Attach the docker save archive as the field file, or name a finished upload in upload_id."),
            "Attach the docker save archive as the field file, or name a finished upload in upload_id.");
    }

    /// <summary>A large archive sent first through the resumable uploads API: it is copied into the image store, then the upload is deleted.</summary>
    private static async Task<Results<Created<ContainerImageDto>, ProblemHttpResult>> CreateFromUploadAsync(
        HttpRequest request, ClaimsPrincipal principal, IContainerImageService images, Dictionary<string, string> fields, string uploadText, CancellationToken ct)
    {
        if (!ContainerImageConventions.TryParseKind(fields.GetValueOrDefault("kind"), out var kind))
        {
            return ApiConventions.Invalid(Error("kind", "Send the field kind (evaluation, algorithm or workstation)."), "Send the field kind (evaluation, algorithm or workstation).");
        }

        Guid? owner = null;
        if (fields.GetValueOrDefault("owner") is { Length: > 0 } ownerText)
        {
            if (!Guid.TryParse(ownerText, out var ownerId))
            {
                return ApiConventions.Invalid(Error("owner", "The owner must be the id of a phase, algorithm or workstation."), "The owner must be the id of a phase, algorithm or workstation.");
            }

            owner = ownerId;
        }

        // gcapi sends the upload's api_url; its last segment is the id.
        var uploadId = Guid.TryParse(uploadText.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(), out var id) ? id : Guid.Empty;
        var result = await images.CreateFromUploadAsync(kind, owner, Actor.From(principal), uploadId, fields.GetValueOrDefault("comment"), ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Invalid(result.FieldErrors, result.Error!);
        }

        var dto = ToDto(request, result.Value!);
        return TypedResults.Created(dto.ApiUrl, dto);
    }

    private static async Task<Results<Ok<ContainerImageDto>, NotFound, ProblemHttpResult>> ActivateAsync(
        Guid id, HttpRequest request, ClaimsPrincipal principal, IContainerImageService images, CancellationToken ct)
    {
        if (await images.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        var result = await images.ActivateAsync(id, Actor.From(principal), ct);
        return result.Succeeded ? TypedResults.Ok(ToDto(request, result.Value!)) : Conflict("The container image cannot be activated.", result.Error!);
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> RemoveAsync(
        Guid id, ClaimsPrincipal principal, IContainerImageService images, CancellationToken ct)
    {
        if (await images.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        var result = await images.RemoveAsync(id, Actor.From(principal), ct);
        return result.Succeeded ? TypedResults.NoContent() : Conflict("The container image cannot be removed now.", result.Error!);
    }

    public static ContainerImageDto ToDto(HttpRequest request, ContainerImageInfo i) => new(
        i.Id,
        $"{request.Scheme}://{request.Host}{request.PathBase}{ApiConventions.Prefix}/container-images/{i.Id}/",
        i.Kind.Slug(),
        i.OwnerId,
        i.ImportStatus.Label(),
        i.IsManifestValid,
        i.StatusMessage,
        i.ImageSha256,
        i.SizeBytes,
        i.IsDesiredVersion,
        i.IsRemoved,
        i.Comment,
        i.Created);

    private static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);

    private static Dictionary<string, string[]> Error(string field, string message) => new() { [field] = [message] };

    private static async Task<string> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        using var reader = new StreamReader(body);
        var buffer = new char[MaxFieldLength + 1];
        var read = await reader.ReadBlockAsync(buffer, ct);
        if (read > MaxFieldLength)
        {
            throw new BadHttpRequestException($"A form field is longer than {MaxFieldLength} characters.");
        }

        return new string(buffer, 0, read);
    }
}
