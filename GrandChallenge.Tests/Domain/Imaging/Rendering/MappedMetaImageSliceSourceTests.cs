using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Rendering;

namespace GrandChallenge.Tests.Domain.Imaging.Rendering;

[Trait("Category", "Unit")]
public sealed class MappedMetaImageSliceSourceTests : IDisposable
{
    private readonly string _dir = TestImages.TempDir();

    public void Dispose() => Directory.Delete(_dir, true);

    private static ImageVolume Random(int dimensions, int w, int h, int d, int t, int channels, PixelType type)
    {
        var random = new Random(w * h * d * t);
        var volume = ImageVolume.Allocate(dimensions, w, h, d, t, channels, type, channels == 3 ? ColorSpace.Rgb : ColorSpace.Gray);
        var bytes = new byte[volume.Pixels.Length];
        random.NextBytes(bytes);
        volume.Pixels.Write(0, bytes);
        return volume;
    }

    [Theory]
    [InlineData(3, 17, 13, 11, 1, 1, PixelType.Int16)]
    [InlineData(4, 5, 6, 7, 3, 1, PixelType.UInt16)]
    [InlineData(3, 9, 8, 4, 1, 3, PixelType.UInt8)]
    [InlineData(3, 6, 5, 4, 1, 1, PixelType.Float64)]
    public void Mapped_slices_equal_the_in_memory_slices(int dimensions, int w, int h, int d, int t, int channels, PixelType type)
    {
        using var volume = Random(dimensions, w, h, d, t, channels, type);
        var path = Path.Combine(_dir, "v.mha");
        MetaImageWriter.Write(volume, path, compress: false);

        using var mapped = MappedMetaImageSliceSource.TryOpenMapped(path);
        mapped.Should().NotBeNull();
        using var memory = new VolumeSliceSource(volume);
        mapped!.Info.Should().Be(memory.Info);
        foreach (var axis in Enum.GetValues<SliceAxis>())
        {
            var count = memory.Info.Count(axis);
            foreach (var index in new[] { 0, count / 2, count - 1 })
            {
                var a = mapped.ReadSlice(axis, index, t - 1, null);
                var b = memory.ReadSlice(axis, index, t - 1, null);
                (a.Width, a.Height, a.Channels, a.PixelType).Should().Be((b.Width, b.Height, b.Channels, b.PixelType));
                a.Data.Should().Equal(b.Data, $"{axis} slice {index} is the same");
                SliceRenderer.Render(mapped, new SliceRequest(axis, index, t - 1)).Png
                    .Should().Equal(SliceRenderer.Render(memory, new SliceRequest(axis, index, t - 1)).Png);
            }
        }

        FluentActions.Invoking(() => mapped.ReadSlice(SliceAxis.Z, d, 0, null)).Should().Throw<SliceOutOfRangeException>();
    }

    [Fact]
    public void Stored_window_in_the_header_is_read()
    {
        using var plain = Random(3, 4, 4, 2, 1, 1, PixelType.Int16);
        using var volume = new ImageVolume(3, 4, 4, 2, 1, 1, PixelType.Int16, ColorSpace.Gray, PixelBuffer.FromArray(plain.Pixels.ToArray()))
        {
            WindowCenter = 40,
            WindowWidth = 400,
        };
        var path = Path.Combine(_dir, "w.mha");
        MetaImageWriter.Write(volume, path, compress: false);
        using var mapped = MappedMetaImageSliceSource.TryOpenMapped(path)!;
        (mapped.Info.WindowCenter, mapped.Info.WindowWidth).Should().Be((40, 400));
    }

    [Fact]
    public void Compressed_files_are_not_mapped_but_still_open_with_the_same_slices()
    {
        using var volume = Random(3, 10, 9, 8, 1, 1, PixelType.Int16);
        var path = Path.Combine(_dir, "c.mha");
        MetaImageWriter.Write(volume, path, compress: true);

        MappedMetaImageSliceSource.TryOpenMapped(path).Should().BeNull();
        using var source = MappedMetaImageSliceSource.Open(path);
        source.Should().BeOfType<VolumeSliceSource>();
        using var memory = new VolumeSliceSource(volume);
        source.ReadSlice(SliceAxis.X, 4, 0, null).Data.Should().Equal(memory.ReadSlice(SliceAxis.X, 4, 0, null).Data);
    }

    [Fact]
    public void Truncated_uncompressed_file_is_refused()
    {
        using var volume = Random(3, 10, 9, 8, 1, 1, PixelType.Int16);
        var path = Path.Combine(_dir, "t.mha");
        MetaImageWriter.Write(volume, path, compress: false);
        using (var f = new FileStream(path, FileMode.Open))
        {
            f.SetLength(f.Length - 10);
        }

        FluentActions.Invoking(() => MappedMetaImageSliceSource.TryOpenMapped(path))
            .Should().Throw<ImageFormatException>().WithMessage("t.mha is truncated*1,440 bytes*1,430*");
    }
}
