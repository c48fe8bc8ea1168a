namespace GrandChallenge.Domain.Imaging;

/// <summary>The type of one component of a voxel. RGB and RGBA images are UInt8 with 3 or 4 channels.</summary>
public enum PixelType
{
    UInt8,
    Int8,
    UInt16,
    Int16,
    UInt32,
    Int32,
    Float32,
    Float64,
}

/// <summary>How the channels of a voxel are to be read (grand-challenge's <c>color_space</c>).</summary>
public enum ColorSpace
{
    Gray,
    Rgb,
    Rgba,
    YCbCr,
}

public static class PixelTypeExtensions
{
    public static int ByteSize(this PixelType type) => type switch
    {
        PixelType.UInt8 or PixelType.Int8 => 1,
        PixelType.UInt16 or PixelType.Int16 => 2,
        PixelType.UInt32 or PixelType.Int32 or PixelType.Float32 => 4,
        PixelType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool IsInteger(this PixelType type) => type is not (PixelType.Float32 or PixelType.Float64);

    public static (double Min, double Max) Range(this PixelType type) => type switch
    {
        PixelType.UInt8 => (byte.MinValue, byte.MaxValue),
        PixelType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        PixelType.UInt16 => (ushort.MinValue, ushort.MaxValue),
        PixelType.Int16 => (short.MinValue, short.MaxValue),
        PixelType.UInt32 => (uint.MinValue, uint.MaxValue),
        PixelType.Int32 => (int.MinValue, int.MaxValue),
        PixelType.Float32 => (float.MinValue, float.MaxValue),
        PixelType.Float64 => (double.MinValue, double.MaxValue),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Channels per voxel for a colour space: GRAY 1, RGB 3, RGBA and YCBCR 4 (as grand-challenge counts them).</summary>
    public static int Components(this ColorSpace space) => space switch
    {
        ColorSpace.Gray => 1,
        ColorSpace.Rgb => 3,
        _ => 4,
    };

    public static string ApiName(this ColorSpace space) => space switch
    {
        ColorSpace.Gray => "GRAY",
        ColorSpace.Rgb => "RGB",
        ColorSpace.Rgba => "RGBA",
        _ => "YCBCR",
    };

    /// <summary>
    /// The smallest pixel type that holds <c>value * slope + intercept</c> for every value of
    /// <paramref name="source"/>: an integer type when slope and intercept are whole numbers,
    /// otherwise Float32 (Float64 when the source already is).
    /// </summary>
    public static PixelType RescaledType(this PixelType source, double slope, double intercept)
    {
        if (source == PixelType.Float64)
        {
            return PixelType.Float64;
        }

        if (!source.IsInteger() || slope != Math.Floor(slope) || intercept != Math.Floor(intercept))
        {
            return source == PixelType.Int32 || source == PixelType.UInt32 ? PixelType.Float64 : PixelType.Float32;
        }

        var (min, max) = source.Range();
        var a = (min * slope) + intercept;
        var b = (max * slope) + intercept;
        var lo = Math.Min(a, b);
        var hi = Math.Max(a, b);
        foreach (var candidate in new[] { PixelType.UInt8, PixelType.Int8, PixelType.UInt16, PixelType.Int16, PixelType.UInt32, PixelType.Int32 })
        {
            var (cMin, cMax) = candidate.Range();
            if (lo >= cMin && hi <= cMax)
            {
                return candidate;
            }
        }

        return PixelType.Float64;
    }
}
