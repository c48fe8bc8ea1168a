using System.Globalization;
using System.IO.MemoryMappedFiles;
using System.Text;

namespace GrandChallenge.Domain.Imaging.Rendering;

/// <summary>
/// Slices straight out of an uncompressed, little-endian, single-file <c>.mha</c> mapped into memory: only the pages a
/// slice touches are read, so a slice of a volume larger than memory costs what the slice costs.
/// <see cref="Open"/> falls back to reading the whole file for the MetaImage variants that cannot be mapped.
/// </summary>
public sealed unsafe class MappedMetaImageSliceSource : LaidOutSliceSource
{
    private static readonly Dictionary<string, PixelType> ElementTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["MET_UCHAR"] = PixelType.UInt8,
        ["MET_CHAR"] = PixelType.Int8,
        ["MET_USHORT"] = PixelType.UInt16,
        ["MET_SHORT"] = PixelType.Int16,
        ["MET_UINT"] = PixelType.UInt32,
        ["MET_INT"] = PixelType.Int32,
        ["MET_ULONG"] = PixelType.UInt32,
        ["MET_LONG"] = PixelType.Int32,
        ["MET_FLOAT"] = PixelType.Float32,
        ["MET_DOUBLE"] = PixelType.Float64,
    };

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pixels;
    private readonly long _length;

    private MappedMetaImageSliceSource(string path, long dataOffset, SliceSourceInfo info)
    {
        Info = info;
        _length = ImageVolume.ByteLengthOf(info.Width, info.Height, info.Depth, info.Timepoints, info.Channels, info.PixelType);
        _file = MemoryMappedFile.CreateFromFile(
            new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1),
            null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* start = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            _pixels = start + _view.PointerOffset + dataOffset;
        }
        catch
        {
            _view?.Dispose();
            _file.Dispose();
            throw;
        }
    }

    public override SliceSourceInfo Info { get; }

    /// <summary>
    /// A source for the <c>.mha</c> at <paramref name="path"/>: mapped when its pixels lie uncompressed in the file,
    /// otherwise read whole (compressed, big endian, 64-bit integers, external data file) into a <see cref="VolumeSliceSource"/>.
    /// Throws <see cref="ImageFormatException"/> for a file that is not a readable MetaImage.
    /// </summary>
    public static ISliceSource Open(string path, ImageReadOptions? options = null) =>
        (ISliceSource?)TryOpenMapped(path) ?? new VolumeSliceSource(MetaImageReader.Read(path, options), ownsVolume: true);

    /// <summary>The mapped source, or null when the file's pixels cannot be mapped as they are.</summary>
    public static MappedMetaImageSliceSource? TryOpenMapped(string path)
    {
        var name = Path.GetFileName(path);
        var fields = MetaImageReader.ReadHeaderFields(path);
        string? Field(string key) => fields.TryGetValue(key, out var v) ? v.Trim() : null;
        bool IsTrue(string? v) => v is not null && (v.Equals("True", StringComparison.OrdinalIgnoreCase) || v == "1");

        if (!"LOCAL".Equals(Field("ElementDataFile"), StringComparison.OrdinalIgnoreCase)
            || IsTrue(Field("CompressedData"))
            || IsTrue(Field("BinaryDataByteOrderMSB")) || IsTrue(Field("ElementByteOrderMSB"))
            || (Field("HeaderSize") is { } hs && hs != "0")
            || (Field("BinaryData") is { } bd && !IsTrue(bd))
            || Field("ElementType") is not { } elementType
            || !ElementTypes.TryGetValue(elementType.Replace("_ARRAY", "", StringComparison.OrdinalIgnoreCase), out var pixelType)
            || !int.TryParse(Field("NDims"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var nDims) || nDims is < 2 or > 4)
        {
            return null;
        }

        var dims = (Field("DimSize") ?? "").Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .Select(d => int.TryParse(d, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0).ToArray();
        var channels = Field("ElementNumberOfChannels") is { } ch && int.TryParse(ch, CultureInfo.InvariantCulture, out var c) ? c : 1;
        if (dims.Length < nDims || dims.Take(nDims).Any(d => d < 1) || channels is not (1 or 3 or 4))
        {
            return null;
        }

        var info = new SliceSourceInfo(
            dims[0], dims[1], nDims > 2 ? dims[2] : 1, nDims > 3 ? dims[3] : 1, channels, pixelType,
            MetaImageReader.ColorSpaceFor(channels), FirstNumber(Field("WindowCenter")), FirstNumber(Field("WindowWidth")));
        var dataOffset = HeaderLength(path, name);
        var bytes = ImageVolume.ByteLengthOf(info.Width, info.Height, info.Depth, info.Timepoints, channels, pixelType);
        var available = new FileInfo(path).Length - dataOffset;
        if (available < bytes)
        {
            throw new ImageFormatException($"{name} is truncated: the header promises {bytes:N0} bytes of pixel data but only {available:N0} follow.");
        }

        return new MappedMetaImageSliceSource(path, dataOffset, info);
    }

    protected override void Read(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset + destination.Length > _length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        new ReadOnlySpan<byte>(_pixels + offset, destination.Length).CopyTo(destination);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }

    // The header ends with the line holding ElementDataFile; the pixels start right after it.
    private static long HeaderLength(string path, string name)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var line = new List<byte>(128);
        long consumed = 0;
        int b;
        while (true)
        {
            line.Clear();
            while ((b = stream.ReadByte()) != -1)
            {
                consumed++;
                if (b == '\n')
                {
                    break;
                }

                line.Add((byte)b);
            }

            var text = Encoding.UTF8.GetString(line.ToArray());
            var eq = text.IndexOf('=');
            if (eq > 0 && text[..eq].Trim().Equals("ElementDataFile", StringComparison.OrdinalIgnoreCase))
            {
                return consumed;
            }

            if (b == -1)
            {
                throw new ImageFormatException($"{name} is not a complete MetaImage file: the header ends without ElementDataFile.");
            }
        }
    }

    private static double? FirstNumber(string? value) =>
        double.TryParse(value?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
        && double.IsFinite(d)
            ? d
            : null;
}
