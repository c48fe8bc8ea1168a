using System.Text.Json.Nodes;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Tests.Domain.Imaging;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Components;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Workers;

/// <summary>Image sockets of the container contract: the sockets, images and values the job tests share.</summary>
internal static class ImageJobData
{
    public const string InputPath = "images/jobio-in";
    public const string OutputPath = "images/jobio-out";

    public static async Task<Socket> SocketAsync(GrandChallengeAppFactory app, string relativePath)
    {
        if (app.Db(db => db.Sockets.FirstOrDefault(s => s.RelativePath == relativePath)) is { } existing)
        {
            return existing;
        }

        var created = await app.Services.GetRequiredService<ISocketService>()
            .CreateAsync(new Actor(Guid.NewGuid(), IsSiteAdmin: true), new SocketDraft($"Jobio {relativePath}", SocketKinds.Image, relativePath));
        return created.Value ?? throw new InvalidOperationException(created.Error);
    }

    /// <summary>A stored image made from a ramp volume, and its voxels.</summary>
    public static async Task<(Image Image, byte[] Voxels)> ImageAsync(GrandChallengeAppFactory app, string name)
    {
        var folder = TestImages.TempDir();
        try
        {
            using var volume = TestImages.Ramp(3, 6, 5, 4);
            var path = Path.Combine(folder, name);
            MetaImageWriter.Write(volume, path);
            var imported = await app.Services.GetRequiredService<IImageStore>().ImportAsync([path], name);
            return (imported.Value ?? throw new InvalidOperationException(imported.Error), volume.Pixels.ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public static async Task<SocketValue> InputValueAsync(GrandChallengeAppFactory app, Image image)
    {
        var socket = await SocketAsync(app, InputPath);
        var value = await app.Services.GetRequiredService<ISocketValueService>().GetOrCreateImageAsync(socket, image.Id);
        return value.Value ?? throw new InvalidOperationException(value.Error);
    }
}

[Trait("Category", "Integration")]
public sealed class SocketJobIoImageTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IDisposable
{
    private readonly string _work = TestEnvironment.NewTempDirectory("gc-jobio");
    private GrandChallengeAppFactory App => fixture.App;
    private IComponentJobIo Io => App.Services.GetRequiredService<IComponentJobIo>();
    private IBlobStore Blobs => App.Services.GetRequiredService<IBlobStore>();

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private async Task<ComponentJob> OutputJobAsync() =>
        new() { ImageReference = "sha256:0", OutputSocketIds = [(await ImageJobData.SocketAsync(App, ImageJobData.OutputPath)).Id] };

    private string OutputFolder()
    {
        var folder = Path.Combine(_work, "output", "images", "jobio-out");
        Directory.CreateDirectory(folder);
        return folder;
    }

    [Fact]
    public async Task An_image_input_is_its_stored_mha_in_the_sockets_folder_and_is_named_in_inputs_json()
    {
        var (image, _) = await ImageJobData.ImageAsync(App, "scan.mha");
        var value = await ImageJobData.InputValueAsync(App, image);
        var job = new ComponentJob { ImageReference = "sha256:0", Values = [new ComponentJobValue { SocketValueId = value.Id }] };

        await Io.StageInputsAsync(job, _work, CancellationToken.None);

        var file = image.Files.Single();
        var staged = Path.Combine(_work, "images", "jobio-in", file.FileName);
        File.Exists(staged).Should().BeTrue();
        (await File.ReadAllBytesAsync(staged)).Should().Equal(await File.ReadAllBytesAsync(Blobs.LocalPath(file.BlobKey)));
        var inputs = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_work, "inputs.json")))!.AsArray();
        var entry = inputs.Single()!;
        entry["interface"]!["relative_path"]!.GetValue<string>().Should().Be(ImageJobData.InputPath);
        entry["image"]!["pk"]!.GetValue<string>().Should().Be(image.Id.ToString());
        entry["image"]!["name"]!.GetValue<string>().Should().Be("scan.mha");
        entry["pk"]!.GetValue<long>().Should().Be(value.Id);
        entry["file"].Should().BeNull();
    }

    [Fact]
    public async Task An_input_image_whose_file_is_gone_is_a_staging_error_naming_the_image()
    {
        var (image, _) = await ImageJobData.ImageAsync(App, "lost.mha");
        var value = await ImageJobData.InputValueAsync(App, image);
        await Blobs.DeleteAsync(image.Files.Single().BlobKey);
        var job = new ComponentJob { ImageReference = "sha256:0", Values = [new ComponentJobValue { SocketValueId = value.Id }] };

        var staging = () => Io.StageInputsAsync(job, _work, CancellationToken.None);

        (await staging.Should().ThrowAsync<InputStagingException>()).Which.Message
            .Should().Be("The image 'lost.mha' of input 'Jobio images/jobio-in' has no stored .mha or TIFF file; it cannot be given to the container.");
    }

