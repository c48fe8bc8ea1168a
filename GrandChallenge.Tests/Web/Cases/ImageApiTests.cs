using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Cases;

/// <summary>/api/v1/cases/images/ through the real host: grand-challenge.org's metadata names, shapes, and file downloads.</summary>
[Trait("Category", "Integration")]
public sealed class ImageApiTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IAsyncLifetime
{
    private GrandChallengeAppFactory App => fixture.App;

    private ApplicationUser _owner = default!;
    private HttpClient _client = default!;

    public async Task InitializeAsync()
    {
        await DefaultSockets.EnsureAsync(App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        _owner = await App.CreateUserAsync($"imgowner{Guid.NewGuid():N}"[..16]);
        _client = App.CreateClientWithToken(await App.CreateTokenAsync(_owner.Id));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>An image imported by the owner's upload session, with a real .mha file in the blob store.</summary>
    private async Task<(Image Image, ImageFile File, byte[] Bytes)> ImageAsync(Action<Image> shape)
    {
        var session = new UploadSession { CreatorId = _owner.Id, Status = UploadSessionStatus.Succeeded };
        var image = new Image { Name = "scan.mha", Width = 4, Height = 3, OriginId = session.Id };
        shape(image);
        using var volume = new ImageVolume(2, 4, 3, 1, 1, 1, PixelType.UInt8, ColorSpace.Gray, PixelBuffer.FromArray(new byte[12]));
        using var buffer = new MemoryStream();
        MetaImageWriter.Write(volume, buffer, compress: false);
        var bytes = buffer.ToArray();
        var file = new ImageFile { ImageId = image.Id, FileName = $"{image.Id}.mha", ImageType = ImageFileType.Mhd, SizeInStorage = bytes.Length };
        await App.Services.GetRequiredService<IBlobStore>().WriteAsync(file.BlobKey, new MemoryStream(bytes));
        image.Files.Add(file);
        image.Files.Add(new ImageFile { ImageId = image.Id, FileName = "thumbnail.png", ImageType = ImageFileType.Thumbnail });
        await using var db = App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();
        db.UploadSessions.Add(session);
        db.Images.Add(image);
        await db.SaveChangesAsync();
        return (image, file, bytes);
    }

    public static TheoryData<string, int?, int?, int, string, int[], int[]> Shapes() => new()
    {
        { "2-D", null, null, 1, "GRAY", [3, 4], [3, 4] },
        { "3-D", 5, null, 1, "GRAY", [5, 3, 4], [5, 3, 4] },
        { "4-D", 5, 2, 1, "GRAY", [2, 5, 3, 4], [2, 5, 3, 4] },
        { "RGB", null, null, 3, "RGB", [3, 4, 3], [3, 4] },
        { "RGBA volume", 5, null, 4, "RGBA", [5, 3, 4, 4], [5, 3, 4] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Shape_lists_timepoints_depth_height_width_and_colour_components(
        string label, int? depth, int? timepoints, int channels, string colorSpace, int[] shape, int[] withoutColor)
    {
        var (image, _, _) = await ImageAsync(i => (i.Depth, i.Timepoints, i.Channels, i.ColorSpace) = (depth, timepoints, channels, colorSpace));

        var json = await _client.GetFromJsonAsync<JsonElement>($"/api/v1/cases/images/{image.Id}/");

        json.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(shape, label);
        json.GetProperty("shape_without_color").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(withoutColor, label);
        json.GetProperty("color_space").GetString().Should().Be(colorSpace);
    }

    [Fact]
    public async Task Metadata_uses_grand_challenges_names_and_lists_the_stored_files()
    {
        var (image, file, _) = await ImageAsync(i =>
        {
            i.Depth = 7;
            i.VoxelWidthMm = 0.5;
            i.VoxelHeightMm = 0.6;
            i.VoxelDepthMm = 2.5;
            i.WindowCenter = 40;
            i.WindowWidth = 400;
            i.Modality = "CT";
        });

        var response = await _client.GetAsync($"/api/v1/cases/images/{image.Id}/");
        response.Content.Headers.ContentType!.ToString().Should().Be("application/json");
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();

        var names = json.EnumerateObject().Select(p => p.Name).ToList();
        names.Should().Contain(["pk", "api_url", "name", "width", "height", "depth", "timepoints", "shape", "shape_without_color",
            "voxel_width_mm", "voxel_height_mm", "voxel_depth_mm", "color_space", "window_center", "window_width", "modality", "files"]);
        json.GetProperty("pk").GetString().Should().Be(image.Id.ToString());
        json.GetProperty("name").GetString().Should().Be("scan.mha");
        (json.GetProperty("width").GetInt32(), json.GetProperty("height").GetInt32(), json.GetProperty("depth").GetInt32()).Should().Be((4, 3, 7));
        json.GetProperty("timepoints").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("voxel_depth_mm").GetDouble().Should().Be(2.5);
        json.GetProperty("window_center").GetDouble().Should().Be(40);
        json.GetProperty("window_width").GetDouble().Should().Be(400);
        json.GetProperty("modality").GetProperty("modality").GetString().Should().Be("CT");
        var files = json.GetProperty("files").EnumerateArray().ToList();
        files.Should().ContainSingle("thumbnails are not image files in grand-challenge.org's sense");
        files[0].GetProperty("pk").GetString().Should().Be(file.Id.ToString());
        files[0].GetProperty("image_type").GetString().Should().Be("MHD");
        files[0].GetProperty("file").GetString().Should().Be($"http://localhost/api/v1/cases/images/{image.Id}/files/{file.Id}/");
    }

    [Fact]
    public async Task A_file_downloads_whole_in_ranges_and_not_again_when_unchanged()
    {
        var (image, file, bytes) = await ImageAsync(_ => { });
        var url = $"/api/v1/cases/images/{image.Id}/files/{file.Id}/";

        var whole = await _client.GetAsync(url);
        whole.StatusCode.Should().Be(HttpStatusCode.OK);
        (await whole.Content.ReadAsByteArrayAsync()).Should().Equal(bytes);
        System.Text.Encoding.ASCII.GetString(bytes).Should().StartWith("ObjectType = Image");
        whole.Headers.AcceptRanges.Should().Contain("bytes");
        var etag = whole.Headers.ETag!;

        var range = new HttpRequestMessage(HttpMethod.Get, url);
        range.Headers.Range = new RangeHeaderValue(0, 9);
        var partial = await _client.SendAsync(range);
        partial.StatusCode.Should().Be(HttpStatusCode.PartialContent);
        (await partial.Content.ReadAsByteArrayAsync()).Should().Equal(bytes[..10]);
        partial.Content.Headers.ContentRange!.Length.Should().Be(bytes.Length);

        var conditional = new HttpRequestMessage(HttpMethod.Get, url);
        conditional.Headers.IfNoneMatch.Add(etag);
        (await _client.SendAsync(conditional)).StatusCode.Should().Be(HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task An_image_nobody_shared_is_404_to_strangers_and_anonymous_visitors_but_not_to_site_admins()
    {
        var (image, file, _) = await ImageAsync(_ => { });
        var stranger = await App.CreateClientForNewUserAsync($"imgstranger{Guid.NewGuid():N}"[..18]);
        var admin = await App.CreateClientForNewUserAsync($"imgadmin{Guid.NewGuid():N}"[..16], siteAdmin: true);

        foreach (var url in new[] { $"/api/v1/cases/images/{image.Id}/", $"/api/v1/cases/images/{image.Id}/files/{file.Id}/" })
        {
            (await stranger.GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.NotFound, url);
            (await App.CreateClient().GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.NotFound, url);
            (await admin.GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.OK, url);
        }

        (await _client.GetAsync($"/api/v1/cases/images/{image.Id}/files/{Guid.NewGuid()}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_image_in_a_public_archive_is_visible_to_everyone()
    {
        var (image, file, bytes) = await ImageAsync(_ => { });
        var owner = new Actor(_owner.Id, false);
        var archive = (await App.Services.GetRequiredService<IArchiveService>().CreateAsync(owner, new NewArchive($"Public {Guid.NewGuid():N}", Public: true))).Value!;
        (await App.Services.GetRequiredService<IArchiveItemService>().CreateAsync(owner, archive.Id, "",
            [ItemValueDraft.OfImage(DefaultSockets.GenericMedicalImage, image.Id)])).Succeeded.Should().BeTrue();

        var anonymous = App.CreateClient();
        (await anonymous.GetAsync($"/api/v1/cases/images/{image.Id}/")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await anonymous.GetByteArrayAsync($"/api/v1/cases/images/{image.Id}/files/{file.Id}/")).Should().Equal(bytes);
    }
}
