using BitMiracle.LibTiff.Classic;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Import;
using GrandChallenge.Domain.Imaging.Rendering;
using GrandChallenge.Domain.Imaging.Tiff;
using GrandChallenge.Tests.Domain.Imaging.Rendering;

namespace GrandChallenge.Tests.Domain.Imaging.Tiff;

[Trait("Category", "Unit")]
public sealed class TiffImageBuilderTests : IDisposable
{
    private readonly string _dir = TestImages.TempDir();

    public void Dispose() => Directory.Delete(_dir, true);

    private static SlicePlane Plane(int width, int height, int channels, PixelType type, int seed = 1)
    {
        var size = type.ByteSize();
        var data = new byte[width * height * channels * size];
        Span<byte> b = stackalloc byte[8];
        for (var i = 0; i < width * height * channels; i++)
        {
            // A smooth pattern that still differs between neighbours and channels.
            var (x, y, c) = (i / channels % width, i / channels / width, i % channels);
            double v = type switch
            {
                PixelType.UInt8 => ((x * 3) + (y * 5) + (c * 70) + seed) % 256,
                PixelType.Int16 => ((x * 37) + (y * 11) + (c * 1000) + seed) % 20000 - 10000,
                _ => ((x * 131) + (y * 17) + (c * 5000) + seed) % 65536,
            };
            ImageVolume.Encode(type, v, b[..size]);
            b[..size].CopyTo(data.AsSpan(i * size));
        }

        return new SlicePlane(width, height, channels, type, data);
    }

    private string Write(string name, IReadOnlyList<SlicePlane> levels, TiffWriteOptions? options = null)
    {
        var path = Path.Combine(_dir, name);
        TiffWriter.Write(path, levels, options);
        return path;
    }

    private ImageBuildResult Build(params string[] files) =>
        new TiffImageBuilder().Build(files, new ImageBuildContext(_dir, null, ImageReadOptions.Default), CancellationToken.None);

