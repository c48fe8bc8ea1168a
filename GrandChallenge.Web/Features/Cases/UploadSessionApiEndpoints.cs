using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Web.Features.Api;
using GrandChallenge.Web.Features.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GrandChallenge.Web.Features.Cases;

/// <summary>
/// <c>/api/v1/cases/upload-sessions/</c>: send image files (or finished uploads) to be imported into an archive or onto
/// an archive item's socket, then poll the session. Only its creator and site admins see a session (404 otherwise).
/// </summary>
public static class UploadSessionApiEndpoints
{
    private const long MultipartOverheadBytes = 1 << 20;
    private const int MaxFieldLength = 4096;

    public static void Map(RouteGroupBuilder api)
    {
        var sessions = api.MapGroup("/cases/upload-sessions").RequireAuthorization().WithTags("Upload sessions");
        sessions.MapGet("/", ListAsync).WithSummary("Your upload sessions, newest first.");
        sessions.MapGet("/{id:guid}/", GetAsync).WithSummary("One upload session: status, errors per file and the images it made.");
        sessions.MapPost("/{id:guid}/cancel/", CancelAsync)
            .WithSummary("Cancel a session that is still queued or importing (its creator, site admins): it becomes Cancelled and keeps no images.");
        sessions.MapPost("/", CreateAsync)
            .Accepts<CreateUploadSessionRequest>("application/json", "multipart/form-data")
            .WithSummary("Import images: multipart/form-data with the fields archive (slug or id), or archive_item and socket, and upload_ids "
                         + "(finished uploads, used up), all before the files (field files, at most 100, distinct names; zip them for more); "
                         + "or JSON {uploads: [upload ids or URLs], archive | archive_item + interface}. The import runs in the background.");
    }

    /// <summary>grand-challenge.org's JSON body; <c>interface</c> is the socket's slug.</summary>
    public sealed record CreateUploadSessionRequest(
        IReadOnlyList<string>? Uploads,
        [property: JsonPropertyName("upload_ids")] IReadOnlyList<string>? UploadIds,
        string? Archive,
        [property: JsonPropertyName("archive_item")] string? ArchiveItem,
        string? Interface,
        string? Socket);

    /// <summary>An upload session as the API shows it.</summary>
    public sealed record UploadSessionDto(
        Guid Pk,
        string ApiUrl,
        Guid? Creator,
        string Status,
        string ErrorMessage,
        IReadOnlyDictionary<string, string> FileErrors,
        IReadOnlyList<Guid> Images,
        IReadOnlyList<string> ImageSet,
        int FilesProcessed,
        int FilesTotal,
        Guid? Archive,
        Guid? ArchiveItem,
        DateTimeOffset Created);

    private static async Task<Ok<Paginated<UploadSessionDto>>> ListAsync(HttpRequest request, ClaimsPrincipal principal, IUploadSessionService sessions, CancellationToken ct) =>
        TypedResults.Ok(await Pagination.PageAsync(request, async (offset, limit) =>
        {
            var (count, items) = await sessions.ListAsync(Actor.From(principal), offset, limit, ct);
            return (count, (IReadOnlyList<UploadSessionDto>)items.Select(s => ToDto(request, s)).ToList());
        }));

    private static async Task<Results<Ok<UploadSessionDto>, NotFound>> GetAsync(
        Guid id, HttpRequest request, ClaimsPrincipal principal, IUploadSessionService sessions, CancellationToken ct) =>
        await sessions.GetAsync(Actor.From(principal), id, ct) is { Succeeded: true } result
            ? TypedResults.Ok(ToDto(request, result.Value!))
            : TypedResults.NotFound();

