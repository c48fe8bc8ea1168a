namespace GrandChallenge.Domain.Imaging.Rendering;

/// <summary>
/// Cuts slices out of voxels laid out as <see cref="PixelBuffer"/> lays them (x fastest, then y, z, t): a Z slice is
/// one read, a Y slice one read per z, an X slice one read per (y, z).
/// </summary>
public abstract class LaidOutSliceSource : ISliceSource
{
    public abstract SliceSourceInfo Info { get; }

    public SlicePlane ReadSlice(SliceAxis axis, int index, int timepoint, int? maxSize)
    {
        var info = Info;
        var count = info.Count(axis);
        if (index < 0 || index >= count)
        {
            throw new SliceOutOfRangeException(
                $"Slice {index} is outside the image: along {axis.ToString().ToLowerInvariant()} it has {count} slice{(count == 1 ? "" : "s")} (0 to {count - 1}).");
        }

        if (timepoint < 0 || timepoint >= info.Timepoints)
        {
            throw new SliceOutOfRangeException(
                $"Timepoint {timepoint} is outside the image: it has {info.Timepoints} timepoint{(info.Timepoints == 1 ? "" : "s")} (0 to {info.Timepoints - 1}).");
        }

        long element = info.Channels * info.PixelType.ByteSize();
        long row = info.Width * element;
        long plane = info.Height * row;
        var t0 = timepoint * info.Depth * plane;
        var (width, height) = axis switch
        {
            SliceAxis.X => (info.Height, info.Depth),
            SliceAxis.Y => (info.Width, info.Depth),
            _ => (info.Width, info.Height),
        };
        var data = new byte[width * height * element];
        var span = data.AsSpan();
        switch (axis)
        {
            case SliceAxis.Z:
                Read(t0 + (index * plane), span);
                break;
            case SliceAxis.Y:
                for (var z = 0; z < info.Depth; z++)
                {
                    Read(t0 + (z * plane) + (index * row), span.Slice((int)(z * row), (int)row));
                }

                break;
            default:
                var e = (int)element;
                var at = 0;
                for (var z = 0; z < info.Depth; z++)
                {
                    var offset = t0 + (z * plane) + (index * element);
                    for (var y = 0; y < info.Height; y++, offset += row, at += e)
                    {
                        Read(offset, span.Slice(at, e));
                    }
                }

                break;
        }

        return new SlicePlane(width, height, info.Channels, info.PixelType, data);
    }

    /// <summary>Copies the voxel bytes at <paramref name="offset"/> (from the first voxel) into <paramref name="destination"/>.</summary>
    protected abstract void Read(long offset, Span<byte> destination);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    internal static SliceSourceInfo InfoOf(ImageVolume v) => new(
        v.Width, v.Height, v.Depth, v.Timepoints, v.Channels, v.PixelType, v.ColorSpace, v.WindowCenter, v.WindowWidth);
}

/// <summary>Slices of a volume already read (in memory or in its temporary file).</summary>
public sealed class VolumeSliceSource(ImageVolume volume, bool ownsVolume = false) : LaidOutSliceSource
{
    public override SliceSourceInfo Info { get; } = InfoOf(volume);

    protected override void Read(long offset, Span<byte> destination) => volume.Pixels.Read(offset, destination);

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsVolume)
        {
            volume.Dispose();
        }
    }
}
