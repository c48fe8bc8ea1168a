using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Import;
using GrandChallenge.Domain.Imaging.Rendering;
using GrandChallenge.Domain.Imaging.Tiff;
using GrandChallenge.Tests.Domain.Imaging;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrandChallenge.Tests.Domain.Cases;

[Trait("Category", "Unit")]
public sealed class ImageStoreTests : IDisposable
{
    private readonly InMemoryDatabase _db = new();
    private readonly string _root = TestEnvironment.NewTempDirectory("gc-image-store");
    private readonly string _files = TestImages.TempDir();
    private readonly DataDirectory _data;
    private readonly LocalBlobStore _blobs;
    private readonly ImageStore _store;

    public ImageStoreTests()
    {
        _data = new DataDirectory(_root);
        _blobs = new LocalBlobStore(_data);
        _store = new ImageStore(_db, _blobs, [new MetaImageBuilder(), new NiftiImageBuilder(), new TiffImageBuilder(), new RasterImageBuilder()], _data, NullLogger<ImageStore>.Instance);
    }

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_files, recursive: true);
    }

    private string WriteMha(string name, ImageVolume volume)
    {
        var path = Path.Combine(_files, name);
        MetaImageWriter.Write(volume, path);
        return path;
    }

    private List<string> StoredImageBlobs()
    {
        var images = Path.Combine(_root, "blobs", "images");
        return Directory.Exists(images) ? Directory.EnumerateFiles(images, "*", SearchOption.AllDirectories).ToList() : [];
    }

    [Fact]
    public async Task A_volume_is_stored_as_a_compressed_mha_with_its_hash_and_described_but_not_saved()
    {
        using var volume = TestImages.Ramp(3, 5, 4, 3);
        var expected = volume.Pixels.ToArray();

        var image = await _store.StoreAsync(new BuiltImage { Name = "ramp.mha", Volume = volume, ConsumedFiles = [] }, originSessionId: null);

        image.Name.Should().Be("ramp.mha");
        (image.Width, image.Height, image.Depth).Should().Be((5, 4, 3));
        image.PixelType.Should().Be("Int16");
        var file = image.Files.Should().ContainSingle().Subject;
        file.ImageType.Should().Be(ImageFileType.Mhd);
        file.FileName.Should().Be($"{image.Id:D}.mha");
        _blobs.Exists(file.BlobKey).Should().BeTrue();
        file.SizeInStorage.Should().Be(_blobs.Length(file.BlobKey));
        await using (var content = _blobs.OpenRead(file.BlobKey))
        {
            file.Sha256.Should().Be(Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(content)));
        }

        using var read = MetaImageReader.Read(_blobs.LocalPath(file.BlobKey));
        read.Pixels.ToArray().Should().Equal(expected);
        MetaImageReader.ReadHeaderFields(_blobs.LocalPath(file.BlobKey))["CompressedData"].Should().Be("True");
        await using var db = _db.CreateDbContext();
        (await db.Images.CountAsync()).Should().Be(0, "the caller saves the rows");
        Directory.EnumerateFiles(_data.Folder("image-store")).Should().BeEmpty("the temporary .mha is deleted");
    }

    [Fact]
    public async Task Importing_one_image_file_saves_the_image_and_its_file()
    {
        using var volume = TestImages.Ramp(2, 6, 3, type: PixelType.UInt8);
        var path = WriteMha("result.mha", volume);

        var result = await _store.ImportAsync([path], "images/result");

        result.Succeeded.Should().BeTrue(result.Error);
        await using var db = _db.CreateDbContext();
        var image = await db.Images.Include(i => i.Files).SingleAsync();
        image.Id.Should().Be(result.Value!.Id);
        image.Name.Should().Be("result.mha");
        image.OriginId.Should().BeNull();
        image.Segments.Should().NotBeNull();
        using var read = MetaImageReader.Read(_blobs.LocalPath(image.Files.Single().BlobKey));
        read.Pixels.ToArray().Should().Equal(volume.Pixels.ToArray());
    }

    [Fact]
    public async Task A_tiff_is_stored_as_a_tiff_and_the_build_folder_is_removed()
    {
        var path = Path.Combine(_files, "slide.tif");
        var pixels = Enumerable.Range(0, 64 * 48).Select(i => (byte)(i % 251)).ToArray();
        TiffWriter.Write(path, [new SlicePlane(64, 48, 1, PixelType.UInt8, pixels)]);

        var result = await _store.ImportAsync([path], "images/slide");

        result.Succeeded.Should().BeTrue(result.Error);
        var image = result.Value!;
        (image.Width, image.Height, image.Depth, image.PixelType).Should().Be((64, 48, null, "UInt8"));
        var file = image.Files.Should().ContainSingle().Subject;
        file.ImageType.Should().Be(ImageFileType.Tiff);
        file.FileName.Should().Be($"{image.Id:D}.tif");
        _blobs.Exists(file.BlobKey).Should().BeTrue();
        Directory.EnumerateFileSystemEntries(_data.Folder("image-store")).Should().BeEmpty();
    }

    [Fact]
    public async Task An_unreadable_image_is_refused_with_the_readers_message_and_nothing_is_stored()
    {
        var path = Path.Combine(_files, "broken.mha");
        await File.WriteAllTextAsync(path, "ObjectType = Image\nNDims = 3\nDimSize = 10 10 10\nElementType = MET_SHORT\nElementDataFile = LOCAL\nabc");

        var result = await _store.ImportAsync([path], "images/result");

        result.Succeeded.Should().BeFalse();
        result.Error.Should().StartWith("The image in 'images/result' could not be imported: ");
        await using var db = _db.CreateDbContext();
        (await db.Images.CountAsync()).Should().Be(0);
        StoredImageBlobs().Should().BeEmpty();
    }

    [Fact]
    public async Task Files_that_hold_two_images_or_none_are_refused()
    {
        using var volume = TestImages.Ramp(2, 4, 4);
        var a = WriteMha("a.mha", volume);
        var b = WriteMha("b.mha", volume);
        var text = Path.Combine(_files, "notes.txt");
        await File.WriteAllTextAsync(text, "not an image");

        var two = await _store.ImportAsync([a, b], "images/out");
        var none = await _store.ImportAsync([text], "images/out");

        two.Error.Should().Be("Only 1 image should be produced in 'images/out', found 2");
        none.Error.Should().Be("The image in 'images/out' could not be imported: none of its files is a supported image");
        await using var db = _db.CreateDbContext();
        (await db.Images.CountAsync()).Should().Be(0);
        StoredImageBlobs().Should().BeEmpty();
    }

    [Fact]
    public async Task Deleting_an_image_removes_its_rows_and_its_files()
    {
        using var volume = TestImages.Ramp(2, 4, 4);
        var imported = (await _store.ImportAsync([WriteMha("x.mha", volume)], "x")).Value!;
        var key = imported.Files.Single().BlobKey;

        await _store.DeleteAsync(imported.Id);

        _blobs.Exists(key).Should().BeFalse();
        await using var db = _db.CreateDbContext();
        (await db.Images.CountAsync()).Should().Be(0);
        (await db.ImageFiles.CountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task The_creator_of_a_job_sees_its_input_and_output_images_and_nobody_else_does()
    {
        using var volume = TestImages.Ramp(2, 4, 4);
        var input = (await _store.ImportAsync([WriteMha("in.mha", volume)], "in")).Value!;
        var output = (await _store.ImportAsync([WriteMha("out.mha", volume)], "out")).Value!;
        var unrelated = (await _store.ImportAsync([WriteMha("other.mha", volume)], "other")).Value!;
        var creator = new ApplicationUser { UserName = "creator" };
        var other = new ApplicationUser { UserName = "other" };
        await using (var db = _db.CreateDbContext())
        {
            db.Users.AddRange(creator, other);
            var socket = new Socket { Title = "Scan", Slug = "scan", Kind = SocketKinds.Image, RelativePath = "images/scan" };
            db.Sockets.Add(socket);
            await db.SaveChangesAsync();
            var inValue = new SocketValue { SocketId = socket.Id, ImageId = input.Id };
            var outValue = new SocketValue { SocketId = socket.Id, ImageId = output.Id };
            db.SocketValues.AddRange(inValue, outValue);
            await db.SaveChangesAsync();
            db.ComponentJobs.Add(new ComponentJob
            {
                ImageReference = "sha256:0",
                CreatorId = creator.Id,
                Values = [new ComponentJobValue { SocketValueId = inValue.Id }, new ComponentJobValue { SocketValueId = outValue.Id, IsOutput = true }],
            });
            await db.SaveChangesAsync();
        }

        var access = new ImageAccess(_db, [new ComponentJobImageVisibility()]);

        await using var query = _db.CreateDbContext();
        (await access.VisibleImageIds(query, new Actor(creator.Id, false)).ToListAsync()).Should().BeEquivalentTo([input.Id, output.Id]);
        (await access.VisibleImageIds(query, new Actor(other.Id, false)).ToListAsync()).Should().BeEmpty();
        (await access.VisibleImageIds(query, new Actor(null, false)).ToListAsync()).Should().BeEmpty();
        (await access.FindAsync(new Actor(creator.Id, false), output.Id)).Should().NotBeNull();
        (await access.FindAsync(new Actor(creator.Id, false), unrelated.Id)).Should().BeNull();
    }
}