    private static async Task<Results<Ok<UploadSessionDto>, ProblemHttpResult>> CancelAsync(
        Guid id, HttpRequest request, ClaimsPrincipal principal, IUploadSessionService sessions, CancellationToken ct)
    {
        var result = await sessions.CancelAsync(Actor.From(principal), id, ct);
        if (result.Succeeded)
        {
            return TypedResults.Ok(ToDto(request, result.Value!));
        }

        return result.Kind == FailureKind.NotFound
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: result.Error)
            : ApiConventions.Invalid(result.FieldErrors, result.Error!);
    }

    private static async Task<IResult> CreateAsync(
        HttpContext context, ClaimsPrincipal principal, IUploadSessionService sessions, IOptions<UploadOptions> uploadOptions,
        IAntiforgery antiforgery, IOptions<AntiforgeryOptions> antiforgeryOptions, CancellationToken ct)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
        {
            return UnsupportedMediaType();
        }

        if (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            CreateUploadSessionRequest? body;
            try
            {
                body = await request.ReadFromJsonAsync<CreateUploadSessionRequest>(ApiConventions.Json, ct);
            }
            catch (JsonException e)
            {
                throw new BadHttpRequestException("The body is not valid JSON.", StatusCodes.Status400BadRequest, e);
            }

            var ids = (body?.Uploads ?? []).Concat(body?.UploadIds ?? []).ToList();
            return await SubmitAsync(request, principal, sessions, body?.Archive, body?.ArchiveItem, body?.Interface ?? body?.Socket, ids, NoFiles(), ct);
        }

        if (!mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return UnsupportedMediaType();
        }

        if (!ApiTokenAuthenticationHandler.HasToken(request)
            && (!request.Headers.ContainsKey(antiforgeryOptions.Value.HeaderName ?? "RequestVerificationToken") || !await antiforgery.IsRequestValidAsync(context)))
        {
            // A browser session must prove the request comes from our own pages; by header, so the body is never buffered.
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request is invalid.",
                detail: "Send an API token, or the antiforgery token in the RequestVerificationToken header.");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = uploadOptions.Value.MaxUploadBytes + MultipartOverheadBytes;
        }

        var reader = new MultipartReader(boundary, request.Body);
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var uploadIds = new List<string>();
        MultipartSection? firstFile = null;
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }

            if (disposition.IsFileDisposition())
            {
                firstFile = section;
                break;
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            var value = await ReadFieldAsync(section.Body, ct);
            if (name is "upload_ids" or "uploads")
            {
                uploadIds.AddRange(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
            else
            {
                fields[name] = value;
            }
        }

        return await SubmitAsync(request, principal, sessions, fields.GetValueOrDefault("archive"), fields.GetValueOrDefault("archive_item"),
            fields.GetValueOrDefault("socket") ?? fields.GetValueOrDefault("interface"), uploadIds, FilesOf(reader, firstFile, ct), ct);
    }

    private static async Task<IResult> SubmitAsync(
        HttpRequest request, ClaimsPrincipal principal, IUploadSessionService sessions, string? archive, string? archiveItem, string? socket,
        IReadOnlyList<string> uploadIds, IAsyncEnumerable<UploadedFile> files, CancellationToken ct)
    {
        Guid? itemId = null;
        if (archiveItem is { Length: > 0 })
        {
            if (!Guid.TryParse(LastSegment(archiveItem), out var parsed))
            {
                return ApiConventions.Invalid(Error("archive_item", "The archive item must be its id."), "The archive item must be its id.");
            }

            itemId = parsed;
        }

        var ids = new List<Guid>();
        foreach (var text in uploadIds)
        {
            // gcapi sends an upload's api_url; its last segment is the id.
            if (!Guid.TryParse(LastSegment(text), out var id))
            {
                return ApiConventions.Invalid(Error("upload_ids", $"'{text}' is not the id of an upload."), $"'{text}' is not the id of an upload.");
            }

            ids.Add(id);
        }

        var result = await sessions.CreateAsync(Actor.From(principal), new UploadSessionTarget(archive, itemId, socket), ids, files, ct);
        if (!result.Succeeded)
        {
            return result.Kind switch
            {
                FailureKind.Forbidden => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "You may not do this.", detail: result.Error),
                FailureKind.NotFound => TypedResults.NotFound(),
                _ => ApiConventions.Invalid(result.FieldErrors, result.Error!),
            };
        }

        var dto = ToDto(request, result.Value!);
        return TypedResults.Created(dto.ApiUrl, dto);
    }

    private static async IAsyncEnumerable<UploadedFile> FilesOf(MultipartReader reader, MultipartSection? section, [EnumeratorCancellation] CancellationToken ct)
    {
        while (section is not null)
        {
            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) && disposition.IsFileDisposition())
            {
                var field = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (field is not ("files" or "file"))
                {
                    throw new BadHttpRequestException($"Send the files in the field 'files', not '{field}'.");
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
                yield return new UploadedFile(name, section.Body);
            }
            else
            {
                throw new BadHttpRequestException("Send the fields archive, archive_item, socket and upload_ids before the files.");
            }

            section = await reader.ReadNextSectionAsync(ct);
        }
    }

#pragma warning disable CS1998 // an empty async stream
    private static async IAsyncEnumerable<UploadedFile> NoFiles()
    {
        yield break;
    }
#pragma warning restore CS1998

    public static UploadSessionDto ToDto(HttpRequest request, UploadSessionView view)
    {
        var s = view.Session;
        var root = $"{request.Scheme}://{request.Host}{request.PathBase}{ApiConventions.Prefix}";
        return new UploadSessionDto(
            s.Id,
            $"{root}/cases/upload-sessions/{s.Id}/",
            s.CreatorId,
            UploadSessions.Label(s.Status),
            s.ErrorMessage,
            s.FileErrors,
            view.ImageIds,
            view.ImageIds.Select(id => $"{root}/cases/images/{id}/").ToList(),
            s.FilesProcessed,
            s.FilesTotal,
            s.ArchiveId,
            s.ArchiveItemId,
            s.Created);
    }

    private static string LastSegment(string text) => text.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";

    private static ProblemHttpResult UnsupportedMediaType() =>
        TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The request is invalid.",
            detail: "Send multipart/form-data (fields, then the files) or JSON.");

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

        return new string(buffer, 0, read).Trim();
    }
}
