using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Web.Features.Api;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace GrandChallenge.Web.Features.Uploads;

/// <summary>
/// <c>/api/v1/uploads/</c> in grand-challenge.org's shape, so gcapi and its upload flow work unchanged: create, ask for
/// part URLs, PUT the parts (each answered with an <c>ETag</c>), complete with the part list, or abort. The part URLs
/// point back here and are authorised by their signature alone, like S3's presigned URLs. A small file may instead be
/// posted whole as <c>multipart/form-data</c> (field <c>file</c>). Nobody but an upload's creator sees it (404).
/// </summary>
public static class UploadApiEndpoints
{
    private const int MaxFormFieldBytes = 1024;

    public static void Map(RouteGroupBuilder api)
    {
        var uploads = api.MapGroup("/uploads").WithTags("Uploads");
        uploads.MapPost("/", CreateAsync).RequireAuthorization()
            .Accepts<CreateUploadRequest>("application/json", "multipart/form-data")
            .Produces<UploadDto>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .WithSummary("Start an upload (JSON {filename, size?, sha256?}), or send a small file whole as multipart/form-data field 'file'.");
        uploads.MapGet("/", ListAsync).RequireAuthorization().WithSummary("Your uploads, newest first.");
        uploads.MapGet("/{pk:guid}/", GetAsync).RequireAuthorization().WithSummary("One of your uploads.");

        var upload = uploads.MapGroup("/{pk:guid}/{s3UploadId}");
        upload.MapPatch("/generate-presigned-urls/", PresignAsync).RequireAuthorization()
            .WithSummary("URLs to PUT parts to ({part_numbers: [1, 2, ...]}); refused once your upload limit is reached.");
        upload.MapPut("/parts/{partNumber:int}/", PutPartAsync).AllowAnonymous()
            .WithSummary("Store one part (raw body). Authorised by the URL's signature; answered with the part's ETag header. Sending a part again replaces it.");
        upload.MapGet("/list-parts/", ListPartsAsync).RequireAuthorization().WithSummary("The parts stored so far.");
        upload.MapPatch("/complete-multipart-upload/", CompleteAsync).RequireAuthorization()
            .WithSummary("Assemble the parts ({parts: [{ETag, PartNumber}, ...]}, every stored part listed); checks the size and SHA-256 given at creation.");
        upload.MapPatch("/abort-multipart-upload/", AbortAsync).RequireAuthorization().WithSummary("Give up the upload and delete its parts.");
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IUploadService uploads, CancellationToken ct)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
        {
            return UnsupportedMediaType();
        }

        if (mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return await CreateFromFormAsync(context, mediaType, uploads, ct);
        }

