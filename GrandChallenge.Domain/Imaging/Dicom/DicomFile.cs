using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace GrandChallenge.Domain.Imaging.Dicom;

/// <summary>One data element: its VR and value bytes, little endian after parsing; a sequence (SQ) has its items instead.</summary>
public sealed record DicomElement(uint Tag, string Vr, byte[] Value)
{
    public IReadOnlyList<Dictionary<uint, DicomElement>>? Items { get; init; }
}

/// <summary>Typed access to the elements of a data set or of one sequence item.</summary>
public class DicomDataSet(IReadOnlyDictionary<uint, DicomElement> elements)
{
    public IReadOnlyDictionary<uint, DicomElement> Elements { get; } = elements;

    public string? GetString(uint tag)
    {
        if (!Elements.TryGetValue(tag, out var e) || e.Items is not null)
        {
            return null;
        }

        return Encoding.Latin1.GetString(e.Value).TrimEnd('\0', ' ').TrimStart(' ');
    }

    public int? GetInt(uint tag)
    {
        if (!Elements.TryGetValue(tag, out var e))
        {
            return null;
        }

        return e.Vr switch
        {
            "US" when e.Value.Length >= 2 => BinaryPrimitives.ReadUInt16LittleEndian(e.Value),
            "SS" when e.Value.Length >= 2 => BinaryPrimitives.ReadInt16LittleEndian(e.Value),
            "UL" when e.Value.Length >= 4 => (int)BinaryPrimitives.ReadUInt32LittleEndian(e.Value),
            "SL" when e.Value.Length >= 4 => BinaryPrimitives.ReadInt32LittleEndian(e.Value),
            "IS" or "DS" => GetNumbers(tag)?.FirstOrDefault() is { } d ? (int)d : null,
            _ => null,
        };
    }

    /// <summary>The values of a DS or IS element (backslash separated).</summary>
    public double[]? GetNumbers(uint tag)
    {
        var text = GetString(tag);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var parts = text.Split('\\');
        var result = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out result[i]))
            {
                return null;
            }
        }

        return result;
    }

    /// <summary>The items of a sequence; empty when the element is absent or no sequence.</summary>
    public IReadOnlyList<DicomDataSet> GetItems(uint tag) =>
        Elements.TryGetValue(tag, out var e) && e.Items is { } items ? items.Select(i => new DicomDataSet(i)).ToList() : [];

    /// <summary>The first item of a sequence, or null.</summary>
    public DicomDataSet? GetItem(uint tag) =>
        Elements.TryGetValue(tag, out var e) && e.Items is { Count: > 0 } items ? new DicomDataSet(items[0]) : null;
}

/// <summary>
/// A DICOM Part 10 file (with or without preamble and meta header) in a native transfer syntax:
/// implicit VR little endian, explicit VR little or big endian, deflated. Encapsulated (compressed)
/// pixel data are recognised, but decoding them is left to an external tool.
/// Sequences are kept with their items (multi-frame functional groups need them).
/// </summary>
public sealed class DicomFile : DicomDataSet
{
    public const string ImplicitVrLittleEndian = "1.2.840.10008.1.2";
    public const string ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
    public const string ExplicitVrBigEndian = "1.2.840.10008.1.2.2";
    public const string DeflatedExplicitVrLittleEndian = "1.2.840.10008.1.2.1.99";

    public const uint PixelDataTag = 0x7FE00010;

    private readonly ReadOnlyMemory<byte>? _pixels;

    internal DicomFile(string transferSyntax, Dictionary<uint, DicomElement> elements, bool encapsulated, ReadOnlyMemory<byte>? pixels)
        : base(elements)
    {
        TransferSyntaxUid = transferSyntax;
        IsEncapsulated = encapsulated;
        _pixels = pixels;
    }

    public string TransferSyntaxUid { get; }

    /// <summary>True when the pixel data are compressed (JPEG, JPEG-LS, JPEG 2000, RLE...).</summary>
    public bool IsEncapsulated { get; }

    public string? SeriesInstanceUid => GetString(0x0020000E);

    public string? StudyInstanceUid => GetString(0x0020000D);

    public string? SopInstanceUid => GetString(0x00080018);

    public string? Modality => GetString(0x00080060);

    public double[]? ImagePositionPatient => GetNumbers(0x00200032);

    public double[]? ImageOrientationPatient => GetNumbers(0x00200037);

    public double[]? PixelSpacing => GetNumbers(0x00280030);

    public double? SliceThickness => GetNumbers(0x00180050)?.FirstOrDefault();

    public int Rows => GetInt(0x00280010) ?? 0;

    public int Columns => GetInt(0x00280011) ?? 0;

    public int BitsAllocated => GetInt(0x00280100) ?? 0;

    public int BitsStored => GetInt(0x00280101) ?? BitsAllocated;

    public int PixelRepresentation => GetInt(0x00280103) ?? 0;

    public int SamplesPerPixel => GetInt(0x00280002) ?? 1;

