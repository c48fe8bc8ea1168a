namespace GrandChallenge.Domain.Imaging.Rendering;

/// <summary>The shape of what a slice source holds.</summary>
public sealed record SliceSourceInfo(
    int Width,
    int Height,
    int Depth,
    int Timepoints,
    int Channels,
    PixelType PixelType,
    ColorSpace ColorSpace,
    double? WindowCenter,
    double? WindowWidth)
{
    public int Count(SliceAxis axis) => axis switch
    {
        SliceAxis.X => Width,
        SliceAxis.Y => Height,
        _ => Depth,
    };
}

/// <summary>
/// The raw elements of one slice, little endian, channels interleaved, row after row. A Z slice has the image's x
/// across and y down, a Y slice x across and z down, an X slice y across and z down (row r is z = r).
/// </summary>
public sealed record SlicePlane(int Width, int Height, int Channels, PixelType PixelType, byte[] Data);

/// <summary>Where slices come from: a volume in memory, a memory-mapped .mha, a TIFF.</summary>
public interface ISliceSource : IDisposable
{
    SliceSourceInfo Info { get; }

    /// <summary>
    /// The slice at <paramref name="index"/> along <paramref name="axis"/>. Sources with several resolutions (TIFF
    /// pyramids) may return a smaller plane that still covers <paramref name="maxSize"/>; the renderer shrinks the rest.
    /// Throws <see cref="SliceOutOfRangeException"/> for an index or timepoint outside the image.
    /// </summary>
    SlicePlane ReadSlice(SliceAxis axis, int index, int timepoint, int? maxSize);
}
