using System.Security.Claims;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Features.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace GrandChallenge.Web.Features.Cases;

/// <summary>
/// <c>/api/v1/cases/images/</c>: an image's metadata with grand-challenge.org's names, and its stored files with range
/// requests and ETags. An image the caller may not see (see <see cref="IImageAccess"/>) answers 404.
/// </summary>
public static class ImageApiEndpoints
{
    public const string NotFoundMessage = "No such image, or it is hidden from you.";

    public static void Map(RouteGroupBuilder api)
    {
        var images = api.MapGroup("/cases/images").WithTags("Cases").AllowAnonymous();
        images.MapGet("/{id:guid}/", GetAsync).WithSummary("One image: shape, spacing, window, modality and files.");
        images.MapGet("/{id:guid}/files/{fileId:guid}/", DownloadAsync)
            .WithSummary("One stored file of an image (MHA, TIFF); supports Range and If-None-Match.");
    }

    /// <summary>A stored file: <c>image_type</c> is MHD or TIFF, as grand-challenge.org names them.</summary>
    public sealed record ImageFileDto(Guid Pk, string Image, string File, string ImageType);

    public sealed record ModalityDto(string Modality);

    /// <summary>
    /// grand-challenge.org's <c>HyperlinkedImage</c>. <c>shape_without_color</c> is [t?, z?, y, x] (the optional axes only
    /// when the image has them) and <c>shape</c> adds the colour components when there is more than one.
    /// </summary>
    public sealed record ImageDto(
        Guid Pk,
        string ApiUrl,
        string Name,
        int Width,
        int Height,
        int? Depth,
        int? Timepoints,
        IReadOnlyList<int> Shape,
        IReadOnlyList<int> ShapeWithoutColor,
        double? VoxelWidthMm,
        double? VoxelHeightMm,
        double? VoxelDepthMm,
        string ColorSpace,
        double? WindowCenter,
        double? WindowWidth,
        ModalityDto? Modality,
        IReadOnlyList<int>? Segments,
        int? ResolutionLevels,
        string EyeChoice,
        string? StereoscopicChoice,
        string? FieldOfView,
        object? DicomImageSet,
        IReadOnlyList<ImageFileDto> Files,
        DateTimeOffset Created);

    public static IReadOnlyList<int> ShapeWithoutColor(Image image)
    {
        var shape = new List<int>(4);
        if (image.Timepoints is { } t)
        {
            shape.Add(t);
        }

        if (image.Depth is { } z)
        {
            shape.Add(z);
        }

        shape.Add(image.Height);
        shape.Add(image.Width);
        return shape;
    }

    public static IReadOnlyList<int> Shape(Image image) =>
        image.Channels > 1 ? [.. ShapeWithoutColor(image), image.Channels] : ShapeWithoutColor(image);

    public static string ApiUrl(HttpRequest request, Guid imageId) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{ApiConventions.Prefix}/cases/images/{imageId}/";

    public static ImageDto ToDto(HttpRequest request, Image image)
    {
        var url = ApiUrl(request, image.Id);
        return new ImageDto(
            image.Id,
            url,
            image.Name,
            image.Width,
            image.Height,
            image.Depth,
            image.Timepoints,
            Shape(image),
            ShapeWithoutColor(image),
            image.VoxelWidthMm,
            image.VoxelHeightMm,
            image.VoxelDepthMm,
            image.ColorSpace,
            image.WindowCenter,
            image.WindowWidth,
            image.Modality is { Length: > 0 } modality ? new ModalityDto(modality) : null,
            image.Segments,
            image.ResolutionLevels,
            "NA",
            null,
            null,
            null,
            image.Files.Where(f => f.ImageType != ImageFileType.Thumbnail)
                .Select(f => new ImageFileDto(f.Id, url, $"{url}files/{f.Id}/", TypeName(f.ImageType)))
                .ToList(),
            image.Created);
    }

    public static string TypeName(ImageFileType type) => type switch
    {
        ImageFileType.Mhd => "MHD",
        ImageFileType.Tiff => "TIFF",
        _ => "THUMBNAIL",
    };

    private static async Task<Results<Ok<ImageDto>, ProblemHttpResult>> GetAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, IImageAccess access, CancellationToken ct) =>
        await access.FindAsync(Actor.From(user), id, ct) is { } image
            ? TypedResults.Ok(ToDto(request, image))
            : ApiConventions.NotFound(NotFoundMessage);

    private static async Task<IResult> DownloadAsync(
        Guid id, Guid fileId, ClaimsPrincipal user, IImageAccess access, IBlobStore blobs, CancellationToken ct)
    {
        var file = (await access.FindAsync(Actor.From(user), id, ct))?.Files.FirstOrDefault(f => f.Id == fileId);
        if (file is null || !blobs.Exists(file.BlobKey))
        {
            return ApiConventions.NotFound("No such file of this image, or the image is hidden from you.");
        }

        // Files never change once stored, so their id (or content hash) is a strong validator.
        var tag = new EntityTagHeaderValue($"\"{(file.Sha256.Length > 0 ? file.Sha256 : file.Id.ToString("N"))}\"");
        return Results.File(blobs.OpenRead(file.BlobKey), ContentType(file), file.FileName, file.Created, tag, enableRangeProcessing: true);
    }

    private static string ContentType(ImageFile file) => Path.GetExtension(file.FileName).ToLowerInvariant() switch
    {
        ".tif" or ".tiff" => "image/tiff",
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    };
}
