using FluentAssertions;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Import;
using SkiaSharp;

namespace GrandChallenge.Tests.Domain.Imaging.Import;

public sealed class ImageBuilderTests : IDisposable
{
    private readonly string _dir = TestImages.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ImageBuildContext Context => new(_dir, null, ImageReadOptions.Default);

    private static void ShouldMatchVolume(ImageVolume actual)
    {
        using var expected = ImportTestFiles.Volume();
        actual.Width.Should().Be(4);
        actual.Height.Should().Be(3);
        actual.Depth.Should().Be(2);
        actual.PixelType.Should().Be(PixelType.Int16);
        actual.Pixels.ToArray().Should().Equal(expected.Pixels.ToArray());
    }

    [Fact]
    public void MetaImage_mha_becomes_one_image_with_its_geometry()
    {
        var mha = ImportTestFiles.WriteMha(_dir);

        var result = new MetaImageBuilder().Build([mha], Context, default);

        result.FileErrors.Should().BeEmpty();
        result.Images.Should().ContainSingle().Which.Name.Should().Be("scan.mha");
        var volume = result.Images[0].Volume!;
        ShouldMatchVolume(volume);
        volume.Spacing.Should().Equal(0.5, 0.75, 2.5);
        volume.Origin.Should().Equal(10, -20, 30);
        volume.Direction.Should().Equal(0, 1, 0, 1, 0, 0, 0, 0, 1);
        result.ConsumedFiles.Should().BeEquivalentTo([mha]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MetaImage_mhd_is_grouped_with_its_data_file(bool compressed)
    {
        var mhd = ImportTestFiles.WriteMhd(_dir, compressed: compressed);
        var data = Path.Combine(_dir, compressed ? "scan.zraw" : "scan.raw");
        var other = ImportTestFiles.WriteRaster(_dir, "other.png", SKEncodedImageFormat.Png);

        var result = new MetaImageBuilder().Build([data, other, mhd], Context, default);

        result.FileErrors.Should().BeEmpty();
        var image = result.Images.Should().ContainSingle().Subject;
        image.ConsumedFiles.Should().BeEquivalentTo([mhd, data]);
        result.ConsumedFiles.Should().BeEquivalentTo([mhd, data], "the PNG is left for its own builder");
        ShouldMatchVolume(image.Volume!);
        image.Volume!.Origin.Should().Equal(10, -20, 30);
    }

    [Fact]
    public void MetaImage_header_without_its_uploaded_data_file_is_an_error()
    {
        var mhd = ImportTestFiles.WriteMhd(_dir);

        var result = new MetaImageBuilder().Build([mhd], Context, default);

        result.Images.Should().BeEmpty();
        result.FileErrors[mhd].Should().Contain("scan.raw").And.Contain("not uploaded");
    }

    [Fact]
    public void MetaImage_truncated_mha_is_an_error_on_that_file()
    {
        var good = ImportTestFiles.WriteMha(_dir, "good.mha");
        var bad = ImportTestFiles.WriteMha(_dir, "bad.mha");
        ImportTestFiles.Truncate(bad);

        var result = new MetaImageBuilder().Build([good, bad], Context, default);

        result.Images.Should().ContainSingle().Which.Name.Should().Be("good.mha");
        result.FileErrors.Should().ContainKey(bad).WhoseValue.Should().NotBeNullOrWhiteSpace();
        result.ConsumedFiles.Should().Contain(bad);
    }

    [Fact]
    public void MetaImage_ignores_files_it_does_not_recognise()
    {
        var text = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(text, "hello");

        var result = new MetaImageBuilder().Build([text], Context, default);

        result.Images.Should().BeEmpty();
        result.FileErrors.Should().BeEmpty();
        result.ConsumedFiles.Should().BeEmpty();
    }

    [Theory]
    [InlineData("brain.nii", false)]
    [InlineData("brain.nii.gz", true)]
    public void Nifti_round_trip(string name, bool gzip)
    {
        var path = ImportTestFiles.WriteNifti(_dir, name, gzip);

        var result = new NiftiImageBuilder().Build([path], Context, default);

        result.FileErrors.Should().BeEmpty();
        var image = result.Images.Should().ContainSingle().Subject;
        image.Name.Should().Be(name);
        ShouldMatchVolume(image.Volume!);
        image.Volume!.Spacing.Should().Equal(0.5, 0.75, 2.5);
    }

    [Theory]
    [InlineData("brain.nii", false)]
    [InlineData("brain.nii.gz", true)]
    public void Nifti_truncated_is_an_error(string name, bool gzip)
    {
        var path = ImportTestFiles.WriteNifti(_dir, name, gzip);
        ImportTestFiles.Truncate(path);

        var result = new NiftiImageBuilder().Build([path], Context, default);

        result.Images.Should().BeEmpty();
        result.FileErrors.Should().ContainKey(path).WhoseValue.Should().NotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("photo.png", SKEncodedImageFormat.Png)]
    [InlineData("photo.jpg", SKEncodedImageFormat.Jpeg)]
    public void Raster_round_trip(string name, SKEncodedImageFormat format)
    {
        var path = ImportTestFiles.WriteRaster(_dir, name, format);

        var result = new RasterImageBuilder().Build([path], Context, default);

        result.FileErrors.Should().BeEmpty();
        var volume = result.Images.Should().ContainSingle().Subject.Volume!;
        volume.Dimensions.Should().Be(2);
        (volume.Width, volume.Height).Should().Be((5, 3));
        volume.SpacingValid.Should().BeFalse();
        volume.GetValue(2, 1).Should().BeApproximately(80, format == SKEncodedImageFormat.Png ? 0 : 3);
    }

    [Fact]
    public void Raster_corrupt_png_is_an_error_and_other_files_are_left_alone()
    {
        var bad = Path.Combine(_dir, "broken.png");
        File.WriteAllBytes(bad, [.. ImportTestFiles.Raster(SKEncodedImageFormat.Png).Take(20)]);
        var mha = ImportTestFiles.WriteMha(_dir);

        var result = new RasterImageBuilder().Build([bad, mha], Context, default);

        result.Images.Should().BeEmpty();
        result.FileErrors.Should().ContainKey(bad);
        result.ConsumedFiles.Should().NotContain(mha);
    }
}