    [Fact]
    public async Task An_output_image_becomes_a_new_stored_image_and_its_socket_value()
    {
        using var volume = TestImages.Ramp(3, 7, 3, 2, type: PixelType.Float32);
        MetaImageWriter.Write(volume, Path.Combine(OutputFolder(), "result.mha"));
        var job = await OutputJobAsync();

        var outputs = await Io.ReadOutputsAsync(job, Path.Combine(_work, "output"), CancellationToken.None);

        outputs.Error.Should().BeNull();
        var value = App.Db(db => db.SocketValues.Single(v => v.Id == outputs.ValueIds.Single()));
        value.SocketId.Should().Be(job.OutputSocketIds.Single());
        var image = App.Db(db => db.Images.Where(i => i.Id == value.ImageId).Select(i => new { i.Name, i.Width, i.Depth, Files = i.Files.ToList() }).Single());
        (image.Name, image.Width, image.Depth).Should().Be(("result.mha", 7, 2));
        using var read = MetaImageReader.Read(Blobs.LocalPath(image.Files.Single().BlobKey));
        read.PixelType.Should().Be(PixelType.Float32);
        read.Pixels.ToArray().Should().Equal(volume.Pixels.ToArray());
    }

    [Fact]
    public async Task Two_output_images_fail_the_job_with_the_sockets_message()
    {
        using var volume = TestImages.Ramp(2, 3, 3);
        MetaImageWriter.Write(volume, Path.Combine(OutputFolder(), "a.mha"));
        MetaImageWriter.Write(volume, Path.Combine(OutputFolder(), "b.mha"));
        var images = App.Db(db => db.Images.Count());

        var outputs = await Io.ReadOutputsAsync(await OutputJobAsync(), Path.Combine(_work, "output"), CancellationToken.None);

        outputs.Error.Should().Be("Only 1 image should be produced in 'images/jobio-out', found 2");
        outputs.Details.Should().ContainKey("Jobio images/jobio-out");
        App.Db(db => db.Images.Count()).Should().Be(images);
    }

    [Fact]
    public async Task An_output_folder_without_an_image_fails_the_job()
    {
        await File.WriteAllTextAsync(Path.Combine(OutputFolder(), "notes.txt"), "no image here");

        var outputs = await Io.ReadOutputsAsync(await OutputJobAsync(), Path.Combine(_work, "output"), CancellationToken.None);

        outputs.Error.Should().StartWith("No output images could be imported from 'images/jobio-out'");
    }

    [Fact]
    public async Task A_corrupt_output_image_fails_the_job_and_stores_nothing()
    {
        await File.WriteAllTextAsync(Path.Combine(OutputFolder(), "broken.mha"), "ObjectType = Image\nNDims = 2\nDimSize = 50 50\nElementType = MET_FLOAT\nElementDataFile = LOCAL\nxyz");
        var images = App.Db(db => db.Images.Count());
        var values = App.Db(db => db.SocketValues.Count());

        var outputs = await Io.ReadOutputsAsync(await OutputJobAsync(), Path.Combine(_work, "output"), CancellationToken.None);

        outputs.Error.Should().StartWith("The image in 'images/jobio-out' could not be imported: ");
        outputs.ValueIds.Should().BeEmpty();
        App.Db(db => db.Images.Count()).Should().Be(images);
        App.Db(db => db.SocketValues.Count()).Should().Be(values);
    }
}

/// <summary>An image through a real container: staged as input, copied by the container, imported as output.</summary>
[Trait("Category", "Docker")]
public sealed class ImageJobEngineTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private GrandChallengeAppFactory App => fixture.App;

    [Fact]
    public async Task A_container_that_copies_its_input_image_to_its_output_makes_a_new_image_with_the_same_voxels()
    {
        var user = await App.CreateUserAsync($"img{Guid.NewGuid():N}"[..16]);
        var (image, voxels) = await ImageJobData.ImageAsync(App, "ct.mha");
        var input = await ImageJobData.InputValueAsync(App, image);
        var outputSocket = await ImageJobData.SocketAsync(App, ImageJobData.OutputPath);
        var job = new ComponentJob
        {
            Kind = ComponentJobKind.Algorithm,
            ImageReference = await DockerTestImages.BuildAsync("job-image"),
            CreatorId = user.Id,
            TimeLimitSeconds = 120,
            MemoryGb = 1,
            OutputSocketIds = [outputSocket.Id],
            Values = [new ComponentJobValue { SocketValueId = input.Id }],
        };

        await App.Services.GetRequiredService<ComponentJobQueue>().EnqueueAsync(job);
        var done = await JobWaiting.WaitForAsync(App.Services.GetRequiredService<ComponentJobStore>(), job.Id, j => j.IsFinal, 90);

        done.Status.Should().Be(ComponentJobStatus.Succeeded, done.ErrorMessage);
        done.Stdout.Should().Contain($"\"pk\": \"{image.Id}\"", "inputs.json names the input image");
        var outputId = done.Values.Single(x => x.IsOutput).SocketValueId;
        var output = App.Db(db => db.SocketValues.Single(v => v.Id == outputId));
        output.SocketId.Should().Be(outputSocket.Id);
        output.ImageId.Should().NotBeNull().And.NotBe(image.Id);
        var file = App.Db(db => db.ImageFiles.Single(f => f.ImageId == output.ImageId));
        file.ImageType.Should().Be(ImageFileType.Mhd);
        using var read = MetaImageReader.Read(App.Services.GetRequiredService<IBlobStore>().LocalPath(file.BlobKey));
        read.Pixels.ToArray().Should().Equal(voxels);
        var visible = await App.Services.GetRequiredService<IImageAccess>().FindAsync(new Actor(user.Id, false), output.ImageId!.Value);
        visible.Should().NotBeNull("the job's creator sees the images it produced");
    }
}
