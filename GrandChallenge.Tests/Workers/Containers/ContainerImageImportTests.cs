using System.Collections.Concurrent;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Containers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace GrandChallenge.Tests.Workers.Containers;

/// <summary>Engine clean-up immediately for unused images, so the nightly job can be run by the tests.</summary>
public sealed class ContainerImageAppFixture() : AppFixture(DatabaseProvider.Sqlite, settings: new Dictionary<string, string>
{
    ["ContainerImages:RemoveUnusedAfterDays"] = "0",
});

/// <summary>
/// Container images end to end on the real engine: upload → Quartz import job → validation → docker load → statuses,
/// and the rejected archives the issue names. Every image a test puts in the engine is removed again.
/// </summary>
[Trait("Category", "Docker")]
public sealed class ContainerImageImportTests(ContainerImageAppFixture fixture) : IClassFixture<ContainerImageAppFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private readonly string _temp = TestEnvironment.NewTempDirectory("gc-image-archives");
    private readonly ConcurrentBag<(ContainerImageKind Kind, Guid Id)> _created = [];
    private readonly ConcurrentBag<string> _builtTags = [];
    private Actor _admin = default!;

    private GrandChallengeAppFactory App => fixture.App;
    private IContainerImageService Images => App.Services.GetRequiredService<IContainerImageService>();

    public async Task InitializeAsync()
    {
        var user = await App.CreateUserAsync($"images{Guid.NewGuid():N}"[..16], siteAdmin: true);
        _admin = new Actor(user.Id, IsSiteAdmin: true);
    }

    public async Task DisposeAsync()
    {
        foreach (var (kind, id) in _created)
        {
            await DockerTestImages.RemoveAsync(ContainerImageConventions.EngineTag(kind, id));
        }

        foreach (var tag in _builtTags)
        {
            await DockerTestImages.RemoveAsync(tag);
        }

        Directory.Delete(_temp, recursive: true);
    }

    [Theory]
    [InlineData(".tar")]
    [InlineData(".tar.gz")]
    [InlineData(".tar.xz")]
    public async Task A_valid_archive_is_validated_loaded_under_the_platforms_tag_and_completed(string extension)
    {
        var (tag, id, path) = await SavedImageAsync("nonroot", extension);
        var notifications = new ConcurrentQueue<object?>();
        using var subscription = App.Services.GetRequiredService<IChangeNotifier>()
            .Subscribe(ContainerImageConventions.AllTopic, payload => { notifications.Enqueue(payload); return Task.CompletedTask; });

        var image = await UploadAsync(ContainerImageKind.Algorithm, Guid.NewGuid(), path);
        var done = await WaitForImportAsync(image.Id);

        done.ImportStatus.Should().Be(ContainerImageImportStatus.Completed, done.StatusMessage);
        done.StatusMessage.Should().BeEmpty();
        done.IsManifestValid.Should().BeTrue();
        done.IsLoaded.Should().BeTrue();
        done.ImageSha256.Should().Be(id);
        (await DockerTestImages.RunAsync("docker", "image", "inspect", "--format", "{{.Id}}", ContainerImageConventions.EngineTag(ContainerImageKind.Algorithm, image.Id)))
            .Should().Be(id);
        (await DockerTestImages.ExistsAsync(tag)).Should().BeFalse("the tags inside an upload are never applied in the engine");
        notifications.Count(n => n is Guid g && g == image.Id).Should().BeGreaterThanOrEqualTo(3, "created, started and completed are each announced");
    }

    [Fact]
    public async Task A_root_user_image_is_rejected_and_never_loaded()
    {
        var (_, id, path) = await SavedImageAsync("root-user", ".tar.gz");

        var done = await WaitForImportAsync((await UploadAsync(ContainerImageKind.Algorithm, Guid.NewGuid(), path)).Id);

        done.ImportStatus.Should().Be(ContainerImageImportStatus.Failed);
        done.StatusMessage.Should().Be("The container runs as root. Set a non-root USER in the Dockerfile.");
        done.IsManifestValid.Should().BeFalse();
        done.IsLoaded.Should().BeFalse();
        (await DockerTestImages.ExistsAsync(id)).Should().BeFalse();
    }

    [Fact]
    public async Task A_non_amd64_image_is_rejected_with_its_architecture()
    {
        var (_, _, path) = await SavedImageAsync("nonroot", ".tar");
        var arm = DockerArchives.WithArchitecture(await File.ReadAllBytesAsync(path), "arm64");
        var armPath = Path.Combine(_temp, "arm64.tar");
        await File.WriteAllBytesAsync(armPath, arm);

        var done = await WaitForImportAsync((await UploadAsync(ContainerImageKind.Workstation, null, armPath)).Id);

        done.ImportStatus.Should().Be(ContainerImageImportStatus.Failed);
        done.StatusMessage.Should().Be("The container image is built for arm64; it must be linux/amd64.");
        done.IsManifestValid.Should().BeFalse();
    }

    [Fact]
    public async Task Corrupt_archives_are_rejected_because_they_cannot_be_decompressed()
    {
        var random = Path.Combine(_temp, "random.tar");
        await File.WriteAllBytesAsync(random, new Random(7).GetItems(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 200_000));
        var (_, _, saved) = await SavedImageAsync("nonroot", ".tar.gz");
        var truncated = Path.Combine(_temp, "truncated.tar.gz");
        var bytes = await File.ReadAllBytesAsync(saved);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);

        foreach (var path in new[] { random, truncated })
        {
            var done = await WaitForImportAsync((await UploadAsync(ContainerImageKind.Evaluation, Guid.NewGuid(), path)).Id);

            done.ImportStatus.Should().Be(ContainerImageImportStatus.Failed, path);
            done.StatusMessage.Should().Be("Could not decompress the container image file.");
            done.IsLoaded.Should().BeFalse();
        }
    }

    [Fact]
    public async Task A_tar_with_two_images_is_rejected()
    {
        var first = await BuildAsync("nonroot");
        var second = await BuildAsync("root-user");
        var path = Path.Combine(_temp, "two.tar");
        await DockerTestImages.SaveAsync(path, first.Tag, second.Tag);

        var done = await WaitForImportAsync((await UploadAsync(ContainerImageKind.Algorithm, Guid.NewGuid(), path)).Id);

        done.ImportStatus.Should().Be(ContainerImageImportStatus.Failed);
        done.StatusMessage.Should().Be("The container image file contains 2 images; upload exactly one.");
    }

    [Fact]
    public async Task A_tar_without_manifest_json_is_rejected()
    {
        var (_, _, saved) = await SavedImageAsync("nonroot", ".tar");
        var path = Path.Combine(_temp, "no-manifest.tar");
        await File.WriteAllBytesAsync(path, DockerArchives.WithoutManifest(await File.ReadAllBytesAsync(saved)));

        var done = await WaitForImportAsync((await UploadAsync(ContainerImageKind.Algorithm, Guid.NewGuid(), path)).Id);

        done.StatusMessage.Should().Be("The container image file is not a docker save archive: manifest.json is missing (was it created with docker save?)");
    }

    [Fact]
    public async Task The_same_image_twice_for_one_algorithm_is_a_duplicate_but_evaluations_may_share_it_and_it_stays_while_one_uses_it()
    {
        var (_, id, path) = await SavedImageAsync("nonroot", ".tar.gz");
        var algorithm = Guid.NewGuid();

        var first = await WaitForImportAsync((await UploadAsync(ContainerImageKind.Algorithm, algorithm, path)).Id);
        var again = await WaitForImportAsync((await UploadAsync(ContainerImageKind.Algorithm, algorithm, path)).Id);
        var phaseAOwner = Guid.NewGuid();
        var phaseA = await WaitForImportAsync((await UploadAsync(ContainerImageKind.Evaluation, phaseAOwner, path)).Id);
        var phaseB = await WaitForImportAsync((await UploadAsync(ContainerImageKind.Evaluation, Guid.NewGuid(), path)).Id);
        phaseA.IsDesiredVersion.Should().BeTrue("a phase's newest completed evaluation method becomes its active one");

        // A newer method for phase A takes over, so the first one may go.
        var phaseANewer = await WaitForImportAsync((await UploadAsync(ContainerImageKind.Evaluation, phaseAOwner, path)).Id);
        phaseANewer.IsDesiredVersion.Should().BeTrue();
        Get(phaseA.Id).IsDesiredVersion.Should().BeFalse();

        first.ImportStatus.Should().Be(ContainerImageImportStatus.Completed);
        first.IsDesiredVersion.Should().BeTrue("an algorithm's newest completed image becomes its active one, as on grand-challenge.org");
        again.ImportStatus.Should().Be(ContainerImageImportStatus.Failed);
        again.IsDesiredVersion.Should().BeFalse();
        again.StatusMessage.Should().Be($"This container image has already been uploaded ({id}).");
        phaseA.ImportStatus.Should().Be(ContainerImageImportStatus.Completed);
        phaseB.ImportStatus.Should().Be(ContainerImageImportStatus.Completed);

        // One engine image, three platform tags: removing two leaves it for the third (the active one, which the
        // clean-up that each removal triggers leaves alone).
        (await Images.ActivateAsync(phaseB.Id, _admin)).Succeeded.Should().BeTrue();
        (await Images.RemoveAsync(first.Id, _admin)).Error.Should().Contain("active version");
        await using (var db = App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext())
        {
            // As if a newer version of the algorithm had taken over.
            await db.ContainerImages.Where(i => i.Id == first.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.IsDesiredVersion, false));
        }

        (await Images.RemoveAsync(first.Id, _admin)).Succeeded.Should().BeTrue();
        (await Images.RemoveAsync(phaseA.Id, _admin)).Succeeded.Should().BeTrue();
        await WaitUntilAsync(() => !Get(first.Id).IsLoaded && !Get(phaseA.Id).IsLoaded);

        (await DockerTestImages.ExistsAsync(ContainerImageConventions.EngineTag(ContainerImageKind.Evaluation, phaseA.Id))).Should().BeFalse();
        (await DockerTestImages.ExistsAsync(id)).Should().BeTrue();
        Get(phaseB.Id).IsLoaded.Should().BeTrue();
        Get(first.Id).IsRemoved.Should().BeTrue();
        App.Services.GetRequiredService<GrandChallenge.Domain.Common.Storage.IBlobStore>()
            .Exists($"container-images/{first.Id}/{Path.GetFileName(path)}").Should().BeFalse();
    }

    [Fact]
    public async Task The_nightly_clean_up_takes_unused_versions_out_of_the_engine_and_activation_loads_them_again()
    {
        var algorithm = Guid.NewGuid();
        var (_, activeId, activePath) = await SavedImageAsync("nonroot", ".tar");
        var (_, unusedId, unusedPath) = await SavedImageAsync("nonroot", ".tar");
        var active = await WaitForImportAsync((await UploadAsync(ContainerImageKind.Algorithm, algorithm, activePath)).Id);
        var unused = await WaitForImportAsync((await UploadAsync(ContainerImageKind.Algorithm, algorithm, unusedPath)).Id);
        (await Images.ActivateAsync(active.Id, _admin)).Succeeded.Should().BeTrue();

        var scheduler = await App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.TriggerJob(RemoveUnusedContainerImagesJob.Key, new JobDataMap(), CancellationToken.None);
        await WaitUntilAsync(() => !Get(unused.Id).IsLoaded);

        (await DockerTestImages.ExistsAsync(unusedId)).Should().BeFalse();
        (await DockerTestImages.ExistsAsync(activeId)).Should().BeTrue("the active version stays");
        Get(active.Id).IsLoaded.Should().BeTrue();
        Get(unused.Id).IsRemoved.Should().BeFalse("only the engine copy goes; the archive stays");

        var activated = await Images.ActivateAsync(unused.Id, _admin);
        activated.Value!.ImportStatus.Should().Be(ContainerImageImportStatus.Queued);
        var reloaded = await WaitForImportAsync(unused.Id);

        reloaded.ImportStatus.Should().Be(ContainerImageImportStatus.Completed, reloaded.StatusMessage);
        reloaded.IsLoaded.Should().BeTrue();
        reloaded.IsDesiredVersion.Should().BeTrue();
        (await DockerTestImages.ExistsAsync(unusedId)).Should().BeTrue();
        Get(active.Id).IsDesiredVersion.Should().BeFalse();
    }

    private async Task<(string Tag, string Id)> BuildAsync(string name)
    {
        var built = await DockerTestImages.BuildUniqueAsync(name);
        _builtTags.Add(built.Tag);
        return built;
    }

    /// <summary>A fresh image saved to an archive and then removed from the engine, so that only an import can bring it back.</summary>
    private async Task<(string Tag, string Id, string Path)> SavedImageAsync(string name, string extension)
    {
        var (tag, id) = await BuildAsync(name);
        var path = Path.Combine(_temp, $"{name}-{Guid.NewGuid():N}{extension}");
        await DockerTestImages.SaveAsync(path, tag);
        await DockerTestImages.RemoveAsync(tag);
        (await DockerTestImages.ExistsAsync(id)).Should().BeFalse();
        return (tag, id, path);
    }

    private async Task<ContainerImageInfo> UploadAsync(ContainerImageKind kind, Guid? owner, string path)
    {
        await using var file = File.OpenRead(path);
        var result = await Images.CreateAsync(kind, owner, _admin, file, Path.GetFileName(path), "test");
        result.Error.Should().BeNull();
        _created.Add((kind, result.Value!.Id));
        return result.Value!;
    }

    private ContainerImageInfo Get(Guid id) => Images.GetAsync(id).GetAwaiter().GetResult()!;

    private async Task<ContainerImageInfo> WaitForImportAsync(Guid id)
    {
        ContainerImageInfo image = default!;
        await WaitUntilAsync(() =>
        {
            image = Get(id);
            return image.ImportStatus is ContainerImageImportStatus.Completed or ContainerImageImportStatus.Failed;
        });
        return image;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the background job should have finished by now");
            await Task.Delay(100);
        }
    }
}
