using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Web.Features.Api;
using GrandChallenge.Web.Features.Cases;
using GrandChallenge.Web.Features.Components;
using Microsoft.AspNetCore.Http.HttpResults;
using static GrandChallenge.Web.Features.Api.ApiRequests;

namespace GrandChallenge.Web.Features.Archives;

/// <summary>
/// <c>/api/v1/archives/</c> and their items, with grand-challenge.org's field names. Archives are addressed by slug or id;
/// a non-public archive answers 404 to everyone without a role on it. Item values name their socket by slug
/// (<c>interface</c>) and carry <c>value</c> (JSON), <c>image</c> (an image's API URL or id) or <c>user_upload</c> (a
/// completed upload's API URL or id, for file sockets).
/// </summary>
public static class ArchiveApiEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var archives = api.MapGroup("/archives").WithTags("Archives");
        archives.MapGet("/", ListAsync).AllowAnonymous().WithSummary("Archives the caller may see, newest first; filter with ?slug=.");
        archives.MapPost("/", CreateAsync).RequireAuthorization().WithSummary("Create an archive; the creator becomes its editor.");
        archives.MapGet("/items/", ListAllItemsAsync).AllowAnonymous()
            .WithSummary("Items of one archive (?archive= its id, slug or API URL), as grand-challenge.org's clients ask.");
        archives.MapPost("/items/", CreateItemFromBodyAsync).RequireAuthorization()
            .WithSummary("Create an item: {\"archive\": id, slug or API URL, \"title\"?, \"values\"?} (editors and uploaders).");
        archives.MapGet("/items/{id:guid}/", GetItemAsync).AllowAnonymous().WithSummary("One archive item with its values.");
        archives.MapPatch("/items/{id:guid}/", UpdateItemAsync).RequireAuthorization()
            .WithSummary("Set the listed sockets' values and/or the title of an item (editors and uploaders); \"value\": null removes a socket's value.");
        archives.MapGet("/items/{id:guid}/values/{valueId:long}/file/", DownloadFileAsync).AllowAnonymous()
            .WithSummary("The file of one of an item's file-socket values (the value's \"file\" URL); supports Range and If-None-Match.");
        archives.MapDelete("/items/{id:guid}/", DeleteItemAsync).RequireAuthorization().WithSummary("Delete an item (editors).");
        archives.MapGet("/{slug}/", GetAsync).AllowAnonymous().WithSummary("One archive by slug or id.");
        archives.MapPatch("/{slug}/", UpdateAsync).RequireAuthorization().WithSummary("Change an archive's title, description, detail or public (editors).");
        archives.MapDelete("/{slug}/", DeleteAsync).RequireAuthorization()
            .WithSummary("Delete an archive with its items and roles (editors); its images and socket values stay.");
        archives.MapGet("/{slug}/items/", ListItemsAsync).AllowAnonymous()
            .WithSummary("The archive's items with their values; ?search= matches titles and image names, ?modality= filters.");
        archives.MapPost("/{slug}/items/", CreateItemAsync).RequireAuthorization()
            .WithSummary("Add an item: {\"title\"?, \"values\": [{\"interface\": slug, \"value\" | \"image\" | \"user_upload\"}]} (editors and uploaders).");
    }

    /// <summary>grand-challenge.org's <c>Archive</c>, plus slug, public and the markdown detail.</summary>
    public sealed record ArchiveDto(
        Guid Pk, string ApiUrl, string Url, string Slug, string Title, string Description, string Detail, string? Logo, bool Public,
        DateTimeOffset Created, DateTimeOffset Modified);

    /// <summary>grand-challenge.org's <c>HyperlinkedComponentInterfaceValue</c>.</summary>
    public sealed record ValueDto(long Pk, SocketApiEndpoints.SocketDto Interface, JsonNode? Value, string? File, string? Image, string? ImageName);

    /// <summary>grand-challenge.org's <c>ArchiveItem</c>.</summary>
    public sealed record ArchiveItemDto(
        Guid Pk, string ApiUrl, string Archive, string Title, IReadOnlyList<ValueDto> Values, object? HangingProtocol,
        IReadOnlyList<object> OptionalHangingProtocols, JsonObject ViewContent, DateTimeOffset Created, DateTimeOffset Modified);

    public sealed record CreateArchiveBody(string? Title, string? Slug, string? Description, string? Detail, bool? Public);

    private static readonly HashSet<string> ReadOnlyFields = ["pk", "api_url", "url", "logo", "created", "modified"];

    private static async Task<Ok<Paginated<ArchiveDto>>> ListAsync(
        HttpRequest request, ClaimsPrincipal user, IArchiveService archives, string? slug, CancellationToken ct)
    {
        var actor = Actor.From(user);
        var summaries = await archives.ListVisibleAsync(actor, slug, ct);
        var page = summaries.Page(request);
        var results = new List<ArchiveDto>();
        foreach (var summary in page.Results)
        {
            if (await archives.FindAsync(actor, summary.Id.ToString(), ct) is { } context)
            {
                results.Add(ToDto(request, context.Archive));
            }
        }

        return TypedResults.Ok(new Paginated<ArchiveDto>(page.Count, page.Next, page.Previous, results));
    }

    private static async Task<Results<Created<ArchiveDto>, ProblemHttpResult>> CreateAsync(
        CreateArchiveBody body, HttpRequest request, ClaimsPrincipal user, IArchiveService archives, CancellationToken ct)
    {
        var result = await archives.CreateAsync(Actor.From(user),
            new NewArchive(body.Title, body.Slug, body.Description, body.Detail, body.Public ?? false), ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Problem(result);
        }

        var dto = ToDto(request, result.Value!);
        return TypedResults.Created(dto.ApiUrl, dto);
    }

    private static async Task<Results<Ok<ArchiveDto>, ProblemHttpResult>> GetAsync(
        string slug, HttpRequest request, ClaimsPrincipal user, IArchiveService archives, CancellationToken ct) =>
        await archives.FindAsync(Actor.From(user), slug, ct) is { } context
            ? TypedResults.Ok(ToDto(request, context.Archive))
            : ApiConventions.NotFound(ArchiveService.NotFoundMessage);

    private static async Task<Results<Ok<ArchiveDto>, ProblemHttpResult>> UpdateAsync(
        string slug, JsonObject body, HttpRequest request, ClaimsPrincipal user, IArchiveService archives, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await archives.FindAsync(actor, slug, ct) is not { } context)
        {
            return ApiConventions.NotFound(ArchiveService.NotFoundMessage);
        }

        if (!context.IsEditor)
        {
            return ApiConventions.Forbidden(ArchiveService.NotEditorMessage);
        }

        var settings = ArchiveSettings.Of(context.Archive);
        var errors = new FieldErrors();
        foreach (var (key, value) in body)
        {
            switch (key)
            {
                case "title":
                    settings = settings with { Title = ReadString(value, key, errors) };
                    break;
                case "description":
                    settings = settings with { Description = ReadString(value, key, errors) };
                    break;
                case "detail":
                    settings = settings with { Detail = ReadString(value, key, errors) };
                    break;
                case "public":
                    if (value?.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
                    {
                        settings = settings with { Public = value.GetValue<bool>() };
                    }
                    else
                    {
                        errors.Add(key, "public must be true or false.");
                    }

                    break;
                case "slug":
                    if (value?.GetValueKind() != JsonValueKind.String || ArchiveRules.NormalizeSlug(value.GetValue<string>()) != context.Archive.Slug)
                    {
                        errors.Add(key, "The slug is the archive's address and cannot be changed.");
                    }

                    break;
                default:
                    if (!ReadOnlyFields.Contains(key))
                    {
                        errors.Add(key, $"'{key}' is not a field of an archive.");
                    }

                    break;
            }
        }

        if (errors.Any)
        {
            return ApiConventions.Problem(errors.ToResult<bool>());
        }

        var result = await archives.UpdateAsync(actor, context.Archive.Id, settings, ct);
        return result.Succeeded ? TypedResults.Ok(ToDto(request, result.Value!)) : ApiConventions.Problem(result);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string slug, ClaimsPrincipal user, IArchiveService archives, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await archives.FindAsync(actor, slug, ct) is not { } context)
        {
            return ApiConventions.NotFound(ArchiveService.NotFoundMessage);
        }

        var result = await archives.DeleteAsync(actor, context.Archive.Id, ct);
        return result.Succeeded ? TypedResults.NoContent() : ApiConventions.Problem(result);
    }

    private static async Task<Results<Ok<Paginated<ArchiveItemDto>>, ProblemHttpResult>> ListItemsAsync(
        string slug, HttpRequest request, ClaimsPrincipal user, IArchiveService archives, IArchiveItemService items, ISocketService sockets,
        string? search, string? modality, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await archives.FindAsync(actor, slug, ct) is not { } context)
        {
            return ApiConventions.NotFound(ArchiveService.NotFoundMessage);
        }

        var socketById = (await sockets.ListAsync(ct: ct)).ToDictionary(s => s.Id);
        ProblemHttpResult? failure = null;
        var page = await Pagination.PageAsync<ArchiveItemDto>(request, async (offset, limit) =>
        {
            var result = await items.ListAsync(actor, context.Archive.Id, new ArchiveItemQuery(search, modality, offset, limit), ct);
            if (!result.Succeeded)
            {
                failure = ApiConventions.Problem(result);
                return (0, Array.Empty<ArchiveItemDto>());
            }

            return (result.Value!.Count, result.Value.Items.Select(i => ToDto(request, i, socketById)).ToList());
        });
        return failure is null ? TypedResults.Ok(page) : failure;
    }

    private static async Task<Results<Ok<Paginated<ArchiveItemDto>>, ProblemHttpResult>> ListAllItemsAsync(
        HttpRequest request, ClaimsPrincipal user, IArchiveService archives, IArchiveItemService items, ISocketService sockets,
        string? archive, string? search, string? modality, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(archive))
        {
            return ApiConventions.Invalid(new Dictionary<string, string[]> { ["archive"] = ["Name the archive: ?archive=<id, slug or API URL>."] },
                "Name the archive: ?archive=<id, slug or API URL>.");
        }

        return await ListItemsAsync(LastSegment(archive), request, user, archives, items, sockets, search, modality, ct);
    }

    private static async Task<Results<Ok<ArchiveItemDto>, ProblemHttpResult>> GetItemAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IArchiveItemService items, ISocketService sockets, CancellationToken ct)
    {
        var result = await items.GetAsync(Actor.From(user), id, ct);
        return result.Succeeded ? TypedResults.Ok(ToDto(request, result.Value!, await SocketsAsync(sockets, ct))) : ApiConventions.Problem(result);
    }

    private static async Task<Results<Created<ArchiveItemDto>, ProblemHttpResult>> CreateItemAsync(
        string slug, JsonObject body, HttpRequest request, ClaimsPrincipal user, IArchiveService archives, IArchiveItemService items,
        ISocketService sockets, IUploadService uploads, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await archives.FindAsync(actor, slug, ct) is not { } context)
        {
            return ApiConventions.NotFound(ArchiveService.NotFoundMessage);
        }

        var errors = new FieldErrors();
        string? title = null;
        foreach (var (key, value) in body)
        {
            if (key == "title")
            {
                title = ReadString(value, key, errors);
            }
            else if (key is not ("values" or "archive" or "pk"))
            {
                errors.Add(key, $"'{key}' is not a field of an archive item.");
            }
        }

        if (errors.Any)
        {
            return ApiConventions.Problem(errors.ToResult<bool>());
        }

        await using var drafts = await ReadValuesAsync(actor, body["values"], uploads, ct);
        if (drafts.Error is not null)
        {
            return ApiConventions.Invalid(new Dictionary<string, string[]> { ["values"] = [drafts.Error] }, drafts.Error);
        }

        var result = await items.CreateAsync(actor, context.Archive.Id, title, drafts.Values, ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Problem(result);
        }

        var dto = ToDto(request, result.Value!, await SocketsAsync(sockets, ct));
        return TypedResults.Created(dto.ApiUrl, dto);
    }

    private static async Task<Results<Created<ArchiveItemDto>, ProblemHttpResult>> CreateItemFromBodyAsync(
        JsonObject body, HttpRequest request, ClaimsPrincipal user, IArchiveService archives, IArchiveItemService items,
        ISocketService sockets, IUploadService uploads, CancellationToken ct)
    {
        if (body["archive"] is not JsonValue archive || archive.GetValueKind() != JsonValueKind.String)
        {
            return ApiConventions.Invalid(new Dictionary<string, string[]> { ["archive"] = ["Give the archive's API URL, slug or id."] },
                "Give the archive's API URL, slug or id.");
        }

        return await CreateItemAsync(LastSegment(archive.GetValue<string>()), body, request, user, archives, items, sockets, uploads, ct);
    }

    private static async Task<Results<Ok<ArchiveItemDto>, ProblemHttpResult>> UpdateItemAsync(
        Guid id, JsonObject body, HttpRequest request, ClaimsPrincipal user, IArchiveItemService items, ISocketService sockets,
        IUploadService uploads, CancellationToken ct)
    {
        var actor = Actor.From(user);
        var existing = await items.GetAsync(actor, id, ct);
        if (!existing.Succeeded)
        {
            return ApiConventions.Problem(existing);
        }

        var errors = new FieldErrors();
        string? title = null;
        foreach (var (key, value) in body)
        {
            if (key == "title")
            {
                title = ReadString(value, key, errors);
            }
            else if (key is not ("values" or "archive" or "pk" or "api_url"))
            {
                errors.Add(key, $"'{key}' is not a field of an archive item.");
            }
        }

        if (errors.Any)
        {
            return ApiConventions.Problem(errors.ToResult<bool>());
        }

        await using var drafts = await ReadValuesAsync(actor, body["values"], uploads, ct);
        if (drafts.Error is not null)
        {
            return ApiConventions.Invalid(new Dictionary<string, string[]> { ["values"] = [drafts.Error] }, drafts.Error);
        }

        var result = await items.UpdateAsync(actor, id, title, drafts.Values, ct);
        return result.Succeeded ? TypedResults.Ok(ToDto(request, result.Value!, await SocketsAsync(sockets, ct))) : ApiConventions.Problem(result);
    }

    private static async Task<IResult> DownloadFileAsync(
        Guid id, long valueId, ClaimsPrincipal user, HttpResponse response, IArchiveItemService items, IBlobStore blobs, CancellationToken ct)
    {
        var result = await items.FindFileAsync(Actor.From(user), id, valueId, ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Problem(result);
        }

        var value = result.Value!;
        if (!blobs.Exists(value.BlobKey!))
        {
            return ApiConventions.NotFound("The file of this value is no longer stored.");
        }

        // Values never change once stored, so the id is a strong validator. Only JSON is named as such: anything else is
        // served as an attachment of unknown type, so an uploaded page or script never runs on this site's origin.
        response.Headers.XContentTypeOptions = "nosniff";
        var type = Path.GetExtension(value.FileName!).Equals(".json", StringComparison.OrdinalIgnoreCase) ? "application/json" : "application/octet-stream";
        return Results.File(blobs.OpenRead(value.BlobKey!), type, value.FileName, value.Created,
            new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"value-{value.Id}\""), enableRangeProcessing: true);
    }

    public static string FileUrl(HttpRequest request, Guid itemId, long valueId) =>
        $"{Root(request)}{ApiConventions.Prefix}/archives/items/{itemId}/values/{valueId}/file/";

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteItemAsync(
        Guid id, ClaimsPrincipal user, IArchiveItemService items, CancellationToken ct)
    {
        var result = await items.DeleteAsync(Actor.From(user), id, ct);
        return result.Succeeded ? TypedResults.NoContent() : ApiConventions.Problem(result);
    }

    /// <summary>The values of a request, with the uploads they name opened; disposing closes them.</summary>
    private sealed class ValueDrafts : IAsyncDisposable
    {
        public List<ItemValueDraft> Values { get; } = [];
        public List<OpenedUpload> Opened { get; } = [];
        public string? Error { get; set; }

        public async ValueTask DisposeAsync()
        {
            foreach (var upload in Opened)
            {
                await upload.DisposeAsync();
            }
        }
    }

    private static async Task<ValueDrafts> ReadValuesAsync(Actor actor, JsonNode? values, IUploadService uploads, CancellationToken ct)
    {
        var drafts = new ValueDrafts();
        if (values is null)
        {
            return drafts;
        }

        if (values is not JsonArray array)
        {
            drafts.Error = "values must be a list of {\"interface\": slug, \"value\" | \"image\" | \"user_upload\"}.";
            return drafts;
        }

        foreach (var node in array)
        {
            if (node is not JsonObject entry || entry["interface"] is not JsonValue socketNode || socketNode.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
            {
                drafts.Error = "Each value needs \"interface\": the socket's slug.";
                return drafts;
            }

            var socket = socketNode.ToString();
            if (entry.TryGetPropertyValue("image", out var image) && image is not null)
            {
                if (image.GetValueKind() != JsonValueKind.String || !Guid.TryParse(LastSegment(image.GetValue<string>()), out var imageId))
                {
                    drafts.Error = $"{socket}: image must be an image's API URL or id.";
                    return drafts;
                }

                drafts.Values.Add(ItemValueDraft.OfImage(socket, imageId));
            }
            else if (entry.TryGetPropertyValue("user_upload", out var upload) && upload is not null)
            {
                if (upload.GetValueKind() != JsonValueKind.String || !Guid.TryParse(LastSegment(upload.GetValue<string>()), out var uploadId))
                {
                    drafts.Error = $"{socket}: user_upload must be an upload's API URL or id.";
                    return drafts;
                }

                var opened = await uploads.OpenCompletedAsync(actor, uploadId, ct);
                if (!opened.Succeeded)
                {
                    drafts.Error = opened.NotFound ? $"{socket}: no such upload of yours." : $"{socket}: {opened.Error}";
                    return drafts;
                }

                drafts.Opened.Add(opened.Value!);
                drafts.Values.Add(ItemValueDraft.OfFile(socket, opened.Value!.Content, opened.Value.Info.Filename));
            }
            else if (entry.TryGetPropertyValue("value", out var value))
            {
                // grand-challenge.org's client sends every key, unused ones null: only a value with nothing else given removes.
                if (value is null && Given(entry, "file", "user_uploads", "upload_session") is { } other)
                {
                    drafts.Error = $"{socket}: {other} is not taken here; give \"value\", \"image\" or \"user_upload\".";
                    return drafts;
                }

                drafts.Values.Add(value is null ? ItemValueDraft.Removal(socket) : ItemValueDraft.OfJson(socket, value.DeepClone()));
            }
            else
            {
                drafts.Error = $"{socket}: give \"value\", \"image\" or \"user_upload\".";
                return drafts;
            }
        }

        return drafts;
    }

    private static string? Given(JsonObject entry, params string[] keys) =>
        keys.FirstOrDefault(k => entry.TryGetPropertyValue(k, out var node) && node is not null);

    public static ArchiveDto ToDto(HttpRequest request, Archive a)
    {
        var root = Root(request);
        return new ArchiveDto(a.Id, $"{root}{ApiConventions.Prefix}/archives/{a.Id}/", $"{root}/archives/{a.Slug}", a.Slug, a.Title,
            a.Description, a.Detail, null, a.Public, a.Created, a.Modified);
    }

    public static ArchiveItemDto ToDto(HttpRequest request, ArchiveItemView item, IReadOnlyDictionary<int, Socket> sockets)
    {
        var root = Root(request);
        return new ArchiveItemDto(
            item.Id,
            $"{root}{ApiConventions.Prefix}/archives/items/{item.Id}/",
            $"{root}{ApiConventions.Prefix}/archives/{item.ArchiveId}/",
            item.Title,
            item.Values.Select(v => new ValueDto(
                v.ValueId,
                SocketApiEndpoints.ToDto(sockets[v.SocketId]),
                v.JsonValue is null ? null : JsonNode.Parse(v.JsonValue),
                v.FileName is null ? null : FileUrl(request, item.Id, v.ValueId),
                v.ImageId is { } imageId ? ImageApiEndpoints.ApiUrl(request, imageId) : null,
                v.ImageName)).ToList(),
            null,
            [],
            new JsonObject(),
            item.Created,
            item.Modified);
    }

    private static async Task<IReadOnlyDictionary<int, Socket>> SocketsAsync(ISocketService sockets, CancellationToken ct) =>
        (await sockets.ListAsync(ct: ct)).ToDictionary(s => s.Id);
}
