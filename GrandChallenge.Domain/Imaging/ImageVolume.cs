using System.Buffers.Binary;

namespace GrandChallenge.Domain.Imaging;

/// <summary>
/// A 2-, 3- or 4-D image with ITK's geometry: the physical position of voxel (i, j, k) is
/// <c>Origin + Direction · (Spacing ⊙ (i, j, k))</c> in LPS millimetres. <see cref="Direction"/> is the
/// 3×3 matrix in row-major order whose columns are the directions of the x, y and z axes.
/// A 2-D image has Depth 1; only a 4-D image has more than one timepoint.
/// </summary>
public sealed class ImageVolume : IDisposable
{
    private double[] _spacing = [1, 1, 1];
    private double[] _origin = [0, 0, 0];
    private double[] _direction = [1, 0, 0, 0, 1, 0, 0, 0, 1];

    public ImageVolume(
        int dimensions,
        int width,
        int height,
        int depth,
        int timepoints,
        int channels,
        PixelType pixelType,
        ColorSpace colorSpace,
        PixelBuffer pixels)
    {
        if (dimensions is < 2 or > 4)
        {
            throw new ImageFormatException($"Only 2-, 3- and 4-D images are supported, not {dimensions}-D.");
        }

        if (width < 1 || height < 1 || depth < 1 || timepoints < 1)
        {
            throw new ImageFormatException($"Image size {width}×{height}×{depth}×{timepoints} has an empty dimension.");
        }

        if ((dimensions == 2 && depth != 1) || (dimensions < 4 && timepoints != 1))
        {
            throw new ArgumentException("A 2-D image has depth 1 and only 4-D images have timepoints.");
        }

        if (channels is < 1 or > 4)
        {
            throw new ImageFormatException($"Images with {channels} channels per voxel are not supported (1 to 4).");
        }

        var expected = ByteLengthOf(width, height, depth, timepoints, channels, pixelType);
        if (pixels.Length != expected)
        {
            throw new ArgumentException($"Pixel buffer holds {pixels.Length} bytes, the image needs {expected}.");
        }

        Dimensions = dimensions;
        Width = width;
        Height = height;
        Depth = depth;
        Timepoints = timepoints;
        Channels = channels;
        PixelType = pixelType;
        ColorSpace = colorSpace;
        Pixels = pixels;
    }

    public int Dimensions { get; }

    public int Width { get; }

    public int Height { get; }

    public int Depth { get; }

    public int Timepoints { get; }

    public int Channels { get; }

    public PixelType PixelType { get; }

    public ColorSpace ColorSpace { get; }

    public PixelBuffer Pixels { get; }

    /// <summary>Voxel size in mm along x, y, z (z is 1 for 2-D images).</summary>
    public double[] Spacing
    {
        get => _spacing;
        init => _spacing = Check(value, 3, nameof(Spacing));
    }

    public double[] Origin
    {
        get => _origin;
        init => _origin = Check(value, 3, nameof(Origin));
    }

    public double[] Direction
    {
        get => _direction;
        init => _direction = Check(value, 9, nameof(Direction));
    }

    /// <summary>False where the source has no physical spacing (PNG, JPEG): the API then reports null voxel sizes.</summary>
    public bool SpacingValid { get; init; } = true;

    public double TimeSpacing { get; init; } = 1;

    public double TimeOrigin { get; init; }

    public double? WindowCenter { get; init; }

    public double? WindowWidth { get; init; }

    public string? Modality { get; init; }

    /// <summary>Other header fields worth keeping (for MetaImage: PatientID, StudyInstanceUID, ...).</summary>
    public Dictionary<string, string> Tags { get; init; } = new(StringComparer.Ordinal);

    public long VoxelCount => (long)Width * Height * Depth * Timepoints;

    public long ElementCount => VoxelCount * Channels;

    public static long ByteLengthOf(int width, int height, int depth, int timepoints, int channels, PixelType type) =>
        checked((long)width * height * depth * timepoints * channels * type.ByteSize());

    public static ImageVolume Allocate(
        int dimensions,
        int width,
        int height,
        int depth,
        int timepoints,
        int channels,
        PixelType pixelType,
        ColorSpace colorSpace,
        ImageReadOptions? options = null)
    {
        var bytes = ByteLengthOf(width, height, depth, timepoints, channels, pixelType);
        return new ImageVolume(
            dimensions, width, height, depth, timepoints, channels, pixelType, colorSpace, PixelBuffer.Allocate(bytes, options));
    }

    /// <summary>Component <paramref name="channel"/> of voxel (x, y, z, t) as a double.</summary>
    public double GetValue(int x, int y, int z = 0, int t = 0, int channel = 0)
    {
        var index = ((((((long)t * Depth) + z) * Height + y) * Width + x) * Channels) + channel;
        return GetElement(index);
    }

    public double GetElement(long index)
    {
        var size = PixelType.ByteSize();
        Span<byte> b = stackalloc byte[8];
        Pixels.Read(index * size, b[..size]);
        return Decode(PixelType, b);
    }

    public void SetElement(long index, double value)
    {
        var size = PixelType.ByteSize();
        Span<byte> b = stackalloc byte[8];
        Encode(PixelType, value, b[..size]);
        Pixels.Write(index * size, b[..size]);
    }

    public static double Decode(PixelType type, ReadOnlySpan<byte> b) => type switch
    {
        PixelType.UInt8 => b[0],
        PixelType.Int8 => (sbyte)b[0],
        PixelType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
        PixelType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
        PixelType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
        PixelType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b),
        PixelType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(b),
        _ => BinaryPrimitives.ReadDoubleLittleEndian(b),
    };

    /// <summary>Writes <paramref name="value"/> rounded and clamped to the range of <paramref name="type"/>.</summary>
    public static void Encode(PixelType type, double value, Span<byte> b)
    {
        if (type.IsInteger())
        {
            var (min, max) = type.Range();
            value = double.IsNaN(value) ? 0 : Math.Clamp(Math.Round(value), min, max);
        }

        switch (type)
        {
            case PixelType.UInt8: b[0] = (byte)value; break;
            case PixelType.Int8: b[0] = (byte)(sbyte)value; break;
            case PixelType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value); break;
            case PixelType.Int16: BinaryPrimitives.WriteInt16LittleEndian(b, (short)value); break;
            case PixelType.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)value); break;
            case PixelType.Int32: BinaryPrimitives.WriteInt32LittleEndian(b, (int)value); break;
            case PixelType.Float32: BinaryPrimitives.WriteSingleLittleEndian(b, (float)value); break;
            default: BinaryPrimitives.WriteDoubleLittleEndian(b, value); break;
        }
    }

    public void Dispose() => Pixels.Dispose();

    private static double[] Check(double[] value, int length, string name)
    {
        if (value.Length != length || value.Any(v => !double.IsFinite(v)))
        {
            throw new ImageFormatException($"{name} needs {length} finite numbers.");
        }

        return value;
    }
}
