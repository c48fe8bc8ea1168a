using System.Globalization;

namespace GrandChallenge.Domain.Imaging.Rendering;

/// <summary>The axis a slice is cut across: Z gives an axial (x, y) picture, Y a coronal (x, z) one, X a sagittal (y, z) one.</summary>
public enum SliceAxis
{
    X,
    Y,
    Z,
}

/// <summary>
/// One slice to render. <paramref name="WindowCenter"/> and <paramref name="WindowWidth"/> default to the image's stored
/// window, else (for grey images) to the slice's minimum and maximum; <paramref name="MaxSize"/> shrinks the picture to
/// fit a square of that many pixels (never enlarges it).
/// </summary>
public sealed record SliceRequest(
    SliceAxis Axis,
    int Index,
    int Timepoint = 0,
    double? WindowCenter = null,
    double? WindowWidth = null,
    int? MaxSize = null)
{
    public const int MaxPictureSize = 8192;

    /// <summary>
    /// A request from its URL parts: <paramref name="axis"/> is <c>x</c>, <c>y</c>, <c>z</c> or <c>sagittal</c>,
    /// <c>coronal</c>, <c>axial</c> (any case). Throws <see cref="SliceRequestException"/> for anything else.
    /// </summary>
    public static SliceRequest Parse(
        string axis, int index, int timepoint = 0, double? windowCenter = null, double? windowWidth = null, int? maxSize = null) =>
        new SliceRequest(ParseAxis(axis), index, timepoint, windowCenter, windowWidth, maxSize).Validated();

    public static SliceAxis ParseAxis(string axis) => axis.Trim().ToLowerInvariant() switch
    {
        "x" or "sagittal" => SliceAxis.X,
        "y" or "coronal" => SliceAxis.Y,
        "z" or "axial" => SliceAxis.Z,
        _ => throw new SliceRequestException(
            $"Unknown slice axis \"{(axis.Length > 20 ? axis[..20] + "…" : axis)}\": use x, y, z (or sagittal, coronal, axial)."),
    };

    /// <summary>Checks the parts that do not depend on the image: the window and the size.</summary>
    public SliceRequest Validated()
    {
        if (WindowCenter is { } c && !double.IsFinite(c))
        {
            throw new SliceRequestException("The window center must be a finite number.");
        }

        if (WindowWidth is { } w && (!double.IsFinite(w) || w <= 0))
        {
            throw new SliceRequestException(
                $"The window width must be a positive number, not {w.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (MaxSize is { } s && s is < 1 or > MaxPictureSize)
        {
            throw new SliceRequestException($"The size must be between 1 and {MaxPictureSize} pixels, not {s}.");
        }

        return this;
    }
}

/// <summary>A slice request that cannot be served as asked (unknown axis, bad window or size): the caller's mistake.</summary>
public class SliceRequestException(string message) : Exception(message);

/// <summary>The slice index or timepoint lies outside the image.</summary>
public sealed class SliceOutOfRangeException(string message) : SliceRequestException(message);

/// <summary>The image has no stored file the renderer can read (no .mha or TIFF, or the file is missing).</summary>
public sealed class ImageNotRenderableException(string message) : Exception(message);
