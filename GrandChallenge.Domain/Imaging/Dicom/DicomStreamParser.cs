using System.Buffers.Binary;
using System.Text;

namespace GrandChallenge.Domain.Imaging.Dicom;

/// <summary>Walks data elements in one transfer syntax, with bounds checked against the buffer.</summary>
internal sealed class DicomStreamParser(byte[] data, string fileName, bool explicitVr, bool bigEndian)
{
    private const uint Undefined = 0xFFFFFFFF;
    private const uint ItemTag = 0xFFFEE000;
    private const uint ItemDelimiter = 0xFFFEE00D;
    private const uint SequenceDelimiter = 0xFFFEE0DD;

    private static readonly HashSet<string> LongVrs = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"];

    // VRs needed where the transfer syntax does not carry them (implicit VR).
    private static readonly Dictionary<uint, string> ImplicitVrs = new()
    {
        [0x00280002] = "US",
        [0x00280006] = "US",
        [0x00280010] = "US",
        [0x00280011] = "US",
        [0x00280100] = "US",
        [0x00280101] = "US",
        [0x00280102] = "US",
        [0x00280103] = "US",
        [0x00209128] = "UL",
        [0x7FE00010] = "OW",
    };

    // Sequences of defined length that the reader needs where the transfer syntax does not mark them (implicit VR).
    private static readonly HashSet<uint> SequenceTags =
    [
        0x52009229, // Shared Functional Groups
        0x52009230, // Per-frame Functional Groups
        0x00209113, // Plane Position (Patient)
        0x00209116, // Plane Orientation (Patient)
        0x00289110, // Pixel Measures
        0x00289145, // Pixel Value Transformation
        0x00209111, // Frame Content
        0x00289132, // Frame VOI LUT
    ];

    public int Position { get; set; }

    public bool SawEncapsulatedPixels { get; private set; }

    /// <summary>Where the native little-endian pixel data lie in the buffer (kept there rather than copied).</summary>
    public (int Offset, int Length)? PixelRange { get; private set; }

    /// <summary>Reads one element at the top level, keeps it (sequences with their items) and returns it.</summary>
    public DicomElement? Next(Dictionary<uint, DicomElement> into) => ReadElement(into, depth: 0);

    private DicomElement? ReadElement(Dictionary<uint, DicomElement> into, int depth)
    {
        var (tag, vr, length) = ReadHeader();
        if (tag == PixelTag && length == Undefined)
        {
            SawEncapsulatedPixels = true;
            SkipFragments();
            return null;
        }

        if (tag == PixelTag && depth == 0 && !bigEndian)
        {
            var offset = Position;
            Skip(length);
            PixelRange = (offset, (int)length);
            var pixels = new DicomElement(tag, vr, []);
            into[tag] = pixels;
            return pixels;
        }

        if (vr == "SQ" || length == Undefined || (!explicitVr && SequenceTags.Contains(tag)))
        {
            var sequence = new DicomElement(tag, "SQ", []) { Items = ReadItems(length, depth + 1) };
            into[tag] = sequence;
            return sequence;
        }

        var value = Take(length).ToArray();
        if (bigEndian)
        {
            var size = vr switch
            {
                "US" or "SS" or "OW" => 2,
                "UL" or "SL" or "FL" or "OF" or "OL" => 4,
                "FD" or "OD" => 8,
                _ => 1,
            };
            if (size > 1)
            {
                PixelCopy.Swap(value, size);
            }
        }

        var element = new DicomElement(tag, vr, value);
        into[tag] = element;
        return element;
    }

