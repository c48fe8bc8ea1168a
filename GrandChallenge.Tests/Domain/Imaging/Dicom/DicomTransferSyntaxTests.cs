using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Dicom;
using GrandChallenge.Tests.Infrastructure;

namespace GrandChallenge.Tests.Domain.Imaging.Dicom;

/// <summary>
/// Series written by our test writer, converted or compressed by dcmtk and GDCM at test time, must import
/// to the same voxels (close ones for lossy JPEG) and geometry. These need Debian's dcmtk and
/// libgdcm-tools (.ci/imaging-tools.sh) and fail without them.
/// </summary>
[Trait("Category", "Unit")]
public sealed class DicomTransferSyntaxTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDirectory("dicom-ts");
    private readonly string _work;

    public DicomTransferSyntaxTests()
    {
        _work = Path.Combine(_dir, "work");
        Directory.CreateDirectory(_work);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public enum Data
    {
        Signed16,
        Unsigned12,
        Unsigned8,
    }

    private static readonly double[] Oblique = [0.8, 0.6, 0, 0, 0, -1];

    private static (SliceSpec Spec, Func<int, int, int, int> Value) Series(Data data) => data switch
    {
        Data.Signed16 => (new SliceSpec { Width = 16, Height = 12, Orientation = Oblique }, (x, y, z) => (x * 20) + (y * 15) + (z * 100) - 300),
        Data.Unsigned12 => (new SliceSpec { Width = 16, Height = 12, BitsStored = 12, Signed = false, Orientation = Oblique },
            (x, y, z) => (x * 100) + (y * 60) + (z * 200) + 100),
        _ => (new SliceSpec { Width = 16, Height = 12, BitsAllocated = 8, BitsStored = 8, Signed = false, Orientation = Oblique },
            (x, y, z) => (x * 8) + (y * 6) + (z * 10)),
    };

    public static TheoryData<string, string, string, Data, int> Conversions => new()
    {
        { "dcmconv", "+ti", DicomFile.ImplicitVrLittleEndian, Data.Signed16, 0 },
        { "dcmconv", "+te", DicomFile.ExplicitVrLittleEndian, Data.Signed16, 0 },
        { "dcmconv", "+tb", DicomFile.ExplicitVrBigEndian, Data.Signed16, 0 },
        { "dcmconv", "+td", DicomFile.DeflatedExplicitVrLittleEndian, Data.Signed16, 0 },
        { "dcmcjpeg", "+eb", "1.2.840.10008.1.2.4.50", Data.Unsigned8, 6 },
        { "dcmcjpeg", "+ee", "1.2.840.10008.1.2.4.51", Data.Unsigned12, 60 },
        { "dcmcjpeg", "+el", "1.2.840.10008.1.2.4.57", Data.Signed16, 0 },
        { "dcmcjpeg", "+e1", "1.2.840.10008.1.2.4.70", Data.Unsigned12, 0 },
        { "dcmcjpls", "+el", "1.2.840.10008.1.2.4.80", Data.Signed16, 0 },
        { "dcmcrle", "+e", "1.2.840.10008.1.2.5", Data.Signed16, 0 },
        { "gdcmconv", "--j2k", "1.2.840.10008.1.2.4.90", Data.Signed16, 0 },
        { "gdcmconv", "--jpegls", "1.2.840.10008.1.2.4.80", Data.Unsigned12, 0 },
        { "gdcmconv", "--rle", "1.2.840.10008.1.2.5", Data.Unsigned8, 0 },
    };

    [Theory]
    [MemberData(nameof(Conversions))]
    public void Converted_series_import_with_the_same_voxels_and_geometry(string program, string option, string syntax, Data data, int tolerance)
    {
        var (spec, value) = Series(data);
        var files = DicomTestData.WriteSeries(_dir, 4, 1.5, value, spec);
        DicomTools.ConvertAll(files, program, option);
        DicomFile.Read(files[0]).TransferSyntaxUid.Should().Be(syntax, "the tool wrote the transfer syntax under test");

        var result = new DicomImageBuilder().Build(files, DicomTestData.Context(_work), CancellationToken.None);

        result.FileErrors.Should().BeEmpty();
        using var image = result.Images.Single();
        var v = image.Volume!;
        (v.Width, v.Height, v.Depth).Should().Be((16, 12, 4));
        DicomImageBuilderTests.ShouldHoldValues(v, value, tolerance);
        v.Spacing[0].Should().BeApproximately(0.75, 1e-9);
        v.Spacing[1].Should().BeApproximately(0.5, 1e-9);
        v.Spacing[2].Should().BeApproximately(1.5, 1e-6);
        v.Origin.Should().Equal(-10, 20, 30);
        v.Direction.Select(d => Math.Round(d, 6)).Should().Equal(0.8, 0, -0.6, 0.6, 0, 0.8, 0, -1, 0);
        Directory.EnumerateFileSystemEntries(_work).Should().BeEmpty("decoded copies are removed");
    }

    [Fact]
    public void Jpeg_baseline_colour_in_ybr_full_422_imports_as_rgb()
    {
        const int width = 16, height = 8;
        static (byte R, byte G, byte B) Colour(int x, int y) => ((byte)(x * 15), (byte)(y * 30), (byte)(200 - (x * 5)));
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < width * height; i++)
        {
            var (r, g, b) = Colour(i % width, i / width);
            (pixels[i * 3], pixels[(i * 3) + 1], pixels[(i * 3) + 2]) = (r, g, b);
        }

        var path = Path.Combine(_dir, "colour.dcm");
        File.WriteAllBytes(path, DicomTestData.Part10(new SliceSpec
        {
            Width = width,
            Height = height,
            Samples = 3,
            Photometric = "RGB",
            BitsAllocated = 8,
            BitsStored = 8,
            Signed = false,
            Pixels = pixels,
        }));
        DicomTools.ConvertAll([path], "dcmcjpeg", "+eb");
        DicomFile.Read(path).PhotometricInterpretation.Should().Be("YBR_FULL_422");

        using var image = new DicomImageBuilder().Build([path], DicomTestData.Context(_work), CancellationToken.None).Images.Single();

        var v = image.Volume!;
        (v.ColorSpace, v.Channels).Should().Be((ColorSpace.Rgb, 3));
        double error = 0;
        for (var i = 0; i < width * height; i++)
        {
            var (r, g, b) = Colour(i % width, i / width);
            error += Math.Abs(v.GetValue(i % width, i / width, 0, 0, 0) - r) + Math.Abs(v.GetValue(i % width, i / width, 0, 0, 1) - g)
                + Math.Abs(v.GetValue(i % width, i / width, 0, 0, 2) - b);
        }

        (error / (width * height * 3)).Should().BeLessThan(8, "lossy JPEG of a smooth image stays close");
    }

    [Fact]
    public void Dcmtk_decodes_when_gdcm_is_not_there()
    {
        var (spec, value) = Series(Data.Signed16);
        var files = DicomTestData.WriteSeries(_dir, 2, 1.5, value, spec);
        DicomTools.ConvertAll(files, "dcmcjpls", "+el");
        var chain = new DicomDecoderChain(
        [
            new ExternalDicomDecoder("GDCM", "gdcmconv-not-installed", ["--raw"], ExternalDicomDecoder.JpegLsSyntaxes),
            .. ExternalDicomDecoder.Dcmtk(),
        ]);

        var result = new DicomImageBuilder(chain).Build(files, DicomTestData.Context(_work), CancellationToken.None);

        result.FileErrors.Should().BeEmpty();
        using var image = result.Images.Single();
        DicomImageBuilderTests.ShouldHoldValues(image.Volume!, value);
    }

    [Fact]
    public void A_failing_decoder_reports_its_exit_code_and_stderr_and_no_decoder_says_what_to_install()
    {
        var (spec, value) = Series(Data.Signed16);
        var files = DicomTestData.WriteSeries(_dir, 1, 1, value, spec);
        DicomTools.ConvertAll(files, "dcmcrle", "+e");
        var failing = new DicomDecoderChain(
            [new ExternalDicomDecoder("broken", "sh", ["-c", "echo codec exploded >&2; exit 3", "sh"], ExternalDicomDecoder.RleSyntaxes)]);
        var missing = new DicomDecoderChain(
            [new ExternalDicomDecoder("GDCM", "gdcmconv-not-installed", ["--raw"], ExternalDicomDecoder.RleSyntaxes)]);

        var failed = new DicomImageBuilder(failing).Build(files, DicomTestData.Context(_work), CancellationToken.None);
        var none = new DicomImageBuilder(missing).Build(files, DicomTestData.Context(_work), CancellationToken.None);

        failed.Images.Should().BeEmpty();
        failed.FileErrors[files[0]].Should().Contain("slice000.dcm").And.Contain("RLE Lossless").And.Contain("exit code 3").And.Contain("codec exploded");
        none.FileErrors[files[0]].Should().Contain("cannot be decoded here").And.Contain("imaging-tools.sh");
    }
}
