using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace GrandChallenge.Domain.Imaging;

/// <summary>
/// Writes the platform's stored format: a single-file MetaImage (<c>.mha</c>), little endian,
/// optionally zlib-compressed, with the header fields in the order ITK writes them.
/// </summary>
public static class MetaImageWriter
{
    private static readonly Dictionary<PixelType, string> ElementTypes = new()
    {
        [PixelType.UInt8] = "MET_UCHAR",
        [PixelType.Int8] = "MET_CHAR",
        [PixelType.UInt16] = "MET_USHORT",
        [PixelType.Int16] = "MET_SHORT",
        [PixelType.UInt32] = "MET_UINT",
        [PixelType.Int32] = "MET_INT",
        [PixelType.Float32] = "MET_FLOAT",
        [PixelType.Float64] = "MET_DOUBLE",
    };

    private static readonly HashSet<string> MetaModalities = new(StringComparer.Ordinal) { "CT", "MR", "NM", "US" };

    public static void Write(ImageVolume volume, string path, bool compress = true)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(volume, file, compress);
    }

    public static void Write(ImageVolume volume, Stream destination, bool compress = true)
    {
        if (!compress)
        {
            WriteHeader(volume, destination, null);
            volume.Pixels.CopyTo(destination);
            return;
        }

        // The header names the compressed size, so compress first into scratch space.
        using var scratch = volume.Pixels.Length <= 64L * 1024 * 1024
            ? (Stream)new MemoryStream()
            : new FileStream(
                Path.Combine(Path.GetTempPath(), $"gc-mha-{Guid.NewGuid():N}.tmp"),
                FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        using (var z = new ZLibStream(scratch, CompressionLevel.Fastest, leaveOpen: true))
        {
            volume.Pixels.CopyTo(z);
        }

        WriteHeader(volume, destination, scratch.Length);
        scratch.Position = 0;
        scratch.CopyTo(destination);
    }

    private static void WriteHeader(ImageVolume v, Stream destination, long? compressedSize)
    {
        var n = v.Dimensions;
        var spatial = Math.Min(n, 3);
        var sb = new StringBuilder();
        void Line(string key, string value) => sb.Append(key).Append(" = ").Append(value).Append('\n');

        Line("ObjectType", "Image");
        Line("NDims", n.ToString(CultureInfo.InvariantCulture));
        Line("BinaryData", "True");
        Line("BinaryDataByteOrderMSB", "False");
        Line("CompressedData", compressedSize is null ? "False" : "True");
        if (compressedSize is { } size)
        {
            Line("CompressedDataSize", size.ToString(CultureInfo.InvariantCulture));
        }

        var matrix = new double[n * n];
        for (var axis = 0; axis < n; axis++)
        {
            for (var component = 0; component < n; component++)
            {
                matrix[(axis * n) + component] = axis < spatial && component < spatial
                    ? v.Direction[(component * 3) + axis]
                    : axis == component ? 1 : 0;
            }
        }

        Line("TransformMatrix", Join(matrix));
        Line("Offset", Join(Axes(v.Origin, v.TimeOrigin, n)));
        Line("CenterOfRotation", Join(new double[n]));
        if (n < 4)
        {
            Line("AnatomicalOrientation", n == 2 ? "RA" : "RAI");
        }

        Line("ElementSpacing", Join(Axes(v.Spacing, v.TimeSpacing, n)));
        Line("DimSize", string.Join(' ', new[] { v.Width, v.Height, v.Depth, v.Timepoints }.Take(n)));
        if (v.Channels > 1)
        {
            Line("ElementNumberOfChannels", v.Channels.ToString(CultureInfo.InvariantCulture));
        }

        Line("ElementType", ElementTypes[v.PixelType]);
        if (v.Modality is { } modality && MetaModalities.Contains(modality))
        {
            Line("Modality", "MET_MOD_" + modality);
        }

        if (v.WindowCenter is { } center && v.WindowWidth is { } width)
        {
            Line("WindowCenter", Format(center));
            Line("WindowWidth", Format(width));
        }

        foreach (var (key, value) in v.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (IsSafeKey(key) && !value.Contains('\n') && !value.Contains('\r'))
            {
                Line(key, value);
            }
        }

        Line("ElementDataFile", "LOCAL");
        destination.Write(Encoding.UTF8.GetBytes(sb.ToString()));
    }

    private static bool IsSafeKey(string key) =>
        key.Length is > 0 and <= 64 && key.All(char.IsAsciiLetterOrDigit) && key is not ("ElementDataFile" or "WindowCenter" or "WindowWidth" or "Modality");

    private static double[] Axes(double[] spatial, double time, int n) =>
        n switch
        {
            2 => [spatial[0], spatial[1]],
            3 => spatial,
            _ => [spatial[0], spatial[1], spatial[2], time],
        };

    private static string Join(IEnumerable<double> values) => string.Join(' ', values.Select(Format));

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
