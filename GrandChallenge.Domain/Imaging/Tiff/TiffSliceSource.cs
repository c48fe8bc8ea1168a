using GrandChallenge.Domain.Imaging.Rendering;

namespace GrandChallenge.Domain.Imaging.Tiff;

/// <summary>
/// The one (z = 0) slice of a TIFF, read from the pyramid level that best fits the requested size: the smallest level
/// whose longer side still covers it, so a thumbnail of a gigapixel slide decodes a few hundred kilobytes.
/// </summary>
public sealed class TiffSliceSource : ISliceSource
{
    private readonly TiffPyramid _pyramid;
    private readonly Lock _lock = new();

    public TiffSliceSource(string path)
    {
        _pyramid = TiffPyramid.Open(path);
        Info = new SliceSourceInfo(_pyramid.Width, _pyramid.Height, 1, 1, _pyramid.Channels, _pyramid.PixelType, _pyramid.ColorSpace, null, null);
    }

    public SliceSourceInfo Info { get; }

    public TiffPyramid Pyramid => _pyramid;

    public SlicePlane ReadSlice(SliceAxis axis, int index, int timepoint, int? maxSize)
    {
        if (axis != SliceAxis.Z)
        {
            throw new SliceRequestException("A TIFF image is 2-D: only its z slice 0 can be shown.");
        }

        if (index != 0)
        {
            throw new SliceOutOfRangeException($"Slice {index} is outside the image: along z it has 1 slice (0 to 0).");
        }

        if (timepoint != 0)
        {
            throw new SliceOutOfRangeException($"Timepoint {timepoint} is outside the image: it has 1 timepoint (0 to 0).");
        }

        lock (_lock)
        {
            return _pyramid.ReadLevel(_pyramid.LevelFor(maxSize));
        }
    }

    public void Dispose() => _pyramid.Dispose();
}