    /// <summary>The items of a sequence of defined or undefined length, each item's elements kept.</summary>
    private List<Dictionary<uint, DicomElement>> ReadItems(uint length, int depth)
    {
        if (depth > 32)
        {
            throw new ImageFormatException($"{fileName}: DICOM sequences are nested too deeply.");
        }

        var items = new List<Dictionary<uint, DicomElement>>();
        var end = length == Undefined ? data.Length : Position + (long)length;
        if (end > data.Length)
        {
            throw Truncated();
        }

        while (Position < end)
        {
            var (tag, _, itemLength) = ReadItemHeader();
            if (tag == SequenceDelimiter)
            {
                return items;
            }

            if (tag != ItemTag)
            {
                throw new ImageFormatException($"{fileName}: expected a sequence item at byte {Position - 8}.");
            }

            var item = new Dictionary<uint, DicomElement>();
            items.Add(item);
            if (itemLength == Undefined)
            {
                while (true)
                {
                    var save = Position;
                    var (itemTag, _, _) = ReadItemHeader();
                    if (itemTag == ItemDelimiter)
                    {
                        break;
                    }

                    Position = save;
                    ReadElement(item, depth);
                }
            }
            else
            {
                var itemEnd = Position + (long)itemLength;
                if (itemEnd > end)
                {
                    throw Truncated();
                }

                while (Position < itemEnd)
                {
                    ReadElement(item, depth);
                }
            }
        }

        if (length == Undefined)
        {
            throw Truncated();
        }

        return items;
    }

    private const uint PixelTag = DicomFile.PixelDataTag;

    private (uint Tag, string Vr, uint Length) ReadHeader()
    {
        var head = Take(8);
        var group = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(head) : BinaryPrimitives.ReadUInt16LittleEndian(head);
        var element = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(head[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(head[2..]);
        var tag = ((uint)group << 16) | element;
        if (group == 0xFFFE || !explicitVr)
        {
            var length = bigEndian && group != 0xFFFE ? BinaryPrimitives.ReadUInt32BigEndian(head[4..]) : ReadU32(head[4..]);
            return (tag, group == 0xFFFE ? "--" : ImplicitVrs.GetValueOrDefault(tag, "UN"), length);
        }

        var vr = Encoding.ASCII.GetString(head.Slice(4, 2));
        if (!char.IsAsciiLetterUpper(vr[0]) || !char.IsAsciiLetterUpper(vr[1]))
        {
            throw new ImageFormatException($"{fileName}: invalid DICOM value representation at byte {Position - 4}.");
        }

        if (LongVrs.Contains(vr))
        {
            return (tag, vr, ReadU32(Take(4)));
        }

        var shortLength = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(head[6..]) : BinaryPrimitives.ReadUInt16LittleEndian(head[6..]);
        return (tag, vr, shortLength);
    }

    private uint ReadU32(ReadOnlySpan<byte> b) => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    /// <summary>Skips the fragments of encapsulated pixel data up to the sequence delimiter (an external tool decodes them).</summary>
    private void SkipFragments()
    {
        while (true)
        {
            var (tag, _, length) = ReadItemHeader();
            if (tag == SequenceDelimiter)
            {
                return;
            }

            if (tag != ItemTag)
            {
                throw new ImageFormatException($"{fileName}: expected a pixel data fragment at byte {Position - 8}.");
            }

            if (length == Undefined)
            {
                throw new ImageFormatException($"{fileName}: a pixel data fragment has no length.");
            }

            Skip(length);
        }
    }

    private (uint Tag, string Vr, uint Length) ReadItemHeader()
    {
        var head = Take(8);
        var group = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(head) : BinaryPrimitives.ReadUInt16LittleEndian(head);
        var element = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(head[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(head[2..]);
        return (((uint)group << 16) | element, "--", ReadU32(head[4..]));
    }

    private void Skip(uint length)
    {
        if (length > data.Length - Position)
        {
            throw Truncated();
        }

        Position += (int)length;
    }

    private ReadOnlySpan<byte> Take(uint length)
    {
        if (length > data.Length - Position)
        {
            throw Truncated();
        }

        var span = data.AsSpan(Position, (int)length);
        Position += (int)length;
        return span;
    }

    private ImageFormatException Truncated() =>
        new($"{fileName} is truncated or corrupt: a DICOM element at byte {Position} runs past the end of the data.");
}
