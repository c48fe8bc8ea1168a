using System.Collections.Concurrent;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Imaging.Import;
using GrandChallenge.Domain.Imaging.Tiff;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Imaging.Rendering;

/// <summary>
/// PNG slices and thumbnails of stored images, for <c>GET /api/v1/cases/images/{id}/slices/{axis}/{index}.png</c>.
/// The caller loads the <see cref="Image"/> with its <see cref="Image.Files"/> and checks the user may view it; this
/// service reads the image's <c>.mha</c> (memory-mapped) or TIFF from the blob store and keeps rendered slices in
/// <see cref="RenderedSliceCache"/>.
/// <example>
/// <code>
/// var request = SliceRequest.Parse(axis, index, timepoint ?? 0, windowCenter, windowWidth, size);
/// var slice = await slices.RenderSliceAsync(image, request, ct);
/// if (ifNoneMatch == slice.ETag) return Results.StatusCode(304);
/// return Results.Bytes(slice.Png, "image/png", entityTag: new EntityTagHeaderValue(slice.ETag));
/// </code>
/// </example>
/// Errors: <see cref="SliceRequestException"/> for a bad axis, window or size (400), its subclass
/// <see cref="SliceOutOfRangeException"/> for an index or timepoint outside the image (404),
/// <see cref="ImageNotRenderableException"/> when the image has no readable stored file (404), and
/// <see cref="ImageFormatException"/> when the stored file is damaged.
/// </summary>
public interface IImageSliceService
{
    Task<RenderedSlice> RenderSliceAsync(Image image, SliceRequest request, CancellationToken ct = default);

    /// <summary>The middle z slice of the first timepoint in the stored window, within 256×256 pixels.</summary>
    Task<RenderedSlice> ThumbnailAsync(Image image, CancellationToken ct = default);
}

public sealed class ImageSliceService(IBlobStore blobs, RenderedSliceCache cache, IOptions<SliceRenderingOptions> options)
    : IImageSliceService
{
    private readonly ConcurrentDictionary<string, Lazy<string>> _decompressed = new(StringComparer.Ordinal);

    public Task<RenderedSlice> RenderSliceAsync(Image image, SliceRequest request, CancellationToken ct = default)
    {
        request.Validated();
        var key = SliceCacheKey.For(image.Id, request);
        if (cache.TryGet(key, out var cached))
        {
            return Task.FromResult(cached);
        }

        var file = StoredFile(image);
        return Task.Run(
            () =>
            {
                using var source = Open(file, ct);
                var slice = SliceRenderer.Render(source, request);
                cache.Add(key, slice);
                return slice;
            },
            ct);
    }

    public Task<RenderedSlice> ThumbnailAsync(Image image, CancellationToken ct = default) =>
        RenderSliceAsync(image, new SliceRequest(SliceAxis.Z, (image.Depth ?? 1) / 2, 0, null, null, SliceRenderer.ThumbnailSize), ct);

    private ImageFile StoredFile(Image image) =>
        image.Files.FirstOrDefault(f => f.ImageType == ImageFileType.Mhd && f.FileName.EndsWith(".mha", StringComparison.OrdinalIgnoreCase))
        ?? image.Files.FirstOrDefault(f => f.ImageType == ImageFileType.Tiff)
        ?? throw new ImageNotRenderableException($"Image {image.Id} has no stored .mha or TIFF file to render.");

    private ISliceSource Open(ImageFile file, CancellationToken ct)
    {
        var key = file.BlobKey;
        if (!blobs.Exists(key))
        {
            throw new ImageNotRenderableException($"The stored file {file.FileName} of image {file.ImageId} is missing.");
        }

        var path = blobs.LocalPath(key);
        if (file.ImageType == ImageFileType.Tiff)
        {
            return new TiffSliceSource(path);
        }

        if (MappedMetaImageSliceSource.TryOpenMapped(path) is { } mapped)
        {
            return mapped;
        }

        // Compressed (or otherwise unmappable): decompress once into scratch space, then map that copy.
        ct.ThrowIfCancellationRequested();
        var copy = _decompressed.GetOrAdd(path, p => new Lazy<string>(() => Decompress(p, file.Id))).Value;
        return MappedMetaImageSliceSource.TryOpenMapped(copy) ?? MappedMetaImageSliceSource.Open(copy);
    }

    private string Decompress(string path, Guid fileId)
    {
        var directory = options.Value.ScratchDirectory ?? Path.Combine(Path.GetTempPath(), "gc-slice-scratch");
        Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, $"{fileId:N}.mha");
        if (File.Exists(target))
        {
            return target;
        }

        var partial = target + $".{Guid.NewGuid():N}.part";
        try
        {
            using (var volume = MetaImageReader.Read(path, new ImageReadOptions { TemporaryDirectory = directory }))
            {
                MetaImageWriter.Write(volume, partial, compress: false);
            }

            File.Move(partial, target, overwrite: true);
            return target;
        }
        catch
        {
            File.Delete(partial);
            _decompressed.TryRemove(path, out _);
            throw;
        }
    }
}

public static class ImageRenderingServiceCollectionExtensions
{
    /// <summary>
    /// The slice service, its cache (<c>SliceRendering</c> options) and the TIFF image builder. Registering twice is harmless.
    /// </summary>
    public static IServiceCollection AddImageRendering(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IImageBuilder, TiffImageBuilder>());
        if (services.Any(d => d.ServiceType == typeof(IImageSliceService)))
        {
            return services;
        }

        services.AddOptions<SliceRenderingOptions>().BindConfiguration(SliceRenderingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => new RenderedSliceCache(sp.GetRequiredService<IOptions<SliceRenderingOptions>>().Value.CacheBytes));
        services.TryAddSingleton<IImageSliceService, ImageSliceService>();
        return services;
    }
}
