using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Rendering;
using GrandChallenge.Domain.Imaging.Tiff;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Tests.Domain.Imaging.Rendering;

[Trait("Category", "Unit")]
public sealed class ImageSliceServiceTests : IDisposable
{
    private readonly string _root = TestEnvironment.NewTempDirectory("gc-slices");
    private readonly LocalBlobStore _blobs;
    private readonly RenderedSliceCache _cache = new(1 << 20);
    private readonly ImageSliceService _service;

    public ImageSliceServiceTests()
    {
        _blobs = new LocalBlobStore(new DataDirectory(_root));
        _service = new ImageSliceService(
            _blobs, _cache, Options.Create(new SliceRenderingOptions { ScratchDirectory = Path.Combine(_root, "scratch") }));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<Image> Store(ImageVolume volume, bool compress)
    {
        var image = new Image { Name = "ct.mha", Width = volume.Width, Height = volume.Height, Depth = volume.Depth };
        var file = new ImageFile { ImageId = image.Id, FileName = "ct.mha", ImageType = ImageFileType.Mhd };
        using var bytes = new MemoryStream();
        MetaImageWriter.Write(volume, bytes, compress);
        bytes.Position = 0;
        await _blobs.WriteAsync(file.BlobKey, bytes);
        image.Files.Add(file);
        return image;
    }

    private static ImageVolume Volume()
    {
        // 6×5×4 Int16, voxel (x, y, z) = 10x + 100y + 1000z.
        var volume = ImageVolume.Allocate(3, 6, 5, 4, 1, 1, PixelType.Int16, ColorSpace.Gray);
        for (var z = 0; z < 4; z++)
        {
            for (var y = 0; y < 5; y++)
            {
                for (var x = 0; x < 6; x++)
                {
                    volume.SetElement((((z * 5) + y) * 6) + x, (10 * x) + (100 * y) + (1000 * z));
                }
            }
        }

        return volume;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Slices_of_a_stored_mha_match_the_volume_and_come_from_the_cache_the_second_time(bool compress)
    {
        using var volume = Volume();
        var image = await Store(volume, compress);

        foreach (var (axis, index) in new[] { ("z", 2), ("coronal", 4), ("x", 0) })
        {
            var request = SliceRequest.Parse(axis, index, 0, 2000, 4000);
            var served = await _service.RenderSliceAsync(image, request);
            served.Png.Should().Equal(SliceRenderer.Render(volume, request).Png, $"{axis} {index}");
            (await _service.RenderSliceAsync(image, request)).Should().BeSameAs(served);
        }

        _cache.Count.Should().Be(3);
        if (compress)
        {
            Directory.GetFiles(Path.Combine(_root, "scratch"), "*.mha").Should().ContainSingle("the file is decompressed once");
        }
    }

    [Fact]
    public async Task Thumbnail_is_the_middle_slice()
    {
        using var volume = Volume();
        var image = await Store(volume, compress: false);
        var thumbnail = await _service.ThumbnailAsync(image);
        thumbnail.Png.Should().Equal(SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 2)).Png);
        (thumbnail.Width, thumbnail.Height).Should().Be((6, 5));
    }

    [Fact]
    public async Task Tiff_images_render_from_their_stored_tiff()
    {
        var plane = new SlicePlane(600, 300, 3, PixelType.UInt8, Enumerable.Range(0, 600 * 300 * 3).Select(i => (byte)(i % 7 * 30)).ToArray());
        var path = Path.Combine(_root, "slide.tif");
        TiffWriter.Write(path, TiffWriter.Pyramid(plane, 150), new TiffWriteOptions { TileSize = 64 });
        var image = new Image { Name = "slide.tif", Width = 600, Height = 300, ColorSpace = "RGB", Channels = 3 };
        var file = new ImageFile { ImageId = image.Id, FileName = "slide.tif", ImageType = ImageFileType.Tiff };
        await using (var stream = File.OpenRead(path))
        {
            await _blobs.WriteAsync(file.BlobKey, stream);
        }

        image.Files.Add(file);
        var thumbnail = await _service.ThumbnailAsync(image);
        (thumbnail.Width, thumbnail.Height).Should().Be((256, 128));
        Png.Read(thumbnail.Png).ColorType.Should().Be(2);
    }

    [Fact]
    public async Task Bad_requests_and_missing_files_say_what_is_wrong()
    {
        using var volume = Volume();
        var image = await Store(volume, compress: false);
        await FluentActions.Awaiting(() => _service.RenderSliceAsync(image, new SliceRequest(SliceAxis.Z, 4)))
            .Should().ThrowAsync<SliceOutOfRangeException>().WithMessage("*along z it has 4 slices (0 to 3)*");
        await FluentActions.Awaiting(() => _service.RenderSliceAsync(image, new SliceRequest(SliceAxis.Z, 0, 0, 0, -1)))
            .Should().ThrowAsync<SliceRequestException>().WithMessage("*window width*");

        var empty = new Image { Name = "none" };
        await FluentActions.Awaiting(() => _service.RenderSliceAsync(empty, new SliceRequest(SliceAxis.Z, 0)))
            .Should().ThrowAsync<ImageNotRenderableException>().WithMessage("*no stored .mha or TIFF*");

        await _blobs.DeleteAsync(image.Files[0].BlobKey);
        await FluentActions.Awaiting(() => _service.RenderSliceAsync(image, new SliceRequest(SliceAxis.Z, 1)))
            .Should().ThrowAsync<ImageNotRenderableException>().WithMessage("*ct.mha*missing*");
        _cache.Count.Should().Be(0);
    }
}
