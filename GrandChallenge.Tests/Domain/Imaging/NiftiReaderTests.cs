using System.Buffers.Binary;
using GrandChallenge.Domain.Imaging;

namespace GrandChallenge.Tests.Domain.Imaging;

[Trait("Category", "Unit")]
public sealed class NiftiReaderTests
{
    private static byte[] Int16Voxels(int count, Func<int, short> value)
    {
        var bytes = new byte[count * 2];
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), value(i));
        }

        return bytes;
    }

    private static ImageVolume Read(byte[] file, string name = "t.nii") => NiftiReader.Read(new MemoryStream(file), name);

    private static void ShouldBeClose(double[] actual, params double[] expected) =>
        actual.Zip(expected).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-5, $"{string.Join(' ', actual)} ≈ {string.Join(' ', expected)}");

    [Fact]
    public void Sform_gives_spacing_origin_and_direction_in_lps()
    {
        var builder = new NiftiBuilder
        {
            Dim = [3, 4, 3, 2, 1, 1, 1, 1],
            Pixdim = [1, 2, 3, 4, 1, 0, 0, 0],
            SformCode = 1,
            Srow = [[-2, 0, 0, 10], [0, 3, 0, 20], [0, 0, 4, 30]],
        };
        using var image = Read(builder.Build(Int16Voxels(24, i => (short)(i - 5))));

        image.Dimensions.Should().Be(3);
        (image.Width, image.Height, image.Depth).Should().Be((4, 3, 2));
        image.PixelType.Should().Be(PixelType.Int16);
        image.Spacing.Should().Equal(2, 3, 4);
        image.Origin.Should().Equal(-10, -20, 30);
        image.Direction.Should().Equal(1, 0, 0, 0, -1, 0, 0, 0, 1);
        image.GetValue(0, 0, 0).Should().Be(-5);
        image.GetValue(3, 2, 1).Should().Be(18);
    }

    [Fact]
    public void Qform_quaternion_becomes_a_rotation_and_qfac_flips_z()
    {
        var h = Math.Sqrt(0.5);
        var builder = new NiftiBuilder
        {
            Pixdim = [-1, 1, 1, 2, 1, 0, 0, 0],
            QformCode = 1,
            Quatern = [0, 0, h],
            QOffset = [1, 2, 3],
        };
        using var image = Read(builder.Build(Int16Voxels(24, i => (short)i)));

        // 90° about z in RAS: x → +y, y → -x; z flipped by qfac; then x and y rows negated for LPS.
        ShouldBeClose(image.Direction, 0, 1, 0, -1, 0, 0, 0, 0, -1);
        ShouldBeClose(image.Origin, -1, -2, 3);
        image.Spacing.Should().Equal(1, 1, 2);
    }

    [Fact]
    public void Sform_is_preferred_over_qform()
    {
        var builder = new NiftiBuilder
        {
            QformCode = 1,
            Quatern = [0, 0, Math.Sqrt(0.5)],
            QOffset = [100, 100, 100],
            SformCode = 2,
            Srow = [[1, 0, 0, 5], [0, 1, 0, 6], [0, 0, 1, 7]],
        };
        using var image = Read(builder.Build(Int16Voxels(24, i => 0)));

        image.Origin.Should().Equal(-5, -6, 7);
        image.Direction.Should().Equal(-1, 0, 0, 0, -1, 0, 0, 0, 1);
    }

    [Fact]
    public void Without_a_transform_the_axes_are_ras_as_itk_reads_them()
    {
        using var image = Read(new NiftiBuilder().Build(Int16Voxels(24, i => 0)));

        image.Direction.Should().Equal(-1, 0, 0, 0, -1, 0, 0, 0, 1);
        image.Origin.Should().Equal(0, 0, 0);
    }

    [Fact]
    public void Big_endian_nifti2_and_gzip_read_the_same_voxels()
    {
        var voxels = Int16Voxels(24, i => (short)((i * 1000) - 9000));
        var swapped = voxels.ToArray();
        for (var i = 0; i < swapped.Length; i += 2)
        {
            (swapped[i], swapped[i + 1]) = (swapped[i + 1], swapped[i]);
        }

        using var plain = Read(new NiftiBuilder().Build(voxels));
        using var big = Read(new NiftiBuilder { BigEndian = true }.Build(swapped));
        using var two = Read(new NiftiBuilder { Version = 2 }.Build(voxels));
        using var twoBig = Read(new NiftiBuilder { Version = 2, BigEndian = true }.Build(swapped));
        using var gz = Read(TestImages.Gzip(new NiftiBuilder().Build(voxels)), "t.nii.gz");

        foreach (var image in new[] { big, two, twoBig, gz })
        {
            image.Pixels.ToArray().Should().Equal(plain.Pixels.ToArray());
            (image.Width, image.Height, image.Depth).Should().Be((4, 3, 2));
        }
    }

    [Fact]
    public void Integer_slope_and_intercept_give_an_integer_type_that_holds_the_result()
    {
        var builder = new NiftiBuilder { SclSlope = 1, SclInter = -1024 };
        using var image = Read(builder.Build(Int16Voxels(24, i => (short)(i * 100))));

        image.PixelType.Should().Be(PixelType.Int32);
        image.GetValue(0, 0, 0).Should().Be(-1024);
        image.GetValue(3, 2, 1).Should().Be(2300 - 1024);
    }

    [Fact]
    public void Fractional_slope_gives_float32()
    {
        var builder = new NiftiBuilder { SclSlope = 0.5, SclInter = 1.25 };
        using var image = Read(builder.Build(Int16Voxels(24, i => (short)i)));

        image.PixelType.Should().Be(PixelType.Float32);
        image.GetValue(1, 0, 0).Should().Be(1.75);
    }

    [Fact]
    public void Identity_scaling_keeps_the_stored_type()
    {
        using var image = Read(new NiftiBuilder { SclSlope = 1, SclInter = 0 }.Build(Int16Voxels(24, i => (short)i)));

        image.PixelType.Should().Be(PixelType.Int16);
    }

    [Fact]
    public void A_fourth_dimension_becomes_timepoints()
    {
        var builder = new NiftiBuilder { Dim = [4, 2, 2, 2, 3, 1, 1, 1], Pixdim = [1, 1, 1, 1, 0.5, 0, 0, 0] };
        using var image = Read(builder.Build(Int16Voxels(24, i => (short)i)));

        image.Dimensions.Should().Be(4);
        image.Timepoints.Should().Be(3);
        image.TimeSpacing.Should().Be(0.5);
        image.GetValue(1, 1, 1, 2).Should().Be(23);
        ImageMetadata.From(image, "t").Shape.Should().Equal(3, 2, 2, 2);
    }

    [Fact]
    public void A_single_timepoint_is_a_3d_image()
    {
        using var image = Read(new NiftiBuilder { Dim = [4, 4, 3, 2, 1, 1, 1, 1] }.Build(Int16Voxels(24, i => 0)));

        image.Dimensions.Should().Be(3);
    }

    [Fact]
    public void Rgb24_is_three_channels()
    {
        var voxels = Enumerable.Range(0, 24 * 3).Select(i => (byte)i).ToArray();
        using var image = Read(new NiftiBuilder { Datatype = 128, Bitpix = 24 }.Build(voxels));

        image.ColorSpace.Should().Be(ColorSpace.Rgb);
        image.Channels.Should().Be(3);
        image.Pixels.ToArray().Should().Equal(voxels);
    }

    [Fact]
    public void Int64_labels_are_narrowed_to_int32()
    {
        var voxels = new byte[24 * 8];
        for (var i = 0; i < 24; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(voxels.AsSpan(i * 8), i % 3);
        }

        using var image = Read(new NiftiBuilder { Datatype = 1024, Bitpix = 64 }.Build(voxels));

        image.PixelType.Should().Be(PixelType.Int32);
        image.GetValue(2, 0, 0).Should().Be(2);
    }

    [Fact]
    public void Int64_values_beyond_int32_are_refused()
    {
        var voxels = new byte[24 * 8];
        BinaryPrimitives.WriteInt64LittleEndian(voxels.AsSpan(8), long.MaxValue / 2);

        var act = () => Read(new NiftiBuilder { Datatype = 1024, Bitpix = 64 }.Build(voxels));

        act.Should().Throw<ImageFormatException>().WithMessage("*outside the 32-bit range*");
    }

    [Fact]
    public void Every_datatype_is_read()
    {
        foreach (var (code, bits, type) in new (short, short, PixelType)[]
        {
            (2, 8, PixelType.UInt8), (256, 8, PixelType.Int8), (512, 16, PixelType.UInt16), (8, 32, PixelType.Int32),
            (768, 32, PixelType.UInt32), (16, 32, PixelType.Float32), (64, 64, PixelType.Float64),
        })
        {
            var voxels = new byte[24 * bits / 8];
            voxels[bits / 8] = 7; // voxel 1, low byte (or a float's low mantissa byte)
            using var image = Read(new NiftiBuilder { Datatype = code, Bitpix = bits }.Build(voxels));
            image.PixelType.Should().Be(type);
            image.Pixels.ToArray().Should().Equal(voxels);
        }
    }

    public static TheoryData<byte[], string> BadFiles
    {
        get
        {
            var good = new NiftiBuilder().Build(Int16Voxels(24, i => (short)i));
            var pair = good.ToArray();
            "ni1\0"u8.CopyTo(pair.AsSpan(344));
            var complex = new NiftiBuilder { Datatype = 32, Bitpix = 64 }.Build(new byte[24 * 8]);
            var huge = new NiftiBuilder { Dim = [3, 30000, 30000, 30000, 1, 1, 1, 1] }.Build([]);
            var hugeGz = TestImages.Gzip(new NiftiBuilder { Dim = [3, 2000, 2000, 2000, 1, 1, 1, 1] }.Build(new byte[64]));
            var negative = new NiftiBuilder { Dim = [3, 4, -3, 2, 1, 1, 1, 1] }.Build(Int16Voxels(24, i => 0));
            var fiveD = new NiftiBuilder { Dim = [5, 2, 2, 2, 1, 3, 1, 1] }.Build(Int16Voxels(24, i => 0));
            var badGz = TestImages.Gzip(good)[..40].Concat(new byte[40]).ToArray();
            return new()
            {
                { good[..100], "*truncated*header*" },
                { good[..360], "*truncated*" },
                { good[..^1], "*truncated*" },
                { pair, "*header/image pairs*" },
                { complex, "*complex64*not supported*" },
                { huge, "*more than*allowed*" },
                { hugeGz, "*more than*gzipped bytes can hold*" },
                { negative, "*dim[2] is -3*" },
                { fiveD, "*more than 4 dimensions*" },
                { badGz, "*" },
                { [1, 2, 3], "*too short*" },
                { new byte[600], "*sizeof_hdr*" },
            };
        }
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Corrupt_and_truncated_files_give_a_clear_message(byte[] file, string message)
    {
        var act = () => Read(file);

        act.Should().Throw<ImageFormatException>().WithMessage(message);
    }

    [Fact]
    public void Every_truncation_of_a_gzipped_file_is_an_image_format_error()
    {
        // Noise does not compress, so every cut before the 8-byte gzip trailer loses voxels.
        var noise = new Random(1);
        var gz = TestImages.Gzip(new NiftiBuilder().Build(Int16Voxels(24, i => (short)noise.Next())));
        for (var length = 0; length < gz.Length - 12; length += 3)
        {
            var act = () => Read(gz[..length], "t.nii.gz");
            act.Should().Throw<ImageFormatException>($"a file cut at {length} bytes is broken");
        }
    }

    [Fact]
    public void Random_garbage_is_an_image_format_error()
    {
        var random = new Random(11);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(0, 1200)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length > 4)
            {
                BinaryPrimitives.WriteInt32LittleEndian(bytes, 348);
            }

            var act = () => Read(bytes);
            act.Should().Throw<ImageFormatException>();
        }
    }
}
