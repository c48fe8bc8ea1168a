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
                for (var z = 0; z < info.Depth; z++)
                {
                    ReadStrided(t0 + (z * plane) + (index * element), row, info.Height, span.Slice(z * info.Height * e, info.Height * e));
                }

                break;
        }

        return new SlicePlane(width, height, info.Channels, info.PixelType, data);
    }

    /// <summary>Copies the voxel bytes at <paramref name="offset"/> (from the first voxel) into <paramref name="destination"/>.</summary>
    protected abstract void Read(long offset, Span<byte> destination);

    /// <summary>
    /// Copies <paramref name="count"/> elements that lie <paramref name="stride"/> bytes apart, starting at
    /// <paramref name="offset"/>, next to each other into <paramref name="destination"/> (a column of an X slice).
    /// </summary>
    protected virtual void ReadStrided(long offset, long stride, int count, Span<byte> destination)
    {
        var e = destination.Length / count;
        for (var i = 0; i < count; i++, offset += stride)
        {
            Read(offset, destination.Slice(i * e, e));
        }
    }

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
