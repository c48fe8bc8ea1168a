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
        [0x7FE00010] = "OW",
    };

    public int Position { get; set; }

    public bool SawEncapsulatedPixels { get; private set; }

    /// <summary>Reads one element at the top level, keeps it unless it is a sequence, and returns it.</summary>
    public DicomElement? Next(Dictionary<uint, DicomElement> into)
    {
        var (tag, vr, length) = ReadHeader();
        if (tag == PixelTag && length == Undefined)
        {
            SawEncapsulatedPixels = true;
            SkipUndefined(isSequence: false);
            return null;
        }

        if (vr == "SQ" || length == Undefined)
        {
            if (length == Undefined)
            {
                SkipUndefined(isSequence: true);
            }
            else
            {
                Skip(length);
            }

            return null;
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

    /// <summary>Skips items up to the sequence delimiter (also used for encapsulated pixel fragments).</summary>
    private void SkipUndefined(bool isSequence, int depth = 0)
    {
        if (depth > 32)
        {
            throw new ImageFormatException($"{fileName}: DICOM sequences are nested too deeply.");
        }

        while (true)
        {
            var (tag, _, length) = ReadItemHeader();
            if (tag == SequenceDelimiter)
            {
                return;
            }

            if (tag != ItemTag)
            {
                throw new ImageFormatException($"{fileName}: expected a sequence item at byte {Position - 8}.");
            }

            if (length != Undefined)
            {
                Skip(length);
                continue;
            }

            if (!isSequence)
            {
                throw new ImageFormatException($"{fileName}: a pixel data fragment has no length.");
            }

            // An item of undefined length: elements until the item delimiter.
            while (true)
            {
                var save = Position;
                var (itemTag, _, _) = ReadItemHeader();
                if (itemTag == ItemDelimiter)
                {
                    break;
                }

                Position = save;
                var (_, _, elementLength) = ReadHeader();
                if (elementLength == Undefined)
                {
                    SkipUndefined(isSequence: true, depth + 1);
                }
                else
                {
                    Skip(elementLength);
                }
            }
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
