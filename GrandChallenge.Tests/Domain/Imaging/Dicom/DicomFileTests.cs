using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Dicom;

namespace GrandChallenge.Tests.Domain.Imaging.Dicom;

/// <summary>A tiny DICOM writer for tests: a few elements in any native transfer syntax.</summary>
internal static class DicomWriter
{
    private static readonly HashSet<string> LongVrs = ["OB", "OW", "SQ", "UN", "UT"];

    public static byte[] Write(string transferSyntax, bool preamble, bool meta, IEnumerable<(uint Tag, string Vr, byte[] Value)> elements)
    {
        using var ms = new MemoryStream();
        if (preamble)
        {
            ms.Write(new byte[128]);
            ms.Write("DICM"u8);
        }

        if (meta)
        {
            Element(ms, 0x00020010, "UI", Uid(transferSyntax), explicitVr: true, bigEndian: false);
        }

        var explicitVr = transferSyntax != DicomFile.ImplicitVrLittleEndian;
        var bigEndian = transferSyntax == DicomFile.ExplicitVrBigEndian;
        using var body = new MemoryStream();
        foreach (var (tag, vr, value) in elements.OrderBy(e => e.Tag))
        {
            Element(body, tag, vr, value, explicitVr, bigEndian);
        }

        if (transferSyntax == DicomFile.DeflatedExplicitVrLittleEndian)
        {
            using var z = new DeflateStream(ms, CompressionLevel.Fastest, leaveOpen: true);
            z.Write(body.ToArray());
        }
        else
        {
            ms.Write(body.ToArray());
        }

        return ms.ToArray();
    }

    public static byte[] Uid(string s) => Encoding.ASCII.GetBytes(s.Length % 2 == 1 ? s + "\0" : s);

    public static byte[] Text(string s) => Encoding.ASCII.GetBytes(s.Length % 2 == 1 ? s + " " : s);

    public static byte[] U16(ushort v, bool bigEndian = false)
    {
        var b = new byte[2];
        if (bigEndian) { BinaryPrimitives.WriteUInt16BigEndian(b, v); }
        else { BinaryPrimitives.WriteUInt16LittleEndian(b, v); }
        return b;
    }

    private static void Element(Stream s, uint tag, string vr, byte[] value, bool explicitVr, bool bigEndian)
    {
        var b = new byte[4];
        void U16Out(int v)
        {
            if (bigEndian) { BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)v); }
            else { BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); }
            s.Write(b, 0, 2);
        }

        void U32Out(uint v)
        {
            if (bigEndian) { BinaryPrimitives.WriteUInt32BigEndian(b, v); }
            else { BinaryPrimitives.WriteUInt32LittleEndian(b, v); }
            s.Write(b, 0, 4);
        }

        U16Out((int)(tag >> 16));
        U16Out((int)(tag & 0xFFFF));
        if (!explicitVr)
        {
            U32Out((uint)value.Length);
        }
        else if (LongVrs.Contains(vr))
        {
            s.Write(Encoding.ASCII.GetBytes(vr));
            s.Write([0, 0]);
            U32Out((uint)value.Length);
        }
        else
        {
            s.Write(Encoding.ASCII.GetBytes(vr));
            U16Out(value.Length);
        }

        s.Write(value);
    }
}

[Trait("Category", "Unit")]
public sealed class DicomFileTests
{
    private static IEnumerable<(uint, string, byte[])> Slice(bool bigEndian, byte[] pixels) =>
    [
        (0x00080060, "CS", DicomWriter.Text("CT")),
        (0x0020000E, "UI", DicomWriter.Uid("1.2.3.4.5")),
        (0x00200032, "DS", DicomWriter.Text("-10.5\\20\\30.25")),
        (0x00200037, "DS", DicomWriter.Text("1\\0\\0\\0\\1\\0")),
        (0x00280002, "US", DicomWriter.U16(1, bigEndian)),
        (0x00280004, "CS", DicomWriter.Text("MONOCHROME2")),
        (0x00280010, "US", DicomWriter.U16(2, bigEndian)),
        (0x00280011, "US", DicomWriter.U16(3, bigEndian)),
        (0x00280030, "DS", DicomWriter.Text("0.5\\0.75")),
        (0x00180050, "DS", DicomWriter.Text("2.5")),
        (0x00280100, "US", DicomWriter.U16(16, bigEndian)),
        (0x00280101, "US", DicomWriter.U16(12, bigEndian)),
        (0x00280103, "US", DicomWriter.U16(1, bigEndian)),
        (0x00281050, "DS", DicomWriter.Text("40\\50")),
        (0x00281051, "DS", DicomWriter.Text("400\\500")),
        (0x00281052, "DS", DicomWriter.Text("-1024")),
        (0x00281053, "DS", DicomWriter.Text("1")),
        (0x7FE00010, "OW", pixels),
    ];

    private static byte[] Pixels(bool bigEndian)
    {
        var p = new byte[12];
        for (var i = 0; i < 6; i++)
        {
            var v = (short)((i * 100) - 200);
            if (bigEndian) { BinaryPrimitives.WriteInt16BigEndian(p.AsSpan(i * 2), v); }
            else { BinaryPrimitives.WriteInt16LittleEndian(p.AsSpan(i * 2), v); }
        }

        return p;
    }

