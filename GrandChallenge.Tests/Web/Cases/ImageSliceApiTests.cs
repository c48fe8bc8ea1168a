using System.Net;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace GrandChallenge.Tests.Web.Cases;

/// <summary>Slice and thumbnail PNGs through the real host: the pixels, the window, ETags, bad requests and who may see them.</summary>
[Trait("Category", "Integration")]
public sealed class ImageSliceApiTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IAsyncLifetime
{
    private const int Width = 4, Height = 3, Depth = 5;

    private GrandChallengeAppFactory App => fixture.App;
    private HttpClient _owner = default!;
    private Image _image = default!;

    public async Task InitializeAsync()
    {
        var owner = await App.CreateUserAsync($"sliceowner{Guid.NewGuid():N}"[..16]);
        _owner = App.CreateClientWithToken(await App.CreateTokenAsync(owner.Id));
        _image = await StoreVolumeAsync(owner.Id);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Voxel (x, y, z) holds 100·z + 10·y + x as int16, so every slice along every axis is known.</summary>
    private static short Voxel(int x, int y, int z) => (short)((100 * z) + (10 * y) + x);

    private async Task<Image> StoreVolumeAsync(Guid ownerId)
    {
        var voxels = new short[Width * Height * Depth];
        for (var z = 0; z < Depth; z++)
        {
            for (var y = 0; y < Height; y++)
            {
                for (var x = 0; x < Width; x++)
                {
                    voxels[(((z * Height) + y) * Width) + x] = Voxel(x, y, z);
                }
            }
        }

        var session = new UploadSession { CreatorId = ownerId, Status = UploadSessionStatus.Succeeded };
        var image = new Image { Name = "ramp.mha", Width = Width, Height = Height, Depth = Depth, PixelType = "Int16", OriginId = session.Id };
        using var volume = new ImageVolume(3, Width, Height, Depth, 1, 1, PixelType.Int16, ColorSpace.Gray, PixelBuffer.FromArray(System.Runtime.InteropServices.MemoryMarshal.AsBytes(voxels.AsSpan()).ToArray()));
        using var buffer = new MemoryStream();
        MetaImageWriter.Write(volume, buffer, compress: false);
        var file = new ImageFile { ImageId = image.Id, FileName = $"{image.Id}.mha", ImageType = ImageFileType.Mhd, SizeInStorage = buffer.Length };
        buffer.Position = 0;
        await App.Services.GetRequiredService<IBlobStore>().WriteAsync(file.BlobKey, buffer);
        image.Files.Add(file);
        await using var db = App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();
        db.UploadSessions.Add(session);
        db.Images.Add(image);
        await db.SaveChangesAsync();
        return image;
    }

    private static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new InvalidOperationException("Not a PNG.");

    [Fact]
    public async Task A_slice_along_each_axis_shows_its_voxels_through_the_window()
    {
        // Window 0..510 maps value v to v/2 grey exactly: centre 255, width 510 spans [0, 510].
        var axial = await _owner.GetAsync($"/api/v1/cases/images/{_image.Id}/slices/z/2.png?window_center=255&window_width=510");
        axial.StatusCode.Should().Be(HttpStatusCode.OK, await axial.Content.ReadAsStringAsync());
        axial.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
        using (var picture = Decode(await axial.Content.ReadAsByteArrayAsync()))
        {
            (picture.Width, picture.Height).Should().Be((Width, Height));
            ((int)picture.GetPixel(3, 1).Red).Should().BeCloseTo(Voxel(3, 1, 2) / 2, 1);
            ((int)picture.GetPixel(0, 0).Red).Should().BeCloseTo(Voxel(0, 0, 2) / 2, 1);
        }

        var sagittal = await _owner.GetByteArrayAsync($"/api/v1/cases/images/{_image.Id}/slices/sagittal/1.png?window_center=255&window_width=510");
        using (var picture = Decode(sagittal))
        {
            (picture.Width * picture.Height).Should().Be(Height * Depth, "a sagittal slice spans y and z");
        }

        var coronal = await _owner.GetByteArrayAsync($"/api/v1/cases/images/{_image.Id}/slices/y/0.png?window_center=255&window_width=510");
        using (var picture = Decode(coronal))
        {
            (picture.Width * picture.Height).Should().Be(Width * Depth, "a coronal slice spans x and z");
        }
    }

    [Fact]
    public async Task A_slice_asked_again_with_its_etag_is_not_sent_again()
    {
        var url = $"/api/v1/cases/images/{_image.Id}/slices/z/1.png?window_center=255&window_width=510";
        var first = await _owner.GetAsync(url);
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        var tag = first.Headers.ETag;
        tag.Should().NotBeNull();
        first.Headers.CacheControl!.Private.Should().BeTrue("whether one may see an image depends on who asks");

        using var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.IfNoneMatch.Add(tag!);
        (await _owner.SendAsync(again)).StatusCode.Should().Be(HttpStatusCode.NotModified);

        var other = await _owner.GetAsync($"/api/v1/cases/images/{_image.Id}/slices/z/2.png?window_center=255&window_width=510");
        other.Headers.ETag.Should().NotBe(tag, "another slice is another picture");
    }

    [Fact]
    public async Task Bad_slice_requests_get_a_clear_message()
    {
        async Task<(HttpStatusCode, string)> Get(string path)
        {
            var response = await _owner.GetAsync($"/api/v1/cases/images/{_image.Id}/{path}");
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var (status, body) = await Get("slices/z/5.png");
        status.Should().Be(HttpStatusCode.NotFound);
        body.Should().Contain("5");
        (status, body) = await Get("slices/w/0.png");
        status.Should().Be(HttpStatusCode.BadRequest);
        body.Should().Contain("Unknown slice axis");
        (status, body) = await Get("slices/z/0.png?window_center=10");
        status.Should().Be(HttpStatusCode.BadRequest);
        body.Should().Contain("window_width");
        (status, _) = await Get("slices/z/0.png?window_center=10&window_width=0");
        status.Should().Be(HttpStatusCode.BadRequest);
        (status, _) = await Get("slices/z/0.png?timepoint=1");
        status.Should().Be(HttpStatusCode.NotFound, "the volume has one timepoint");
    }

    [Fact]
    public async Task The_thumbnail_is_a_small_png_of_the_middle_slice()
    {
        var response = await _owner.GetAsync($"/api/v1/cases/images/{_image.Id}/thumbnail/");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var picture = Decode(await response.Content.ReadAsByteArrayAsync());
        (picture.Width, picture.Height).Should().Be((Width, Height), "small images are not enlarged");
    }

    [Fact]
    public async Task Strangers_and_anonymous_users_get_404_for_slices_and_thumbnails()
    {
        var stranger = await App.CreateClientForNewUserAsync($"slicestranger{Guid.NewGuid():N}"[..18]);
        foreach (var client in new[] { stranger, App.CreateClient() })
        {
            (await client.GetAsync($"/api/v1/cases/images/{_image.Id}/slices/z/0.png")).StatusCode.Should().Be(HttpStatusCode.NotFound);
            (await client.GetAsync($"/api/v1/cases/images/{_image.Id}/thumbnail/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        }

        (await _owner.GetAsync($"/api/v1/cases/images/{Guid.NewGuid()}/slices/z/0.png")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
