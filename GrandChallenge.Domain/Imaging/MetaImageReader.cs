using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace GrandChallenge.Domain.Imaging;

/// <summary>
/// Reads MetaImage files: <c>.mha</c> (header and data in one file) and <c>.mhd</c> with its
/// <c>.raw</c>/<c>.zraw</c> data file, plain or zlib-compressed, any byte order, 2 to 4 dimensions.
/// </summary>
public static class MetaImageReader
{
    private const int MaxHeaderLines = 10_000;
    private const int MaxLineLength = 10_000;

    // Deflate cannot expand more than about 1032:1; a header promising more than this is lying.
    private const long MaxDeflateRatio = 1100;

    private static readonly Dictionary<string, StoredType> ElementTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["MET_UCHAR"] = StoredType.UInt8,
        ["MET_CHAR"] = StoredType.Int8,
        ["MET_USHORT"] = StoredType.UInt16,
        ["MET_SHORT"] = StoredType.Int16,
        ["MET_UINT"] = StoredType.UInt32,
        ["MET_INT"] = StoredType.Int32,
        ["MET_ULONG"] = StoredType.UInt32,
        ["MET_LONG"] = StoredType.Int32,
        ["MET_ULONG_LONG"] = StoredType.UInt64,
        ["MET_LONG_LONG"] = StoredType.Int64,
        ["MET_FLOAT"] = StoredType.Float32,
        ["MET_DOUBLE"] = StoredType.Float64,
    };

    // Header keys the reader interprets; everything else is kept in ImageVolume.Tags.
    private static readonly HashSet<string> Structural = new(StringComparer.OrdinalIgnoreCase)
    {
        "ObjectType", "ObjectSubType", "NDims", "DimSize", "ElementType", "ElementNumberOfChannels",
        "ElementSpacing", "ElementSize", "Offset", "Position", "Origin", "TransformMatrix", "Rotation",
        "Orientation", "CenterOfRotation", "AnatomicalOrientation", "BinaryData", "BinaryDataByteOrderMSB",
        "ElementByteOrderMSB", "CompressedData", "CompressedDataSize", "HeaderSize", "ElementDataFile",
        "Modality", "WindowCenter", "WindowWidth", "TransformType", "ElementMin", "ElementMax",
        "ElementToIntensityFunctionSlope", "ElementToIntensityFunctionOffset",
    };

    public static ImageVolume Read(string path, ImageReadOptions? options = null)
    {
        using var stream = OpenFile(path);
        return Read(stream, path, Path.GetDirectoryName(Path.GetFullPath(path)), options);
    }

    /// <summary>
    /// Reads from <paramref name="stream"/>. An external data file is looked up in
    /// <paramref name="directory"/>; without one only <c>ElementDataFile = LOCAL</c> is readable.
    /// </summary>
    public static ImageVolume Read(Stream stream, string name, string? directory, ImageReadOptions? options = null)
    {
        options ??= ImageReadOptions.Default;
        var fileName = Path.GetFileName(name);
        var (fields, headerBytes) = ReadHeader(stream, fileName);

        string Get(string key) => fields.TryGetValue(key, out var v)
            ? v
            : throw new ImageFormatException($"{fileName}: the MetaImage header has no {key}.");

        if (fields.TryGetValue("ObjectType", out var objectType) && !objectType.Equals("Image", StringComparison.OrdinalIgnoreCase))
        {
            throw new ImageFormatException($"{fileName}: MetaImage ObjectType {objectType} is not an image.");
        }

        var nDims = ParseInt(Get("NDims"), "NDims", fileName);
        if (nDims is < 2 or > 4)
        {
            throw new ImageFormatException($"{fileName}: only 2-, 3- and 4-D images are supported, NDims is {nDims}.");
        }

        var dims = ParseNumbers(Get("DimSize"), "DimSize", fileName, nDims)
            .Select(d => d is >= 1 and <= int.MaxValue && d == Math.Floor(d)
                ? (int)d
                : throw new ImageFormatException($"{fileName}: DimSize {d} is not a positive whole number."))
            .ToArray();

        if (!ElementTypes.TryGetValue(Get("ElementType").Replace("_ARRAY", string.Empty, StringComparison.OrdinalIgnoreCase), out var stored))
        {
            throw new ImageFormatException($"{fileName}: ElementType {fields["ElementType"]} is not supported.");
        }

        var channels = fields.TryGetValue("ElementNumberOfChannels", out var ch) ? ParseInt(ch, "ElementNumberOfChannels", fileName) : 1;
        if (channels is < 1 or > 4 or 2)
        {
            throw new ImageFormatException($"{fileName}: images with {channels} channels per voxel are not supported (1, 3 or 4).");
        }

        if (fields.TryGetValue("BinaryData", out var binary) && !IsTrue(binary))
        {
            throw new ImageFormatException($"{fileName}: ASCII MetaImage data (BinaryData = False) is not supported.");
        }

        var bigEndian = (fields.TryGetValue("BinaryDataByteOrderMSB", out var msb) || fields.TryGetValue("ElementByteOrderMSB", out msb)) && IsTrue(msb);
        var compressed = fields.TryGetValue("CompressedData", out var cd) && IsTrue(cd);

        var width = dims[0];
        var height = dims[1];
        var depth = nDims > 2 ? dims[2] : 1;
        var timepoints = nDims > 3 ? dims[3] : 1;
        var pixelType = stored.Natural();
        long bytes;
        try
        {
            bytes = ImageVolume.ByteLengthOf(width, height, depth, timepoints, channels, pixelType);
        }
        catch (OverflowException)
        {
            throw new ImageFormatException($"{fileName}: DimSize {string.Join(' ', dims)} is too large.");
        }

        if (bytes > options.MaxPixelBytes)
        {
            throw new ImageFormatException($"{fileName}: the image would need {bytes:N0} bytes, more than the {options.MaxPixelBytes:N0} allowed.");
        }

        var storedBytes = bytes / pixelType.ByteSize() * stored.ByteSize();
        var geometry = ReadGeometry(fields, nDims, fileName);

        var dataFile = Get("ElementDataFile");
        Stream data;
        long available;
        var ownsData = false;
        if (dataFile.Equals("LOCAL", StringComparison.OrdinalIgnoreCase))
        {
            data = stream;
            available = stream.CanSeek ? stream.Length - headerBytes : long.MaxValue;
        }
        else if (dataFile.StartsWith("LIST", StringComparison.OrdinalIgnoreCase) || dataFile.Contains('%') || dataFile.Contains(' '))
        {
            throw new ImageFormatException($"{fileName}: MetaImage with several data files (ElementDataFile = {dataFile}) is not supported.");
        }
        else
        {
            if (directory is null)
            {
                throw new ImageFormatException($"{fileName}: the data file {dataFile} is not available.");
            }

            var dataName = Path.GetFileName(dataFile);
            var dataPath = Path.Combine(directory, dataName);
            if (dataName != dataFile.Replace('\\', '/').Split('/')[^1] || !File.Exists(dataPath))
            {
                throw new ImageFormatException($"{fileName}: the data file {dataFile} was not found next to the header.");
            }

            data = OpenFile(dataPath);
            ownsData = true;
            available = data.Length;
        }

        try
        {
            var headerSize = fields.TryGetValue("HeaderSize", out var hs) ? ParseInt(hs, "HeaderSize", fileName) : 0;
            if (headerSize == -1 && !compressed && data.CanSeek)
            {
                // -1: the data are the last bytes of the file.
                data.Seek(data.Length - storedBytes, SeekOrigin.Begin);
            }
            else if (headerSize > 0)
            {
                Skip(data, headerSize, fileName);
                available -= headerSize;
            }

            if (compressed)
            {
                if (fields.TryGetValue("CompressedDataSize", out var cds))
                {
                    var size = ParseLong(cds, "CompressedDataSize", fileName);
                    if (size > available)
                    {
                        throw new ImageFormatException($"{fileName} is truncated: CompressedDataSize is {size:N0} bytes but only {available:N0} follow the header.");
                    }

                    available = size;
                }

                if (available != long.MaxValue && storedBytes > available * MaxDeflateRatio)
                {
                    throw new ImageFormatException($"{fileName}: the header promises {storedBytes:N0} bytes of pixel data, more than {available:N0} compressed bytes can hold.");
                }
            }
            else if (storedBytes > available)
            {
                throw new ImageFormatException($"{fileName} is truncated: the header promises {storedBytes:N0} bytes of pixel data but only {available:N0} follow.");
            }

            var colorSpace = ColorSpaceFor(channels);
            var pixels = PixelBuffer.Allocate(bytes, options);
            try
            {
                if (compressed)
                {
                    using var z = new ZLibStream(data, CompressionMode.Decompress, leaveOpen: true);
                    PixelCopy.Copy(z, pixels, stored, bigEndian, pixelType, 1, 0, fileName);
                }
                else
                {
                    PixelCopy.Copy(data, pixels, stored, bigEndian, pixelType, 1, 0, fileName);
                }

                var tags = fields.Where(f => !Structural.Contains(f.Key)).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
                return new ImageVolume(nDims, width, height, depth, timepoints, channels, pixelType, colorSpace, pixels)
                {
                    Spacing = geometry.Spacing,
                    Origin = geometry.Origin,
                    Direction = geometry.Direction,
                    TimeSpacing = geometry.TimeSpacing,
                    TimeOrigin = geometry.TimeOrigin,
                    WindowCenter = FirstNumber(fields, "WindowCenter"),
                    WindowWidth = FirstNumber(fields, "WindowWidth"),
                    Modality = fields.TryGetValue("Modality", out var m) ? ModalityFromMeta(m) : null,
                    Tags = tags,
                };
            }
            catch
            {
                pixels.Dispose();
                throw;
            }
        }
        catch (InvalidDataException e)
        {
            throw new ImageFormatException($"{fileName}: the compressed pixel data are corrupt ({e.Message}).", e);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new ImageFormatException($"{fileName}: the pixel data could not be read ({e.Message}).", e);
        }
        finally
        {
            if (ownsData)
            {
                data.Dispose();
            }
        }
    }

    /// <summary>Reads only the header's fields, e.g. to find the data file of an .mhd.</summary>
    public static IReadOnlyDictionary<string, string> ReadHeaderFields(string path)
    {
        using var stream = OpenFile(path);
        return ReadHeader(stream, Path.GetFileName(path)).Fields;
    }

    internal static ColorSpace ColorSpaceFor(int channels) => channels switch
    {
        3 => ColorSpace.Rgb,
        4 => ColorSpace.Rgba,
        1 => ColorSpace.Gray,
        _ => throw new ImageFormatException($"Images with {channels} channels per voxel have no colour space (1, 3 or 4)."),
    };

    private static (Dictionary<string, string> Fields, long HeaderBytes) ReadHeader(Stream stream, string fileName)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var line = new List<byte>(128);
        long consumed = 0;
        for (var lines = 0; ; lines++)
        {
            if (lines >= MaxHeaderLines)
            {
                throw new ImageFormatException($"{fileName}: the MetaImage header has more than {MaxHeaderLines} lines.");
            }

            line.Clear();
            int b;
            while ((b = stream.ReadByte()) != -1)
            {
                consumed++;
                if (b == '\n')
                {
                    break;
                }

                if (b == 0)
                {
                    throw new ImageFormatException($"{fileName} is not a MetaImage file: its header contains binary data.");
                }

                if (line.Count >= MaxLineLength)
                {
                    throw new ImageFormatException($"{fileName}: a MetaImage header line is longer than {MaxLineLength} characters.");
                }

                line.Add((byte)b);
            }

            if (b == -1 && line.Count == 0)
            {
                throw new ImageFormatException($"{fileName} is not a complete MetaImage file: the header ends without ElementDataFile.");
            }

            string text;
            try
            {
                text = new UTF8Encoding(false, true).GetString(line.ToArray()).Trim();
            }
            catch (DecoderFallbackException)
            {
                throw new ImageFormatException($"{fileName} is not a MetaImage file: its header is not UTF-8 text.");
            }

            if (text.Length == 0)
            {
                continue;
            }

            var eq = text.IndexOf('=');
            if (eq <= 0)
            {
                throw new ImageFormatException($"{fileName} is not a MetaImage file: header line {lines + 1} is not \"Key = Value\".");
            }

            var key = text[..eq].Trim();
            var value = text[(eq + 1)..].Trim();
            fields[key] = value;
            if (key.Equals("ElementDataFile", StringComparison.OrdinalIgnoreCase))
            {
                return (fields, consumed);
            }

            if (b == -1)
            {
                throw new ImageFormatException($"{fileName} is not a complete MetaImage file: the header ends without ElementDataFile.");
            }
        }
    }

    private sealed record Geometry(double[] Spacing, double[] Origin, double[] Direction, double TimeSpacing, double TimeOrigin);

    private static Geometry ReadGeometry(Dictionary<string, string> fields, int n, string fileName)
    {
        var spacingText = fields.GetValueOrDefault("ElementSpacing") ?? fields.GetValueOrDefault("ElementSize");
        var spacing = spacingText is null ? Enumerable.Repeat(1.0, n).ToArray() : ParseNumbers(spacingText, "ElementSpacing", fileName, n);
        if (spacing.Any(s => s <= 0))
        {
            throw new ImageFormatException($"{fileName}: ElementSpacing must be positive.");
        }

        var originText = fields.GetValueOrDefault("Offset") ?? fields.GetValueOrDefault("Position") ?? fields.GetValueOrDefault("Origin");
        var origin = originText is null ? new double[n] : ParseNumbers(originText, "Offset", fileName, n);

        var matrixText = fields.GetValueOrDefault("TransformMatrix") ?? fields.GetValueOrDefault("Rotation") ?? fields.GetValueOrDefault("Orientation");
        var direction = new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
        if (matrixText is not null)
        {
            // MetaIO lists the direction of axis 0, then axis 1, ...: the transposed (column-major) matrix.
            var m = ParseNumbers(matrixText, "TransformMatrix", fileName, n * n);
            var spatial = Math.Min(n, 3);
            for (var row = 0; row < spatial; row++)
            {
                for (var col = 0; col < spatial; col++)
                {
                    direction[(row * 3) + col] = m[(col * n) + row];
                }
            }
        }

        return new Geometry(
            [spacing[0], spacing[1], n > 2 ? spacing[2] : 1],
            [origin[0], origin[1], n > 2 ? origin[2] : 0],
            direction,
            n > 3 ? spacing[3] : 1,
            n > 3 ? origin[3] : 0);
    }

    private static double? FirstNumber(Dictionary<string, string> fields, string key) =>
        fields.TryGetValue(key, out var v)
        && double.TryParse(v.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
        && double.IsFinite(d)
            ? d
            : null;

    internal static string? ModalityFromMeta(string value)
    {
        var v = value.Trim();
        if (v.StartsWith("MET_MOD_", StringComparison.OrdinalIgnoreCase))
        {
            v = v[8..];
        }

        return v.Length == 0 || v.Equals("UNKNOWN", StringComparison.OrdinalIgnoreCase) ? null : v.ToUpperInvariant();
    }

    private static bool IsTrue(string value) => value.Equals("True", StringComparison.OrdinalIgnoreCase) || value == "1";

    private static int ParseInt(string value, string key, string fileName) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new ImageFormatException($"{fileName}: {key} \"{Shorten(value)}\" is not a whole number.");

    private static long ParseLong(string value, string key, string fileName) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v
            : throw new ImageFormatException($"{fileName}: {key} \"{Shorten(value)}\" is not a whole number.");

    private static double[] ParseNumbers(string value, string key, string fileName, int count)
    {
        var parts = value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < count)
        {
            throw new ImageFormatException($"{fileName}: {key} needs {count} numbers, found {parts.Length}.");
        }

        var result = new double[count];
        for (var i = 0; i < count; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out result[i]) || !double.IsFinite(result[i]))
            {
                throw new ImageFormatException($"{fileName}: {key} value \"{Shorten(parts[i])}\" is not a number.");
            }
        }

        return result;
    }

    private static void Skip(Stream data, long count, string fileName)
    {
        if (data.CanSeek)
        {
            if (data.Position + count > data.Length)
            {
                throw new ImageFormatException($"{fileName} is truncated: HeaderSize {count} is past the end of the data.");
            }

            data.Seek(count, SeekOrigin.Current);
            return;
        }

        var buffer = new byte[8192];
        while (count > 0)
        {
            var n = data.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (n == 0)
            {
                throw new ImageFormatException($"{fileName} is truncated: HeaderSize {count} is past the end of the data.");
            }

            count -= n;
        }
    }

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "…" : s;

    private static FileStream OpenFile(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
}