        if (!mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            && !mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))
        {
            return UnsupportedMediaType();
        }

        CreateUploadRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<CreateUploadRequest>(ApiConventions.Json, ct);
        }
        catch (JsonException e)
        {
            throw new BadHttpRequestException("The body is not valid JSON.", StatusCodes.Status400BadRequest, e);
        }

        var result = await uploads.CreateAsync(Actor.From(context.User), body?.Filename, body?.Size, body?.Sha256, ct);
        return Created(result, request);
    }

    /// <summary>Reads the form section by section; the file streams straight to storage and is never buffered.</summary>
    private static async Task<IResult> CreateFromFormAsync(HttpContext context, MediaTypeHeaderValue mediaType, IUploadService uploads, CancellationToken ct)
    {
        DisableBodySizeLimit(context);
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return ApiConventions.Invalid(null, "The multipart/form-data body has no boundary.");
        }

        var actor = Actor.From(context.User);
        var reader = new MultipartReader(boundary, context.Request.Body);
        string? filename = null, sha256 = null;
        long? size = null;
        Result<UploadInfo>? stored = null;
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    return ApiConventions.Invalid(null, "Each part of the form needs a 'Content-Disposition: form-data' header.");
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (stored is not null)
                {
                    await uploads.DeleteAsync(actor, stored.Value.Value!.Id, CancellationToken.None);
                    return ApiConventions.Invalid(null, "Send the file last, as the only file, after the fields filename, size and sha256.");
                }

                if (disposition.IsFileDisposition())
                {
                    if (name != "file")
                    {
                        return ApiConventions.Invalid(new Dictionary<string, string[]> { ["file"] = ["Send the file in the form field 'file'."] }, "Send the file in the form field 'file'.");
                    }

                    filename ??= HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    stored = await uploads.UploadFileAsync(actor, filename, section.Body, size, sha256, ct);
                    if (!stored.Value.Succeeded)
                    {
                        return ApiConventions.Invalid(stored.Value.FieldErrors, stored.Value.Error!);
                    }

                    continue;
                }

                var value = await ReadFieldAsync(section.Body, ct);
                switch (name)
                {
                    case "filename":
                        filename = value;
                        break;
                    case "sha256":
                        sha256 = value.Length == 0 ? null : value;
                        break;
                    case "size" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed):
                        size = parsed;
                        break;
                    case "size":
                        return ApiConventions.Invalid(new Dictionary<string, string[]> { ["size"] = ["The size must be a whole number of bytes."] }, "The size must be a whole number of bytes.");
                }
            }
        }
        catch (InvalidDataException e)
        {
            if (stored?.Value is { } partial)
            {
                await uploads.DeleteAsync(actor, partial.Id, CancellationToken.None);
            }

            return ApiConventions.Invalid(null, $"The multipart/form-data body could not be read: {e.Message}");
        }

        if (stored is not { Value: { } upload })
        {
            return ApiConventions.Invalid(new Dictionary<string, string[]> { ["file"] = ["Send the file in the form field 'file'."] }, "Send the file in the form field 'file'.");
        }

        return TypedResults.Created(UploadUrls.Api(context.Request, upload.Id), UploadDto.From(upload, context.Request));
    }

    private static async Task<Ok<Paginated<UploadDto>>> ListAsync(ClaimsPrincipal user, HttpRequest request, IUploadService uploads, CancellationToken ct)
    {
        var page = await Pagination.PageAsync<UploadDto>(request, async (offset, limit) =>
        {
            var (count, items) = await uploads.ListAsync(Actor.From(user), offset, limit, ct);
            return (count, items.Select(u => UploadDto.From(u, request)).ToList());
        });
        return TypedResults.Ok(page);
    }

    private static async Task<Results<Ok<UploadDto>, NotFound>> GetAsync(Guid pk, ClaimsPrincipal user, HttpRequest request, IUploadService uploads, CancellationToken ct) =>
        await uploads.GetAsync(Actor.From(user), pk, ct) is { Value: { } upload }
            ? TypedResults.Ok(UploadDto.From(upload, request))
            : TypedResults.NotFound();

    private static async Task<Results<Ok<UploadDto>, NotFound, ProblemHttpResult>> PresignAsync(
        Guid pk, string s3UploadId, PresignRequest? body, ClaimsPrincipal user, HttpRequest request, IUploadService uploads, CancellationToken ct)
    {
        var result = await uploads.PresignPartsAsync(Actor.From(user), pk, s3UploadId, body?.PartNumbers, ct);
        return Answer(result, presigned => UploadDto.From(presigned.Upload, request) with
        {
            PresignedUrls = presigned.Parts.ToDictionary(
                p => p.PartNumber.ToString(CultureInfo.InvariantCulture),
                p => UploadUrls.Part(request, presigned.Upload, p)),
        });
    }

    private static async Task<Results<Ok, NotFound, ProblemHttpResult>> PutPartAsync(
        Guid pk, string s3UploadId, int partNumber, long? expires, string? signature, HttpContext context, IUploadService uploads)
    {
        DisableBodySizeLimit(context);
        var check = expires is { } expiresUnix
            ? uploads.CheckPartSignature(pk, s3UploadId, partNumber, expiresUnix, signature)
            : PartSignatureCheck.Invalid;
        if (check != PartSignatureCheck.Valid)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "The part URL is not valid.",
                detail: check == PartSignatureCheck.Expired
                    ? "This part URL has expired. Ask generate-presigned-urls for a new one and send the part again."
                    : "This part URL is not signed for this upload and part. Ask generate-presigned-urls for one.");
        }

        var request = context.Request;
        var result = await uploads.WritePartAsync(pk, s3UploadId, partNumber, request.Body, request.ContentLength,
            request.Headers["Content-MD5"] is { Count: > 0 } md5 ? md5.ToString() : null, context.RequestAborted);
        if (result.NotFound)
        {
            return TypedResults.NotFound();
        }

        if (!result.Succeeded)
        {
            return ApiConventions.Invalid(null, result.Error!);
        }

        context.Response.Headers.ETag = $"\"{result.Value!.ETag}\"";
        return TypedResults.Ok();
    }

    private static async Task<Results<Ok<UploadDto>, NotFound, ProblemHttpResult>> ListPartsAsync(
        Guid pk, string s3UploadId, ClaimsPrincipal user, HttpRequest request, IUploadService uploads, CancellationToken ct)
    {
        var result = await uploads.ListPartsAsync(Actor.From(user), pk, s3UploadId, ct);
        return Answer(result, listed => UploadDto.From(listed.Upload, request) with
        {
            Parts = listed.Parts.Select(p => new UploadPartDto($"\"{p.ETag}\"", p.PartNumber, p.LastModified, p.Size)).ToList(),
        });
    }

    private static async Task<Results<Ok<UploadDto>, NotFound, ProblemHttpResult>> CompleteAsync(
        Guid pk, string s3UploadId, CompleteRequest? body, ClaimsPrincipal user, HttpRequest request, IUploadService uploads, CancellationToken ct)
    {
        var parts = body?.Parts?.Select(p => new PartReference(p.PartNumber, p.ETag)).ToList();
        var result = await uploads.CompleteAsync(Actor.From(user), pk, s3UploadId, parts, ct);
        return Answer(result, upload => UploadDto.From(upload, request));
    }

    private static async Task<Results<Ok<UploadDto>, NotFound, ProblemHttpResult>> AbortAsync(
        Guid pk, string s3UploadId, ClaimsPrincipal user, HttpRequest request, IUploadService uploads, CancellationToken ct)
    {
        var result = await uploads.AbortAsync(Actor.From(user), pk, s3UploadId, ct);
        return Answer(result, upload => UploadDto.From(upload, request));
    }

    private static Results<Ok<UploadDto>, NotFound, ProblemHttpResult> Answer<T>(UploadResult<T> result, Func<T, UploadDto> map)
    {
        if (result.NotFound)
        {
            return TypedResults.NotFound();
        }

        return result.Succeeded ? TypedResults.Ok(map(result.Value!)) : ApiConventions.Invalid(null, result.Error!);
    }

    private static IResult Created(Result<UploadInfo> result, HttpRequest request) =>
        result.Succeeded
            ? TypedResults.Created(UploadUrls.Api(request, result.Value!.Id), UploadDto.From(result.Value, request))
            : ApiConventions.Invalid(result.FieldErrors, result.Error!);

    private static ProblemHttpResult UnsupportedMediaType() =>
        TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type.",
            detail: "Send JSON ({\"filename\": \"...\"}) to start an upload, or multipart/form-data with the field 'file' to upload a small file at once.");

    /// <summary>Parts and whole-file posts may be far larger than the server's default body limit; the upload limits apply while streaming.</summary>
    private static void DisableBodySizeLimit(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
    }

    private static async Task<string> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        var buffer = new byte[MaxFormFieldBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), ct)) > 0)
        {
            length += read;
        }

        if (length > MaxFormFieldBytes)
        {
            throw new InvalidDataException($"A form field other than 'file' is longer than {MaxFormFieldBytes} bytes.");
        }

        return Encoding.UTF8.GetString(buffer, 0, length).Trim();
    }
}
