using GrandChallenge.Domain.Imaging.Import;

namespace GrandChallenge.Domain.Imaging.Tiff;

/// <summary>
/// Builds an image from each <c>.tif</c>/<c>.tiff</c> file, stored as it is: striped or tiled, single page or a
/// pyramid, 8/16-bit grey or RGB. A file that LibTiff cannot open or decode (corrupt, truncated, unsupported layout)
/// becomes a per-file error.
/// </summary>
public sealed class TiffImageBuilder : IImageBuilder
{
    public int Order => 40;

    public ImageBuildResult Build(IReadOnlyList<string> files, ImageBuildContext context, CancellationToken ct)
    {
        var result = new ImageBuildResult();
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            var extension = Path.GetExtension(file);
            if (!extension.Equals(".tif", StringComparison.OrdinalIgnoreCase) && !extension.Equals(".tiff", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            try
            {
                result.AddImage(new BuiltImage
                {
                    Name = Path.GetFileName(file),
                    Tiff = Describe(file),
                    ConsumedFiles = [file],
                });
            }
            catch (ImageFormatException e)
            {
                result.AddError(file, e.Message);
            }
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
            {
                result.AddError(file, $"{Path.GetFileName(file)} is not a readable TIFF file ({e.Message}).");
            }
        }

        return result;
    }

    /// <summary>Opens and validates the TIFF at <paramref name="path"/>; throws <see cref="ImageFormatException"/>.</summary>
    public static TiffDescription Describe(string path)
    {
        using var pyramid = TiffPyramid.Open(path);
        pyramid.Validate();
        return new TiffDescription(
            path, pyramid.Width, pyramid.Height, pyramid.Channels, pyramid.PixelType, pyramid.ColorSpace, pyramid.Levels.Count,
            pyramid.VoxelWidthMm, pyramid.VoxelHeightMm);
    }
}
