namespace GrandChallenge.Domain.Imaging.Import;

/// <summary>
/// Turns some of an upload's files into images (panimg's image builders). The import runs every builder in
/// <see cref="Order"/> on the files no earlier builder consumed; a builder returns the images it built, the files
/// they consumed, and a message for each file it recognised but could not build (a DICOM series with a missing
/// slice, a truncated .mha). Files a builder does not recognise it leaves alone, without an error.
/// </summary>
public interface IImageBuilder
{
    /// <summary>Lower runs first: MetaImage 10, NIfTI 20, DICOM 30, TIFF 40, PNG/JPEG 50.</summary>
    int Order { get; }

    ImageBuildResult Build(IReadOnlyList<string> files, ImageBuildContext context, CancellationToken ct);
}

/// <summary>What every builder of one import shares.</summary>
/// <param name="WorkDirectory">A private scratch directory of this import, deleted afterwards.</param>
/// <param name="DeidentificationKey">The destination's key (≥ 16 bytes) for DICOM pseudonyms and remapped UIDs; null uses a per-import random key.</param>
/// <param name="ReadOptions">Memory and size limits for reading pixels.</param>
public sealed record ImageBuildContext(string WorkDirectory, byte[]? DeidentificationKey, ImageReadOptions ReadOptions);

/// <summary>One image a builder made: a volume stored as <c>.mha</c>, or a (pyramidal) TIFF file stored as it is.</summary>
public sealed class BuiltImage : IDisposable
{
    public required string Name { get; init; }
    /// <summary>The voxels, geometry and (already de-identified) DICOM tags in <see cref="ImageVolume.Tags"/>; null for a TIFF.</summary>
    public ImageVolume? Volume { get; init; }
    /// <summary>A TIFF the builder wrote or checked under the work directory; null for a volume.</summary>
    public TiffDescription? Tiff { get; init; }
    /// <summary>The input files (full paths) this image was built from.</summary>
    public required IReadOnlyList<string> ConsumedFiles { get; init; }

    public void Dispose() => Volume?.Dispose();
}

/// <summary>What the import records about a stored TIFF image.</summary>
public sealed record TiffDescription(
    string Path, int Width, int Height, int Channels, PixelType PixelType, ColorSpace ColorSpace, int ResolutionLevels,
    double? VoxelWidthMm, double? VoxelHeightMm);

/// <summary>The outcome of one builder on one set of files.</summary>
public sealed class ImageBuildResult
{
    public List<BuiltImage> Images { get; } = [];
    /// <summary>Full paths of files that became part of an image or were recognised and refused: later builders skip them.</summary>
    public HashSet<string> ConsumedFiles { get; } = new(StringComparer.Ordinal);
    /// <summary>Full path → why it became no image.</summary>
    public Dictionary<string, string> FileErrors { get; } = new(StringComparer.Ordinal);

    public static ImageBuildResult Empty => new();

    public void AddError(string file, string message)
    {
        FileErrors[file] = message;
        ConsumedFiles.Add(file);
    }

    public void AddImage(BuiltImage image)
    {
        Images.Add(image);
        ConsumedFiles.UnionWith(image.ConsumedFiles);
    }
}