    public static TheoryData<string, int, PixelType, int?, Compression> Layouts => new()
    {
        { "tiled grey 8-bit", 1, PixelType.UInt8, 64, Compression.ADOBE_DEFLATE },
        { "striped grey 8-bit", 1, PixelType.UInt8, null, Compression.LZW },
        { "tiled grey 16-bit", 1, PixelType.UInt16, 32, Compression.NONE },
        { "striped signed 16-bit", 1, PixelType.Int16, null, Compression.ADOBE_DEFLATE },
        { "tiled RGB", 3, PixelType.UInt8, 64, Compression.ADOBE_DEFLATE },
        { "striped RGB", 3, PixelType.UInt8, null, Compression.NONE },
        { "tiled RGB 16-bit", 3, PixelType.UInt16, 48, Compression.LZW },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Round_trip_keeps_every_pixel(string layout, int channels, PixelType type, int? tile, Compression compression)
    {
        // 150×70 is no multiple of the tile or strip size, so the edge tiles and the last strip are partial.
        var plane = Plane(150, 70, channels, type);
        var path = Write("image.tif", [plane], new TiffWriteOptions { TileSize = tile, RowsPerStrip = 16, Compression = compression });

        var result = Build(path);
        result.FileErrors.Should().BeEmpty(layout);
        var built = result.Images.Should().ContainSingle().Subject;
        built.Name.Should().Be("image.tif");
        built.Volume.Should().BeNull();
        built.ConsumedFiles.Should().Equal(path);
        built.Tiff.Should().Be(new TiffDescription(
            path, 150, 70, channels, type, channels == 3 ? ColorSpace.Rgb : ColorSpace.Gray, 1, null, null));

        using var pyramid = TiffPyramid.Open(path);
        var read = pyramid.ReadLevel(0);
        (read.Width, read.Height, read.Channels, read.PixelType).Should().Be((150, 70, channels, type));
        read.Data.Should().Equal(plane.Data);
    }

    [Fact]
    public void Pyramid_levels_are_counted_and_read_back()
    {
        var levels = TiffWriter.Pyramid(Plane(1000, 600, 3, PixelType.UInt8), smallest: 130);
        levels.Select(l => (l.Width, l.Height)).Should().Equal((1000, 600), (500, 300), (250, 150), (125, 75));
        var path = Write("slide.tiff", levels, new TiffWriteOptions { TileSize = 128, PixelSizeMm = 0.00025 });

        var built = Build(path).Images.Should().ContainSingle().Subject.Tiff!;
        built.ResolutionLevels.Should().Be(4);
        (built.Width, built.Height, built.ColorSpace).Should().Be((1000, 600, ColorSpace.Rgb));
        built.VoxelWidthMm.Should().BeApproximately(0.00025, 1e-9);
        built.VoxelHeightMm.Should().BeApproximately(0.00025, 1e-9);

        using var pyramid = TiffPyramid.Open(path);
        pyramid.Levels.Select(l => (l.Width, l.Height)).Should().Equal((1000, 600), (500, 300), (250, 150), (125, 75));
        for (var i = 0; i < levels.Count; i++)
        {
            pyramid.ReadLevel(i).Data.Should().Equal(levels[i].Data, $"level {i}");
        }
    }

    [Fact]
    public void Rendering_picks_the_smallest_level_that_covers_the_size()
    {
        var levels = TiffWriter.Pyramid(Plane(1024, 512, 1, PixelType.UInt8), smallest: 256);
        var path = Write("p.tif", levels, new TiffWriteOptions { TileSize = 64 });
        using var source = new TiffSliceSource(path);
        source.Info.Should().Be(new SliceSourceInfo(1024, 512, 1, 1, 1, PixelType.UInt8, ColorSpace.Gray, null, null));

        source.Pyramid.LevelFor(null).Should().Be(0);
        source.Pyramid.LevelFor(1024).Should().Be(0);
        source.Pyramid.LevelFor(600).Should().Be(0);
        source.Pyramid.LevelFor(512).Should().Be(1);
        source.Pyramid.LevelFor(300).Should().Be(1);
        source.Pyramid.LevelFor(256).Should().Be(2);
        source.Pyramid.LevelFor(10).Should().Be(2);

        // The thumbnail is level 2 (256×128) as it is: every pixel equals that level's value.
        var thumbnail = SliceRenderer.Render(source, new SliceRequest(SliceAxis.Z, 0, 0, 127.5, 255, 256));
        (thumbnail.Width, thumbnail.Height).Should().Be((256, 128));
        var png = Png.Read(thumbnail.Png);
        for (var y = 0; y < 128; y += 7)
        {
            for (var x = 0; x < 256; x += 5)
            {
                png.Grey(x, y).Should().Be(levels[2].Data[(y * 256) + x]);
            }
        }

        FluentActions.Invoking(() => source.ReadSlice(SliceAxis.Z, 1, 0, null)).Should().Throw<SliceOutOfRangeException>();
        FluentActions.Invoking(() => source.ReadSlice(SliceAxis.X, 0, 0, null)).Should().Throw<SliceRequestException>().WithMessage("*2-D*");
    }

    [Fact]
    public void Sixteen_bit_tiff_renders_through_the_window()
    {
        var plane = new SlicePlane(4, 1, 1, PixelType.UInt16, [0, 0, 0xE8, 0x03, 0xD0, 0x07, 0xFF, 0xFF]); // 0, 1000, 2000, 65535
        var path = Write("w.tif", [plane], new TiffWriteOptions { TileSize = null });
        using var source = new TiffSliceSource(path);
        var png = Png.Read(SliceRenderer.Render(source, new SliceRequest(SliceAxis.Z, 0, 0, 1000, 2000)).Png);
        new[] { png.Grey(0, 0), png.Grey(1, 0), png.Grey(2, 0), png.Grey(3, 0) }.Should().Equal(0, 128, 255, 255);
    }

    [Fact]
    public void Resolution_per_inch_gives_no_spacing()
    {
        var path = Write("i.tif", [Plane(20, 20, 1, PixelType.UInt8)]);
        using (var tiff = BitMiracle.LibTiff.Classic.Tiff.Open(path, "a"))
        {
            tiff.SetDirectory(0);
            tiff.SetField(TiffTag.RESOLUTIONUNIT, ResUnit.INCH);
            tiff.SetField(TiffTag.XRESOLUTION, 72.0);
            tiff.SetField(TiffTag.YRESOLUTION, 72.0);
            tiff.RewriteDirectory();
        }

        var built = Build(path).Images.Single().Tiff!;
        (built.VoxelWidthMm, built.VoxelHeightMm).Should().Be((null, null));
    }

    [Fact]
    public void Not_a_tiff_at_all_is_a_per_file_error()
    {
        var path = Path.Combine(_dir, "fake.tif");
        File.WriteAllText(path, "this is no TIFF, only text that happens to be long enough to be read");
        var other = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(other, "left alone");

        var result = Build(path, other);
        result.Images.Should().BeEmpty();
        result.FileErrors.Should().ContainSingle().Which.Value.Should().StartWith("fake.tif is not a readable TIFF file");
        result.ConsumedFiles.Should().Equal(path);
    }

    [Theory]
    [InlineData(null, 0.5)]
    [InlineData(64, 0.5)]
    [InlineData(64, 0.2)]
    public void Truncated_tiff_is_a_per_file_error(int? tile, double keep)
    {
        var levels = TiffWriter.Pyramid(Plane(400, 300, 3, PixelType.UInt8), smallest: 100);
        var path = Write("cut.tif", levels, new TiffWriteOptions { TileSize = tile, Compression = Compression.NONE });
        using (var f = new FileStream(path, FileMode.Open))
        {
            f.SetLength((long)(f.Length * keep));
        }

        var result = Build(path);
        result.Images.Should().BeEmpty();
        result.FileErrors[path].Should().StartWith("cut.tif");
    }

    [Fact]
    public void Corrupt_compressed_tiles_are_a_per_file_error()
    {
        var path = Write("bad.tif", [Plane(256, 256, 1, PixelType.UInt8)], new TiffWriteOptions { TileSize = 64 });
        var bytes = File.ReadAllBytes(path);
        // Overwrite the middle of the compressed data (the directory is at the end of the file).
        for (var i = 2000; i < 6000; i++)
        {
            bytes[i] = (byte)(i * 31);
        }

        File.WriteAllBytes(path, bytes);
        var result = Build(path);
        result.Images.Should().BeEmpty();
        result.FileErrors[path].Should().StartWith("bad.tif");
    }

    [Fact]
    public void Unsupported_layouts_are_refused_with_the_reason()
    {
        var path = Path.Combine(_dir, "float.tif");
        using (var tiff = BitMiracle.LibTiff.Classic.Tiff.Open(path, "w"))
        {
            tiff.SetField(TiffTag.IMAGEWIDTH, 2);
            tiff.SetField(TiffTag.IMAGELENGTH, 1);
            tiff.SetField(TiffTag.SAMPLESPERPIXEL, 1);
            tiff.SetField(TiffTag.BITSPERSAMPLE, 32);
            tiff.SetField(TiffTag.SAMPLEFORMAT, SampleFormat.IEEEFP);
            tiff.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK);
            tiff.SetField(TiffTag.ROWSPERSTRIP, 1);
            tiff.WriteEncodedStrip(0, new byte[8], 8);
            tiff.WriteDirectory();
        }

        Build(path).FileErrors[path].Should().Be("float.tif: 32-bit ieeefp samples are not supported (8- or 16-bit grey, 8- or 16-bit RGB).");
    }

    [Fact]
    public void Builder_runs_fortieth_and_is_registered_for_the_import()
    {
        new TiffImageBuilder().Order.Should().Be(40);
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddImageRendering();
        services.AddImageRendering();
        services.Where(d => d.ServiceType == typeof(IImageBuilder)).Should().ContainSingle()
            .Which.ImplementationType.Should().Be(typeof(TiffImageBuilder));
    }
}
