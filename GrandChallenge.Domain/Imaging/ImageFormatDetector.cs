using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace GrandChallenge.Domain.Imaging;

public enum ImageFileFormat
{
    Unknown,
    MetaImageMha,
    MetaImageMhd,
    Nifti,
    Dicom,
    Tiff,
    Png,
    Jpeg,
}

/// <summary>Recognises image files by their first bytes, falling back on the extension only where bytes cannot tell.</summary>
public static class ImageFormatDetector
{
    /// <summary>How many leading bytes <see cref="Detect(string, ReadOnlySpan{byte})"/> wants to see.</summary>
    public const int HeadLength = 1024;

    internal static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly string[] MetaKeys =
    [
        "ObjectType", "ObjectSubType", "NDims", "Comment", "DimSize", "TransformType", "ElementType",
        "BinaryData", "BinaryDataByteOrderMSB", "ElementByteOrderMSB", "CompressedData", "HeaderSize",
        "Name", "ID", "ParentID", "Color", "Offset", "Position", "TransformMatrix", "ElementSpacing",
    ];

    public static ImageFileFormat Detect(string path)
    {
        var head = new byte[HeadLength];
        int n;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            n = PixelBuffer.ReadFully(file, head);
        }

        var format = Detect(path, head.AsSpan(0, n));
        if (format == ImageFileFormat.Unknown && n >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            // A gzip file: a NIfTI when its first decompressed bytes say so.
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
                using var gz = new GZipStream(file, CompressionMode.Decompress);
                var inner = new byte[544];
                var m = PixelBuffer.ReadFully(gz, inner);
                return IsNifti(inner.AsSpan(0, m)) ? ImageFileFormat.Nifti : ImageFileFormat.Unknown;
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                return ImageFileFormat.Unknown;
            }
        }

        return format;
    }

    /// <summary>Detects the format from a file name and its first bytes (ideally <see cref="HeadLength"/>).</summary>
    public static ImageFileFormat Detect(string fileName, ReadOnlySpan<byte> head)
    {
        var name = fileName.ToLowerInvariant();
        if (head.StartsWith(PngSignature))
        {
            return ImageFileFormat.Png;
        }

        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
        {
            return ImageFileFormat.Jpeg;
        }

        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8) || head.StartsWith("II+\0"u8) || head.StartsWith("MM\0+"u8))
        {
            return ImageFileFormat.Tiff;
        }

        if (head.Length >= 132 && head.Slice(128, 4).SequenceEqual("DICM"u8))
        {
            return ImageFileFormat.Dicom;
        }

        if (IsNifti(head))
        {
            return ImageFileFormat.Nifti;
        }

        if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B && name.EndsWith(".nii.gz", StringComparison.Ordinal))
        {
            return ImageFileFormat.Nifti;
        }

        if (LooksLikeMetaImage(head))
        {
            return name.EndsWith(".mhd", StringComparison.Ordinal) || !HasLocalData(head) && !name.EndsWith(".mha", StringComparison.Ordinal)
                ? ImageFileFormat.MetaImageMhd
                : ImageFileFormat.MetaImageMha;
        }

        if (LooksLikeDicomWithoutPreamble(head))
        {
            return ImageFileFormat.Dicom;
        }

        return ImageFileFormat.Unknown;
    }

    private static bool IsNifti(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 348)
        {
            var size = BinaryPrimitives.ReadInt32LittleEndian(head);
            var swapped = BinaryPrimitives.ReadInt32BigEndian(head);
            if ((size == 348 || swapped == 348) && (head.Slice(344, 4).SequenceEqual("n+1\0"u8) || head.Slice(344, 4).SequenceEqual("ni1\0"u8)))
            {
                return true;
            }
        }

        if (head.Length >= 12)
        {
            var size = BinaryPrimitives.ReadInt32LittleEndian(head);
            var swapped = BinaryPrimitives.ReadInt32BigEndian(head);
            return (size == 540 || swapped == 540) && (head.Slice(4, 3).SequenceEqual("n+2"u8) || head.Slice(4, 3).SequenceEqual("ni2"u8));
        }

        return false;
    }

    private static bool LooksLikeMetaImage(ReadOnlySpan<byte> head)
    {
        var end = head.IndexOf((byte)'\n');
        var first = end < 0 ? head : head[..end];
        if (first.Length == 0 || first.Length > 1000 || first.IndexOf((byte)0) >= 0)
        {
            return false;
        }

        var line = Encoding.ASCII.GetString(first);
        var eq = line.IndexOf('=');
        if (eq <= 0)
        {
            return false;
        }

        var key = line[..eq].Trim();
        return MetaKeys.Contains(key, StringComparer.OrdinalIgnoreCase);
    }

    private static bool HasLocalData(ReadOnlySpan<byte> head)
    {
        var text = Encoding.ASCII.GetString(head);
        var at = text.IndexOf("ElementDataFile", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return true; // the header is longer than what we saw; an .mha is the common case
        }

        var eol = text.IndexOf('\n', at);
        var line = eol < 0 ? text[at..] : text[at..eol];
        return line.Contains("LOCAL", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A DICOM stream without the 128-byte preamble and "DICM" starts with a data element of group
    /// 0x0002 or 0x0008 in little endian; explicit VR shows two upper-case letters after the tag,
    /// implicit VR a sensible 32-bit length.
    /// </summary>
    private static bool LooksLikeDicomWithoutPreamble(ReadOnlySpan<byte> head)
    {
        if (head.Length < 8)
        {
            return false;
        }

        var group = BinaryPrimitives.ReadUInt16LittleEndian(head);
        var element = BinaryPrimitives.ReadUInt16LittleEndian(head[2..]);
        if (group is not (0x0002 or 0x0008) || element > 0x0100)
        {
            return false;
        }

        if (char.IsAsciiLetterUpper((char)head[4]) && char.IsAsciiLetterUpper((char)head[5]))
        {
            return true;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
        return length is > 0 and < 1024 && (element == 0 ? length == 4 : true);
    }
}