    public int PlanarConfiguration => GetInt(0x00280006) ?? 0;

    public string? PhotometricInterpretation => GetString(0x00280004);

    public double RescaleSlope => GetNumbers(0x00281053)?.FirstOrDefault() is { } s && s != 0 ? s : 1;

    public double RescaleIntercept => GetNumbers(0x00281052)?.FirstOrDefault() ?? 0;

    public double? WindowCenter => GetNumbers(0x00281050)?.FirstOrDefault();

    public double? WindowWidth => GetNumbers(0x00281051)?.FirstOrDefault();

    public int NumberOfFrames => GetNumbers(0x00280008)?.FirstOrDefault() is { } n && n >= 1 ? (int)n : 1;

    /// <summary>Native pixel data, little endian, without a copy; null when absent or encapsulated.</summary>
    public ReadOnlyMemory<byte>? PixelMemory
    {
        get
        {
            if (IsEncapsulated)
            {
                return null;
            }

            if (_pixels is { } pixels)
            {
                return pixels;
            }

            if (Elements.TryGetValue(PixelDataTag, out var element))
            {
                return element.Value;
            }

            return null;
        }
    }

    /// <summary>A copy of the native pixel data, little endian; null when absent or encapsulated.</summary>
    public byte[]? PixelData => PixelMemory?.ToArray();

    public static DicomFile Read(string path)
    {
        var length = new FileInfo(path).Length;
        if (length > Array.MaxLength)
        {
            throw new ImageFormatException($"{Path.GetFileName(path)}: DICOM files larger than 2 GB are not supported.");
        }

        return Parse(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    public static DicomFile Parse(byte[] bytes, string name)
    {
        var fileName = Path.GetFileName(name);
        var pos = 0;
        if (bytes.Length >= 132 && bytes.AsSpan(128, 4).SequenceEqual("DICM"u8))
        {
            pos = 132;
        }

        var elements = new Dictionary<uint, DicomElement>();
        string? transferSyntax = null;
        var meta = new DicomStreamParser(bytes, fileName, explicitVr: true, bigEndian: false) { Position = pos };
        while (meta.Position + 4 <= bytes.Length && BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(meta.Position)) == 0x0002)
        {
            var e = meta.Next(elements);
            if (e?.Tag == 0x00020010)
            {
                transferSyntax = Encoding.ASCII.GetString(e.Value).TrimEnd('\0', ' ');
            }
        }

        if (transferSyntax is null)
        {
            if (pos == 0 && !LooksLikeDicom(bytes))
            {
                throw new ImageFormatException($"{fileName} is not a DICOM file.");
            }

            // No meta header: explicit VR shows two upper-case letters after the first tag.
            var at = meta.Position;
            transferSyntax = at + 6 <= bytes.Length && char.IsAsciiLetterUpper((char)bytes[at + 4]) && char.IsAsciiLetterUpper((char)bytes[at + 5])
                ? ExplicitVrLittleEndian
                : ImplicitVrLittleEndian;
        }

        var data = bytes;
        var start = meta.Position;
        if (transferSyntax == DeflatedExplicitVrLittleEndian)
        {
            try
            {
                using var inflated = new MemoryStream();
                using (var z = new DeflateStream(new MemoryStream(bytes, start, bytes.Length - start), CompressionMode.Decompress))
                {
                    var buffer = new byte[81920];
                    int n;
                    while ((n = z.Read(buffer)) > 0)
                    {
                        if (inflated.Length + n > Math.Min(Array.MaxLength, (long)(bytes.Length - start) * 1100))
                        {
                            throw new ImageFormatException($"{fileName}: the deflated data set inflates beyond any plausible size.");
                        }

                        inflated.Write(buffer, 0, n);
                    }
                }

                data = inflated.ToArray();
                start = 0;
            }
            catch (InvalidDataException e)
            {
                throw new ImageFormatException($"{fileName}: the deflated data set is corrupt ({e.Message}).", e);
            }
        }

        var parser = new DicomStreamParser(
            data, fileName, explicitVr: transferSyntax != ImplicitVrLittleEndian, bigEndian: transferSyntax == ExplicitVrBigEndian)
        { Position = start };
        while (parser.Position < data.Length)
        {
            parser.Next(elements);
        }

        if (elements.Count == 0)
        {
            throw new ImageFormatException($"{fileName} is not a DICOM file: it holds no data elements.");
        }

        ReadOnlyMemory<byte>? pixels = null;
        if (parser.PixelRange is { } range)
        {
            pixels = data.AsMemory(range.Offset, range.Length);
        }

        return new DicomFile(transferSyntax, elements, parser.SawEncapsulatedPixels, pixels);
    }

    private static bool LooksLikeDicom(byte[] bytes) =>
        ImageFormatDetector.Detect(string.Empty, bytes.AsSpan(0, Math.Min(bytes.Length, ImageFormatDetector.HeadLength))) == ImageFileFormat.Dicom;
}
