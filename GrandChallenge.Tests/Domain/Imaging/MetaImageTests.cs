using System.Text;
using GrandChallenge.Domain.Imaging;

namespace GrandChallenge.Tests.Domain.Imaging;

[Trait("Category", "Unit")]
public sealed class MetaImageTests
{
    public static TheoryData<int, PixelType, int, bool> Shapes => new()
    {
        { 2, PixelType.UInt8, 1, false },
        { 2, PixelType.UInt8, 3, true },
        { 2, PixelType.UInt8, 4, false },
        { 3, PixelType.Int8, 1, true },
        { 3, PixelType.UInt16, 1, false },
        { 3, PixelType.Int16, 1, true },
        { 3, PixelType.UInt32, 1, true },
        { 3, PixelType.Int32, 1, false },
        { 3, PixelType.Float32, 1, true },
        { 3, PixelType.Float64, 1, false },
        { 4, PixelType.Int16, 1, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Written_mha_reads_back_with_the_same_voxels_and_geometry(int dims, PixelType type, int channels, bool compress)
    {
        using var original = TestImages.Ramp(dims, 5, 4, dims > 2 ? 3 : 1, dims > 3 ? 2 : 1, channels, type);
        var image = new ImageVolume(
            original.Dimensions, original.Width, original.Height, original.Depth, original.Timepoints, original.Channels,
            original.PixelType, original.ColorSpace, original.Pixels)
        {
            Spacing = [0.5, 0.75, dims > 2 ? 2.5 : 1],
            Origin = [-10.25, 3, dims > 2 ? 7.5 : 0],
            Direction = dims > 2 ? [0, 1, 0, -1, 0, 0, 0, 0, 1] : [0, -1, 0, 1, 0, 0, 0, 0, 1],
            TimeSpacing = 0.25,
            WindowCenter = 40,
            WindowWidth = 400,
            Modality = "CT",
            Tags = { ["PatientID"] = "anon-1" },
        };

        using var ms = new MemoryStream();
        MetaImageWriter.Write(image, ms, compress);
        ms.Position = 0;
        using var read = MetaImageReader.Read(ms, "x.mha", null);

        read.Dimensions.Should().Be(dims);
        (read.Width, read.Height, read.Depth, read.Timepoints, read.Channels).Should().Be(
            (image.Width, image.Height, image.Depth, image.Timepoints, image.Channels));
        read.PixelType.Should().Be(type);
        read.ColorSpace.Should().Be(image.ColorSpace);
        read.Pixels.ToArray().Should().Equal(image.Pixels.ToArray());
        read.Spacing.Should().Equal(image.Spacing);
        read.Origin.Should().Equal(image.Origin);
        read.Direction.Should().Equal(image.Direction);
        read.WindowCenter.Should().Be(40);
        read.WindowWidth.Should().Be(400);
        read.Modality.Should().Be("CT");
        read.Tags.Should().Contain("PatientID", "anon-1");
        if (dims == 4)
        {
            read.TimeSpacing.Should().Be(0.25);
        }
    }

    [Fact]
    public void The_header_is_itk_style_and_the_transform_matrix_lists_axis_directions()
    {
        using var ramp = TestImages.Ramp(3, 2, 2, 2);
        var image = new ImageVolume(3, 2, 2, 2, 1, 1, PixelType.Int16, ColorSpace.Gray, ramp.Pixels)
        {
            // x axis points along +y, y axis along -x.
            Direction = [0, -1, 0, 1, 0, 0, 0, 0, 1],
        };
        using var ms = new MemoryStream();
        MetaImageWriter.Write(image, ms, compress: true);
        var header = Encoding.ASCII.GetString(ms.ToArray()).Split("ElementDataFile = LOCAL\n")[0];

        header.Should().StartWith("ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\nCompressedData = True\nCompressedDataSize = ");
        header.Should().Contain("TransformMatrix = 0 1 0 -1 0 0 0 0 1\n");
        header.Should().Contain("DimSize = 2 2 2\n").And.Contain("ElementType = MET_SHORT\n");
    }

    [Fact]
    public void Mhd_with_external_raw_in_big_endian_is_read()
    {
        var dir = TestImages.TempDir();
        var raw = new byte[] { 0x01, 0x02, 0xFF, 0xFE, 0x00, 0x10, 0x80, 0x00 };
        File.WriteAllBytes(Path.Combine(dir, "scan.raw"), raw);
        File.WriteAllText(Path.Combine(dir, "scan.mhd"),
            "ObjectType = Image\nNDims = 2\nDimSize = 2 2\nElementSpacing = 0.3 0.4\nOffset = 1 2\n" +
            "BinaryDataByteOrderMSB = True\nElementType = MET_SHORT\nElementDataFile = scan.raw\n");

        using var image = MetaImageReader.Read(Path.Combine(dir, "scan.mhd"));

        image.Dimensions.Should().Be(2);
        image.GetValue(0, 0).Should().Be(0x0102);
        image.GetValue(1, 0).Should().Be(-2);
        image.GetValue(0, 1).Should().Be(0x0010);
        image.GetValue(1, 1).Should().Be(-32768);
        image.Spacing.Should().Equal(0.3, 0.4, 1);
        image.Origin.Should().Equal(1, 2, 0);
    }

    [Fact]
    public void Mhd_with_zraw_and_channels_is_read()
    {
        var dir = TestImages.TempDir();
        var rgb = Enumerable.Range(0, 2 * 2 * 2 * 3).Select(i => (byte)(i * 3)).ToArray();
        File.WriteAllBytes(Path.Combine(dir, "c.zraw"), TestImages.Zlib(rgb));
        File.WriteAllText(Path.Combine(dir, "c.mhd"),
            "ObjectType = Image\nNDims = 3\nDimSize = 2 2 2\nElementNumberOfChannels = 3\nCompressedData = True\n" +
            "ElementType = MET_UCHAR_ARRAY\nElementDataFile = c.zraw\n");

        using var image = MetaImageReader.Read(Path.Combine(dir, "c.mhd"));

        image.ColorSpace.Should().Be(ColorSpace.Rgb);
        image.Pixels.ToArray().Should().Equal(rgb);
        image.GetValue(1, 1, 1, channel: 2).Should().Be(rgb[^1]);
    }

    [Fact]
    public void A_missing_data_file_is_reported()
    {
        var dir = TestImages.TempDir();
        File.WriteAllText(Path.Combine(dir, "a.mhd"), "NDims = 2\nDimSize = 2 2\nElementType = MET_UCHAR\nElementDataFile = a.raw\n");

        var act = () => MetaImageReader.Read(Path.Combine(dir, "a.mhd"));

        act.Should().Throw<ImageFormatException>().WithMessage("*a.raw was not found*");
    }

    [Fact]
    public void A_data_file_outside_the_header_directory_is_refused()
    {
        var dir = TestImages.TempDir();
        File.WriteAllText(Path.Combine(dir, "a.mhd"), "NDims = 2\nDimSize = 2 2\nElementType = MET_UCHAR\nElementDataFile = ../../etc/passwd\n");

        var act = () => MetaImageReader.Read(Path.Combine(dir, "a.mhd"));

        act.Should().Throw<ImageFormatException>().WithMessage("*not found next to the header*");
    }

    public static TheoryData<string, string> BadHeaders => new()
    {
        { "NDims = 3\nDimSize = 2 2 2\nElementType = MET_SHORT\nElementDataFile = LOCAL\n\x01\x02", "*truncated*" },
        { "NDims = 3\nDimSize = 100000 100000 100000\nElementType = MET_SHORT\nElementDataFile = LOCAL\n", "*more than*allowed*" },
        { "NDims = 3\nDimSize = 1000 1000 1000\nElementType = MET_SHORT\nElementDataFile = LOCAL\nabc", "*truncated*" },
        { "NDims = 3\nDimSize = 1000 1000 100\nCompressedData = True\nElementType = MET_SHORT\nElementDataFile = LOCAL\nxyz", "*more than 3 compressed bytes can hold*" },
        { "NDims = 2\nDimSize = 2 2\nCompressedData = True\nElementType = MET_UCHAR\nElementDataFile = LOCAL\nnot zlib", "*corrupt*" },
        { "NDims = 7\nDimSize = 2 2\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n", "*NDims is 7*" },
        { "NDims = 2\nDimSize = 2 -2\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n", "*not a positive whole number*" },
        { "NDims = 2\nDimSize = 2 2\nElementType = MET_STRING\nElementDataFile = LOCAL\n", "*MET_STRING is not supported*" },
        { "NDims = 2\nDimSize = 2 2\nElementType = MET_UCHAR\n", "*without ElementDataFile*" },
        { "NDims = 2\nDimSize = 2 2\nElementNumberOfChannels = 2\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n1234", "*2 channels*" },
        { "NDims = 2\nDimSize = 2 2\nElementSpacing = 1 abc\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n1234", "*not a number*" },
        { "NDims = 2\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n1234", "*has no DimSize*" },
        { "NDims = 2\nDimSize = 2 2\nElementType = MET_UCHAR\nElementDataFile = LIST\na.raw\n", "*several data files*" },
        { "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "*not a MetaImage file*" },
        { "just some text\n", "*not \"Key = Value\"*" },
        { "", "*not a complete MetaImage file*" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void Corrupt_and_truncated_files_give_a_clear_message(string content, string message)
    {
        using var ms = new MemoryStream(Encoding.Latin1.GetBytes(content));

        var act = () => MetaImageReader.Read(ms, "bad.mha", null);

        act.Should().Throw<ImageFormatException>().WithMessage(message);
    }

    [Fact]
    public void A_truncated_compressed_stream_gives_a_clear_message()
    {
        using var image = TestImages.Ramp(3, 16, 16, 4);
        using var ms = new MemoryStream();
        MetaImageWriter.Write(image, ms, compress: true);
        var cut = ms.ToArray()[..(int)(ms.Length - 40)];

        var act = () => MetaImageReader.Read(new MemoryStream(cut), "cut.mha", null);

        act.Should().Throw<ImageFormatException>().WithMessage("*truncated*");
    }

    [Fact]
    public void Every_truncation_of_a_file_is_an_image_format_error()
    {
        using var image = TestImages.Ramp(3, 3, 3, 2);
        foreach (var compress in new[] { false, true })
        {
            using var ms = new MemoryStream();
            MetaImageWriter.Write(image, ms, compress);
            var bytes = ms.ToArray();
            for (var length = 0; length < bytes.Length; length += 7)
            {
                var act = () => MetaImageReader.Read(new MemoryStream(bytes[..length]), "t.mha", null);
                act.Should().Throw<ImageFormatException>($"a file cut at {length} of {bytes.Length} bytes is broken");
            }
        }
    }

    [Fact]
    public void Random_garbage_is_an_image_format_error()
    {
        var random = new Random(5);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(0, 2000)];
            random.NextBytes(bytes);
            var act = () => MetaImageReader.Read(new MemoryStream(bytes), "g.mha", null);
            act.Should().Throw<ImageFormatException>();
        }
    }

    [Fact]
    public void Large_volumes_spill_to_a_temporary_file_and_round_trip()
    {
        var options = new ImageReadOptions { InMemoryLimitBytes = 1024 };
        using var image = ImageVolume.Allocate(3, 64, 32, 8, 1, 1, PixelType.UInt16, ColorSpace.Gray, options);
        for (long i = 0; i < image.ElementCount; i += 97)
        {
            image.SetElement(i, i % 65535);
        }

        using var ms = new MemoryStream();
        MetaImageWriter.Write(image, ms);
        ms.Position = 0;
        using var read = MetaImageReader.Read(ms, "big.mha", null, options);

        read.Pixels.GetType().Name.Should().Be("FilePixelBuffer");
        read.Pixels.ToArray().Should().Equal(image.Pixels.ToArray());
    }
}