    public static TheoryData<string, bool, bool> Syntaxes => new()
    {
        { DicomFile.ImplicitVrLittleEndian, true, true },
        { DicomFile.ImplicitVrLittleEndian, false, false },
        { DicomFile.ExplicitVrLittleEndian, true, true },
        { DicomFile.ExplicitVrLittleEndian, false, false },
        { DicomFile.ExplicitVrLittleEndian, false, true },
        { DicomFile.ExplicitVrBigEndian, true, true },
        { DicomFile.DeflatedExplicitVrLittleEndian, true, true },
    };

    [Theory]
    [MemberData(nameof(Syntaxes))]
    public void Native_transfer_syntaxes_give_the_same_tags_and_pixels(string syntax, bool preamble, bool meta)
    {
        var bigEndian = syntax == DicomFile.ExplicitVrBigEndian;
        var bytes = DicomWriter.Write(syntax, preamble, meta, Slice(bigEndian, Pixels(bigEndian)));

        var file = DicomFile.Parse(bytes, "slice.dcm");

        file.TransferSyntaxUid.Should().Be(syntax);
        file.SeriesInstanceUid.Should().Be("1.2.3.4.5");
        file.Modality.Should().Be("CT");
        file.ImagePositionPatient.Should().Equal(-10.5, 20, 30.25);
        file.ImageOrientationPatient.Should().Equal(1, 0, 0, 0, 1, 0);
        file.PixelSpacing.Should().Equal(0.5, 0.75);
        file.SliceThickness.Should().Be(2.5);
        (file.Rows, file.Columns, file.BitsAllocated, file.BitsStored, file.PixelRepresentation, file.SamplesPerPixel)
            .Should().Be((2, 3, 16, 12, 1, 1));
        file.PhotometricInterpretation.Should().Be("MONOCHROME2");
        (file.RescaleSlope, file.RescaleIntercept).Should().Be((1, -1024));
        (file.WindowCenter, file.WindowWidth).Should().Be((40, 400));
        file.NumberOfFrames.Should().Be(1);
        file.IsEncapsulated.Should().BeFalse();
        file.PixelData.Should().Equal(Pixels(bigEndian: false));
    }

    [Fact]
    public void Encapsulated_pixel_data_are_recognised_and_not_returned_as_native()
    {
        var head = DicomWriter.Write(DicomFile.ExplicitVrLittleEndian, true, true, Slice(false, [])).ToList();
        // Replace the empty native pixel element by an encapsulated one: OB, undefined length, offset table, one fragment, delimiter.
        head.RemoveRange(head.Count - 12, 12);
        head.AddRange([0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        head.AddRange([0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
        head.AddRange([0xFE, 0xFF, 0x00, 0xE0, 4, 0, 0, 0, 1, 2, 3, 4]);
        head.AddRange([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);

        var file = DicomFile.Parse(head.ToArray(), "jpeg.dcm");

        file.IsEncapsulated.Should().BeTrue();
        file.PixelData.Should().BeNull();
        file.Rows.Should().Be(2);
    }

    [Fact]
    public void Sequences_of_undefined_length_are_skipped()
    {
        var bytes = DicomWriter.Write(DicomFile.ExplicitVrLittleEndian, true, true, Slice(false, Pixels(false))).ToList();
        var insertAt = FindTag(bytes.ToArray(), 0x0020, 0x0032);
        byte[] sequence =
        [
            0x08, 0x00, 0x15, 0x11, (byte)'S', (byte)'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF,
            0x08, 0x00, 0x50, 0x11, (byte)'U', (byte)'I', 2, 0, (byte)'1', 0,
            0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0,
            0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0,
        ];
        bytes.InsertRange(insertAt, sequence);

        var file = DicomFile.Parse(bytes.ToArray(), "seq.dcm");

        file.ImagePositionPatient.Should().Equal(-10.5, 20, 30.25);
        file.Elements.Should().NotContainKey(0x00081150u);
    }

    private static int FindTag(byte[] bytes, ushort group, ushort element)
    {
        for (var i = 132; i + 4 <= bytes.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i)) == group && BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 2)) == element)
            {
                return i;
            }
        }

        throw new InvalidOperationException("tag not found");
    }

    [Fact]
    public void Truncated_and_garbage_files_give_a_clear_message()
    {
        var bytes = DicomWriter.Write(DicomFile.ExplicitVrLittleEndian, true, true, Slice(false, Pixels(false)));
        for (var length = 133; length < bytes.Length - 1; length += 5)
        {
            // A cut on an element boundary is a valid, shorter data set: it then lacks the pixel data.
            try
            {
                DicomFile.Parse(bytes[..length], "cut.dcm").PixelData.Should().BeNull();
            }
            catch (ImageFormatException e)
            {
                e.Message.Should().Contain("cut.dcm");
            }
        }

        var random = new Random(7);
        for (var i = 0; i < 50; i++)
        {
            var garbage = new byte[random.Next(0, 600)];
            random.NextBytes(garbage);
            if (i % 2 == 0 && garbage.Length > 132)
            {
                "DICM"u8.CopyTo(garbage.AsSpan(128));
            }

            var act = () => DicomFile.Parse(garbage, "g.dcm");
            act.Should().Throw<ImageFormatException>();
        }
    }

    [Fact]
    public void A_lying_element_length_does_not_allocate()
    {
        var bytes = DicomWriter.Write(DicomFile.ExplicitVrLittleEndian, true, true, Slice(false, Pixels(false)));
        var pixelTag = bytes.Length - 12 - 12;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(pixelTag + 8), 0x7FFFFFF0);

        var act = () => DicomFile.Parse(bytes, "lie.dcm");

        act.Should().Throw<ImageFormatException>().WithMessage("*truncated or corrupt*");
    }
}
