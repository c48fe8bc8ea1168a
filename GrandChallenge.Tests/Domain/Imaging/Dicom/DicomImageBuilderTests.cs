using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Dicom;
using GrandChallenge.Domain.Imaging.Import;
using GrandChallenge.Tests.Infrastructure;

namespace GrandChallenge.Tests.Domain.Imaging.Dicom;

[Trait("Category", "Unit")]
public sealed class DicomImageBuilderTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDirectory("dicom");
    private readonly string _work;

    public DicomImageBuilderTests()
    {
        _work = Path.Combine(_dir, "work");
        Directory.CreateDirectory(_work);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static int Value(int x, int y, int z) => (x * 100) + (y * 10) + (z * 1000) - 500;

    private ImageBuildResult Build(IEnumerable<string> files, byte[]? key = null) =>
        new DicomImageBuilder().Build(files.ToList(), DicomTestData.Context(_work, key), CancellationToken.None);

    internal static void ShouldHoldValues(ImageVolume v, Func<int, int, int, int> value, int tolerance = 0)
    {
        for (var z = 0; z < v.Depth; z++)
        {
            for (var y = 0; y < v.Height; y++)
            {
                for (var x = 0; x < v.Width; x++)
                {
                    v.GetValue(x, y, z).Should().BeApproximately(value(x, y, z), tolerance, $"voxel ({x}, {y}, {z})");
                }
            }
        }
    }

    [Fact]
    public void An_axial_series_becomes_one_volume_with_geometry_from_the_positions()
    {
        var files = DicomTestData.WriteSeries(_dir, 5, 2.5, Value);

        var result = Build(files);

        result.FileErrors.Should().BeEmpty();
        result.Images.Should().ContainSingle();
        using var image = result.Images[0];
        var v = image.Volume!;
        (v.Dimensions, v.Width, v.Height, v.Depth, v.Channels, v.PixelType).Should().Be((3, 4, 3, 5, 1, PixelType.Int16));
        v.Spacing.Should().Equal(0.75, 0.5, 2.5);
        v.Origin.Should().Equal(-10, 20, 30);
        v.Direction.Should().Equal(1, 0, 0, 0, 1, 0, 0, 0, 1);
        v.Modality.Should().Be("CT");
        ShouldHoldValues(v, Value);
        image.ConsumedFiles.Should().BeEquivalentTo(files);
        result.ConsumedFiles.Should().BeEquivalentTo(files);
    }

    [Fact]
    public void A_shuffled_oblique_series_is_sorted_along_the_slice_normal()
    {
        var s = Math.Sqrt(0.5);
        var spec = new SliceSpec { Orientation = [s, s, 0, 0, 0, -1] };
        var order = new[] { 3, 0, 4, 1, 2 };
        var files = DicomTestData.WriteSeries(_dir, 5, 1.25, Value, spec, fileName: z => $"img{order[z]}.dcm");

        var result = Build(files.OrderBy(_ => Guid.NewGuid()));

        result.FileErrors.Should().BeEmpty();
        using var image = result.Images.Single();
        var v = image.Volume!;
        ShouldHoldValues(v, Value);
        v.Spacing[2].Should().BeApproximately(1.25, 1e-4, "spacing comes from positions, not SliceThickness (9)");
        v.Origin.Should().Equal(-10, 20, 30);
        // normal = row × column = (s, s, 0) × (0, 0, -1) = (-s, s, 0)
        var d = v.Direction;
        new[] { d[0], d[3], d[6] }.Should().Equal(s, s, 0);
        new[] { d[1], d[4], d[7] }.Should().Equal(0, 0, -1);
        d[2].Should().BeApproximately(-s, 1e-9);
        d[5].Should().BeApproximately(s, 1e-9);
        d[8].Should().BeApproximately(0, 1e-9);
    }

    [Fact]
    public void A_series_with_a_missing_slice_is_refused_with_a_message_on_each_file()
    {
        var files = DicomTestData.WriteSeries(_dir, 6, 2, Value);
        File.Delete(files[3]);
        files.RemoveAt(3);

        var result = Build(files);

        result.Images.Should().BeEmpty();
        result.FileErrors.Keys.Should().BeEquivalentTo(files);
        result.FileErrors.Values.Should().AllSatisfy(m => m.Should().Contain("slice is missing").And.Contain("slice002.dcm").And.Contain("slice004.dcm").And.Contain("gap 4 mm"));
    }

    [Fact]
    public void Mixed_series_in_one_upload_become_separate_images_and_other_files_are_left_alone()
    {
        var a = DicomTestData.WriteSeries(_dir, 3, 2, Value, new SliceSpec { SeriesUid = "1.2.3.100" }, fileName: z => $"a{z}.dcm");
        var b = DicomTestData.WriteSeries(_dir, 4, 3, (x, y, z) => -Value(x, y, z), new SliceSpec { SeriesUid = "1.2.3.200", Width = 5 }, fileName: z => $"b{z}.dcm");
        // A localizer in series a: same SeriesInstanceUID, another orientation.
        var localizer = DicomTestData.WriteSeries(_dir, 1, 1, Value, new SliceSpec { SeriesUid = "1.2.3.100", Orientation = [1, 0, 0, 0, 0, -1] }, fileName: _ => "loc.dcm");
        var text = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(text, "not an image");

        var result = Build([.. a, .. b, .. localizer, text]);

        result.FileErrors.Should().BeEmpty();
        result.Images.Should().HaveCount(3);
        result.Images.Select(i => (i.Volume!.Width, i.Volume.Depth)).Should().BeEquivalentTo(new[] { (4, 3), (5, 4), (4, 1) });
        result.ConsumedFiles.Should().NotContain(text);
        var second = result.Images.Single(i => i.Volume!.Width == 5).Volume!;
        ShouldHoldValues(second, (x, y, z) => -Value(x, y, z));
        second.Spacing[2].Should().Be(3);
        foreach (var image in result.Images)
        {
            image.Dispose();
        }
    }

    [Fact]
    public void Corrupt_and_truncated_dicom_files_get_a_message_and_the_rest_still_imports()
    {
        var good = DicomTestData.WriteSeries(_dir, 3, 2, Value, new SliceSpec { SeriesUid = "1.2.3.1" });
        var truncated = DicomTestData.WriteSeries(_dir, 1, 2, Value, new SliceSpec { SeriesUid = "1.2.3.2" }, fileName: _ => "cut.dcm")[0];
        var bytes = File.ReadAllBytes(truncated);
        File.WriteAllBytes(truncated, bytes[..^10]);
        var garbage = Path.Combine(_dir, "garbage.dcm");
        var junk = new byte[400];
        new Random(3).NextBytes(junk);
        "DICM"u8.CopyTo(junk.AsSpan(128));
        File.WriteAllBytes(garbage, junk);

        var result = Build([.. good, truncated, garbage]);

        result.Images.Should().ContainSingle().Which.Volume!.Depth.Should().Be(3);
        result.FileErrors.Keys.Should().BeEquivalentTo(new[] { truncated, garbage });
        result.FileErrors[truncated].Should().Contain("cut.dcm").And.Contain("truncated");
        result.FileErrors[garbage].Should().Contain("garbage.dcm");
        result.Images[0].Dispose();
    }

    [Fact]
    public void A_raw_implicit_data_set_without_preamble_or_meta_header_is_read()
    {
        var spec = new SliceSpec { Pixels = DicomTestData.Int16Pixels(12, i => Value(i % 4, i / 4, 0)) };
        var path = Path.Combine(_dir, "raw.dcm");
        File.WriteAllBytes(path, DicomTestData.RawImplicit(spec));

        var result = Build([path]);

        result.FileErrors.Should().BeEmpty();
        using var image = result.Images.Single();
        ShouldHoldValues(image.Volume!, Value);
        image.Volume!.Depth.Should().Be(1);
    }

    [Fact]
    public void Monochrome1_is_inverted_over_the_stored_bit_range()
    {
        var spec = new SliceSpec { Photometric = "MONOCHROME1", BitsStored = 12, Signed = false };
        var files = DicomTestData.WriteSeries(_dir, 2, 1, (x, y, z) => (x * 100) + z, spec);

        using var image = Build(files).Images.Single();

        image.Volume!.PixelType.Should().Be(PixelType.UInt16);
        ShouldHoldValues(image.Volume, (x, y, z) => 4095 - ((x * 100) + z));
    }

    [Fact]
    public void Whole_number_rescale_gives_int16_and_fractional_rescale_float32()
    {
        var ct = DicomTestData.WriteSeries(
            _dir, 2, 1, (x, y, z) => 1000 + (x * 500), new SliceSpec { SeriesUid = "1.9.1", BitsStored = 12, Signed = false, Intercept = -1024, Slope = 1 }, fileName: z => $"ct{z}.dcm");
        var pet = DicomTestData.WriteSeries(
            _dir, 2, 1, (x, y, z) => x + y, new SliceSpec { SeriesUid = "1.9.2", Slope = 0.25, Intercept = 0.5 }, fileName: z => $"pt{z}.dcm");
        var unsigned = DicomTestData.WriteSeries(
            _dir, 2, 1, (x, y, z) => 40000 + x, new SliceSpec { SeriesUid = "1.9.3", Signed = false }, fileName: z => $"us{z}.dcm");

        var result = Build([.. ct, .. pet, .. unsigned]);

        result.FileErrors.Should().BeEmpty();
        var byName = result.Images.ToDictionary(i => i.Name[..2], i => i.Volume!);
        byName["ct"].PixelType.Should().Be(PixelType.Int16);
        ShouldHoldValues(byName["ct"], (x, y, z) => 1000 + (x * 500) - 1024);
        byName["pt"].PixelType.Should().Be(PixelType.Float32);
        byName["pt"].GetValue(3, 2, 1).Should().Be((5 * 0.25) + 0.5);
        byName["us"].PixelType.Should().Be(PixelType.UInt16);
        byName["us"].GetValue(3, 0, 0).Should().Be(40003);
        foreach (var image in result.Images)
        {
            image.Dispose();
        }
    }

    [Theory]
    [InlineData("RGB", 0)]
    [InlineData("RGB", 1)]
    [InlineData("YBR_FULL", 0)]
    public void Colour_slices_become_rgb(string photometric, int planar)
    {
        var rgb = Enumerable.Range(0, 12).Select(i => ((byte)(i * 20), (byte)(255 - (i * 20)), (byte)(i * 7))).ToArray();
        var pixels = new byte[36];
        for (var i = 0; i < 12; i++)
        {
            var (r, g, b) = rgb[i];
            var (a, c, d) = photometric == "RGB" ? (r, g, b) : ToYbr(r, g, b);
            if (planar == 1)
            {
                (pixels[i], pixels[12 + i], pixels[24 + i]) = (a, c, d);
            }
            else
            {
                (pixels[i * 3], pixels[(i * 3) + 1], pixels[(i * 3) + 2]) = (a, c, d);
            }
        }

        var path = Path.Combine(_dir, "colour.dcm");
        File.WriteAllBytes(path, DicomTestData.Part10(new SliceSpec
        {
            Samples = 3,
            Planar = planar,
            Photometric = photometric,
            BitsAllocated = 8,
            BitsStored = 8,
            Signed = false,
            Pixels = pixels,
        }));

        using var image = Build([path]).Images.Single();

        var v = image.Volume!;
        (v.Channels, v.ColorSpace, v.PixelType).Should().Be((3, ColorSpace.Rgb, PixelType.UInt8));
        for (var i = 0; i < 12; i++)
        {
            var tolerance = photometric == "RGB" ? 0 : 2;
            v.GetValue(i % 4, i / 4, 0, 0, 0).Should().BeApproximately(rgb[i].Item1, tolerance);
            v.GetValue(i % 4, i / 4, 0, 0, 1).Should().BeApproximately(rgb[i].Item2, tolerance);
            v.GetValue(i % 4, i / 4, 0, 0, 2).Should().BeApproximately(rgb[i].Item3, tolerance);
        }
    }

    internal static (byte Y, byte Cb, byte Cr) ToYbr(byte r, byte g, byte b)
    {
        static byte C(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);
        return (C((0.299 * r) + (0.587 * g) + (0.114 * b)),
            C(128 - (0.168736 * r) - (0.331264 * g) + (0.5 * b)),
            C(128 + (0.5 * r) - (0.418688 * g) - (0.081312 * b)));
    }

    [Fact]
    public void A_multi_frame_file_is_ordered_by_its_per_frame_positions()
    {
        // Frames stored in the order z = 2, 0, 3, 1; the per-frame functional groups say where each lies.
        int[] order = [2, 0, 3, 1];
        var pixels = order.SelectMany(z => DicomTestData.Int16Pixels(12, i => Value(i % 4, i / 4, z))).ToArray();
        var perFrame = order.Select(z => (IReadOnlyList<El>)
        [
            El.Sequence(0x00209113, [El.Numbers(0x00200032, 5, 6, 7 + (z * 1.5))]),
        ]).ToList();
        var spec = new SliceSpec
        {
            Frames = 4,
            Pixels = pixels,
            PerFrame = perFrame,
            Position = null,
            Orientation = null,
            Extra =
            [
                El.Sequence(0x52009229,
                [
                    El.Sequence(0x00209116, [El.Numbers(0x00200037, 1, 0, 0, 0, 1, 0)]),
                    El.Sequence(0x00289110, [El.Numbers(0x00280030, 0.4, 0.3), El.Numbers(0x00180050, 9)]),
                ]),
            ],
        };
        var path = Path.Combine(_dir, "enhanced.dcm");
        File.WriteAllBytes(path, DicomTestData.Part10(spec));

        var result = Build([path]);

        result.FileErrors.Should().BeEmpty();
        using var image = result.Images.Single();
        var v = image.Volume!;
        v.Depth.Should().Be(4);
        ShouldHoldValues(v, Value);
        v.Origin.Should().Equal(5, 6, 7);
        v.Spacing.Should().Equal(0.3, 0.4, 1.5);
    }

    [Fact]
    public void Repeated_positions_with_temporal_positions_make_a_4d_volume()
    {
        var files = new List<string>();
        for (var t = 0; t < 3; t++)
        {
            var time = t;
            files.AddRange(DicomTestData.WriteSeries(
                _dir, 2, 4, (x, y, z) => Value(x, y, z) + (time * 7), new SliceSpec { Temporal = 3 - t }, fileName: z => $"t{time}z{z}.dcm"));
        }

        var result = Build(files);

        result.FileErrors.Should().BeEmpty();
        using var image = result.Images.Single();
        var v = image.Volume!;
        (v.Dimensions, v.Depth, v.Timepoints).Should().Be((4, 2, 3));
        v.Spacing[2].Should().Be(4);
        // Temporal position 1 is t = 2 above.
        for (var t = 0; t < 3; t++)
        {
            v.GetValue(1, 2, 1, t).Should().Be(Value(1, 2, 1) + ((2 - t) * 7));
        }
    }

    [Fact]
    public void Builder_is_registered_and_runs_third()
    {
        new DicomImageBuilder().Order.Should().Be(30);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        GrandChallenge.Domain.Data.DataServiceCollectionExtensions.AddGrandChallengeDomain(builder);
        builder.Services.Should().ContainSingle(d => d.ServiceType == typeof(IImageBuilder) && d.ImplementationType == typeof(DicomImageBuilder));
    }
}
