using System.Security.Claims;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Rendering;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace GrandChallenge.Web.Features.Cases;

/// <summary>
/// PNG pictures of stored images: one slice along any axis with a window, and a thumbnail. Rendered slices are cached
/// (<see cref="RenderedSliceCache"/>) and carry a strong ETag, so a browser that scrolls back asks with If-None-Match and
/// gets 304. Images the caller may not see answer 404, as the metadata endpoint does.
/// </summary>
public static class ImageSliceApiEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var images = api.MapGroup("/cases/images").WithTags("Cases").AllowAnonymous();
        images.MapGet("/{id:guid}/slices/{axis}/{index:int}.png", SliceAsync)
            .WithSummary("One slice as PNG: axis x|y|z (or sagittal|coronal|axial); window_center, window_width, timepoint and size (fit in a square of that many pixels) are optional.");
        images.MapGet("/{id:guid}/thumbnail/", ThumbnailAsync).WithSummary("The middle axial slice within 256×256 pixels, as PNG.");
    }

    private static async Task<IResult> SliceAsync(
        Guid id, string axis, int index, [FromQuery(Name = "window_center")] double? windowCenter, [FromQuery(Name = "window_width")] double? windowWidth,
        int? timepoint, int? size,
        ClaimsPrincipal user, IImageAccess access, IImageSliceService slices, CancellationToken ct)
    {
        if (await access.FindAsync(Actor.From(user), id, ct) is not { } image)
        {
            return NotFound(ImageApiEndpoints.NotFoundMessage);
        }

        if (windowCenter.HasValue != windowWidth.HasValue)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid slice request.",
                detail: "Give both window_center and window_width, or neither for the image's own window.");
        }

        return await RenderAsync(() => slices.RenderSliceAsync(image, SliceRequest.Parse(axis, index, timepoint ?? 0, windowCenter, windowWidth, size), ct));
    }

    private static async Task<IResult> ThumbnailAsync(Guid id, ClaimsPrincipal user, IImageAccess access, IImageSliceService slices, CancellationToken ct) =>
        await access.FindAsync(Actor.From(user), id, ct) is { } image
            ? await RenderAsync(() => slices.ThumbnailAsync(image, ct))
            : NotFound(ImageApiEndpoints.NotFoundMessage);

    private static async Task<IResult> RenderAsync(Func<Task<RenderedSlice>> render)
    {
        try
        {
            var slice = await render();
            // Results.Bytes answers If-None-Match with 304 itself; private: whether one may see it depends on who asks.
            return new CachedPng(slice);
        }
        catch (SliceOutOfRangeException e)
        {
            return NotFound(e.Message);
        }
        catch (SliceRequestException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid slice request.", detail: e.Message);
        }
        catch (ImageNotRenderableException e)
        {
            return NotFound(e.Message);
        }
        catch (ImageFormatException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The stored image cannot be read.", detail: e.Message);
        }
    }

    private static IResult NotFound(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: detail);

    private sealed class CachedPng(RenderedSlice slice) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.CacheControl = "private, max-age=3600";
            return Results.Bytes(slice.Png, "image/png", entityTag: EntityTagHeaderValue.Parse(slice.ETag)).ExecuteAsync(httpContext);
        }
    }
}
