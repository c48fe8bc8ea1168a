using System.Collections.Concurrent;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Tests.Domain.Containers;

[Trait("Category", "Unit")]
public sealed class ContainerImageServiceTests : IDisposable
{
    private readonly Actor _admin;

    private readonly InMemoryDatabase _db = new();
    private readonly string _root = TestEnvironment.NewTempDirectory("gc-images");
    private readonly LocalBlobStore _blobs;
    private readonly FakeJobs _jobs = new();
    private readonly FakeUsage _usage = new();
    private readonly RecordingNotifier _notifier = new();
    private readonly ContainerImageOptions _options = new() { MaxArchiveBytes = 64 * 1024 };
    private readonly UploadService _uploads;
    private readonly ContainerImageService _service;

    public ContainerImageServiceTests()
    {
        _blobs = new LocalBlobStore(new DataDirectory(_root));
        _admin = AddUserAsync().GetAwaiter().GetResult() with { IsSiteAdmin = true };
        var data = new DataDirectory(_root);
        _uploads = new UploadService(_db, _blobs, new UploadSigner(data), _notifier, Options.Create(new UploadOptions()), TimeProvider.System,
            NullLogger<UploadService>.Instance);
        _service = new ContainerImageService(_db, _blobs, _uploads, _jobs, _usage, _notifier, new PermissionService(_db), Options.Create(_options), TimeProvider.System);
    }

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task An_upload_is_stored_queued_scheduled_and_announced()
    {
        var result = await _service.CreateAsync(ContainerImageKind.Algorithm, Guid.NewGuid(), _admin, Archive(1000), "algo.tar.gz", "  first try ");

        result.Error.Should().BeNull();
        var image = result.Value!;
        image.ImportStatus.Should().Be(ContainerImageImportStatus.Queued);
        image.Filename.Should().Be("algo.tar.gz");
        image.Comment.Should().Be("first try");
        image.SizeBytes.Should().Be(1000);
        image.CreatorId.Should().Be(_admin.UserId);
        _blobs.Exists($"container-images/{image.Id}/algo.tar.gz").Should().BeTrue();
        _jobs.Imports.Should().Equal((image.Id, TimeSpan.Zero));
        _notifier.Topics.Should().Contain([$"container-image/{image.Id}", "container-images"]);
    }

    [Theory]
    [InlineData("image.zip")]
    [InlineData("image.tar.zst")]
    [InlineData(".tar")]
    [InlineData("")]
    [InlineData("image.tgz")]
    public async Task Files_that_are_not_tar_archives_are_refused_and_nothing_is_kept(string filename)
    {
        var result = await _service.CreateAsync(ContainerImageKind.Algorithm, null, _admin, Archive(100), filename, null);

        result.Error.Should().Be("The file must be a .tar, .tar.gz or .tar.xz docker save archive.");
        result.FieldErrors!.Keys.Should().Equal("file");
        NothingKept();
    }

    [Fact]
    public async Task A_path_in_the_filename_is_reduced_to_its_name()
    {
        var result = await _service.CreateAsync(ContainerImageKind.Workstation, null, _admin, Archive(10), "../../etc/image.TAR", null);

        result.Value!.Filename.Should().Be("image.TAR");
    }

    [Fact]
    public async Task An_archive_over_the_limit_is_refused_while_it_streams_in_and_nothing_is_kept()
    {
        var source = new CountingStream(Archive(10 * 64 * 1024));

        var result = await _service.CreateAsync(ContainerImageKind.Algorithm, null, _admin, source, "big.tar", null);

        result.Error.Should().Be("The container image file is larger than 64 KiB, the most this platform accepts.");
        source.BytesRead.Should().BeLessThanOrEqualTo(2 * 64 * 1024, "the copy stops at the limit, not at the end of the upload");
        NothingKept();
    }

    [Fact]
    public async Task An_empty_file_is_refused()
    {
        var result = await _service.CreateAsync(ContainerImageKind.Algorithm, null, _admin, Archive(0), "empty.tar", null);

        result.Error.Should().Be("The container image file is empty.");
        NothingKept();
    }

    [Fact]
    public async Task A_user_without_rights_on_the_owner_cannot_upload_but_an_algorithm_editor_can()
    {
        var algorithm = Guid.NewGuid();
        var editor = await AddUserAsync();
        await new PermissionService(_db).GrantAsync(ObjectKinds.Algorithm, algorithm, ObjectRoles.Editor, editor.UserId);

        var stranger = await _service.CreateAsync(ContainerImageKind.Algorithm, algorithm, new Actor(Guid.NewGuid(), false), Archive(10), "a.tar", null);
        var evaluation = await _service.CreateAsync(ContainerImageKind.Evaluation, algorithm, editor, Archive(10), "a.tar", null);
        var allowed = await _service.CreateAsync(ContainerImageKind.Algorithm, algorithm, editor, Archive(10), "a.tar", null);

        stranger.Error.Should().Be("You may not add container images here.");
        evaluation.Succeeded.Should().BeFalse();
        allowed.Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task A_finished_upload_becomes_an_image_and_is_deleted_but_an_unfinished_or_foreign_one_is_refused_and_left_alone()
    {
        var finished = (await _uploads.UploadFileAsync(_admin, "algo.tar.xz", Archive(3000), 3000, null)).Value!;
        var unfinished = (await _uploads.CreateAsync(_admin, "big.tar", 1L << 30, null)).Value!;
        var other = await AddUserAsync();
        var foreign = (await _uploads.UploadFileAsync(other, "theirs.tar", Archive(10), 10, null)).Value!;

        var refused = await _service.CreateFromUploadAsync(ContainerImageKind.Algorithm, null, _admin, unfinished.Id, null);
        var notYours = await _service.CreateFromUploadAsync(ContainerImageKind.Algorithm, null, _admin, foreign.Id, null);
        var noRights = await _service.CreateFromUploadAsync(ContainerImageKind.Algorithm, null, other, foreign.Id, null);

        refused.FieldErrors!["upload_id"].Should().Equal("The upload 'big.tar' is not completed; finish it before using it.");
        notYours.FieldErrors!["upload_id"].Should().Equal(ContainerImageService.NoSuchUpload);
        noRights.Error.Should().Be("You may not add container images here.");
        NothingKept();
        (await _uploads.GetAsync(_admin, unfinished.Id)).Succeeded.Should().BeTrue();
        (await _uploads.GetAsync(other, foreign.Id)).Succeeded.Should().BeTrue();

        var created = await _service.CreateFromUploadAsync(ContainerImageKind.Algorithm, null, _admin, finished.Id, " from gcapi ");

        created.Error.Should().BeNull();
        var image = created.Value!;
        (image.Filename, image.SizeBytes, image.Comment, image.ImportStatus).Should().Be(("algo.tar.xz", 3000L, "from gcapi", ContainerImageImportStatus.Queued));
        _blobs.Exists($"container-images/{image.Id}/algo.tar.xz").Should().BeTrue();
        _jobs.Imports.Should().Equal((image.Id, TimeSpan.Zero));
        (await _uploads.GetAsync(_admin, finished.Id)).NotFound.Should().BeTrue("the image holds its own copy");
        _blobs.Exists(finished.FileKey).Should().BeFalse();
    }

    [Fact]
    public async Task Activation_leaves_exactly_one_active_version_per_owner_and_kind()
    {
        var phase = Guid.NewGuid();
        var a = await AddAsync(ContainerImageKind.Evaluation, phase, ContainerImageImportStatus.Completed, desired: true);
        var b = await AddAsync(ContainerImageKind.Evaluation, phase, ContainerImageImportStatus.Completed);
        var otherPhase = await AddAsync(ContainerImageKind.Evaluation, Guid.NewGuid(), ContainerImageImportStatus.Completed, desired: true);
        var otherKind = await AddAsync(ContainerImageKind.Algorithm, phase, ContainerImageImportStatus.Completed, desired: true);

        var result = await _service.ActivateAsync(b, _admin);

        result.Value!.IsDesiredVersion.Should().BeTrue();
        Desired().Should().BeEquivalentTo([b, otherPhase, otherKind]);
        _notifier.Topics.Should().Contain($"container-image/{a}", "the page showing the old version learns that it is no longer active");
        _jobs.Imports.Should().BeEmpty("a loaded image needs no import");
        Desired().Should().NotContain(a);
    }

    [Theory]
    [InlineData(ContainerImageImportStatus.Queued)]
    [InlineData(ContainerImageImportStatus.Started)]
    [InlineData(ContainerImageImportStatus.Failed)]
    public async Task Only_completed_images_can_be_activated(ContainerImageImportStatus status)
    {
        var id = await AddAsync(ContainerImageKind.Algorithm, null, status);

        var result = await _service.ActivateAsync(id, _admin);

        result.Error.Should().StartWith("Only a container image whose import completed can be activated");
        Desired().Should().BeEmpty();
    }

    [Fact]
    public async Task A_removed_image_cannot_be_activated()
    {
        var id = await AddAsync(ContainerImageKind.Algorithm, null, ContainerImageImportStatus.Completed, removed: true);

        (await _service.ActivateAsync(id, _admin)).Error.Should().Be("This container image was removed; it cannot be activated. Upload it again.");
    }

    [Fact]
    public async Task Activating_an_image_the_clean_up_took_out_of_the_engine_loads_it_again()
    {
        var id = await AddAsync(ContainerImageKind.Algorithm, null, ContainerImageImportStatus.Completed, loaded: false);

        var result = await _service.ActivateAsync(id, _admin);

        result.Value!.IsDesiredVersion.Should().BeTrue();
        result.Value.ImportStatus.Should().Be(ContainerImageImportStatus.Queued);
        result.Value.StatusMessage.Should().Be("Loading into the container engine again.");
        _jobs.Imports.Should().Equal((id, TimeSpan.Zero));
    }

    [Fact]
    public async Task The_active_version_cannot_be_removed()
    {
        var id = await AddAsync(ContainerImageKind.Algorithm, null, ContainerImageImportStatus.Completed, desired: true);

        (await _service.RemoveAsync(id, _admin)).Error.Should().Be("This container image is the active version; activate another version before removing it.");
        Row(id).IsRemoved.Should().BeFalse();
    }

    [Fact]
    public async Task An_image_in_use_cannot_be_removed()
    {
        var id = await AddAsync(ContainerImageKind.Algorithm, null, ContainerImageImportStatus.Completed);
        _usage.InUse.Add(id);

        (await _service.RemoveAsync(id, _admin)).Error.Should().Be("This container image is in use by a running job or session; remove it when that has finished.");
        Row(id).IsRemoved.Should().BeFalse();
    }

    [Fact]
    public async Task An_import_in_progress_cannot_be_removed()
    {
        var id = await AddAsync(ContainerImageKind.Algorithm, null, ContainerImageImportStatus.Started);

        (await _service.RemoveAsync(id, _admin)).Error.Should().StartWith("This container image is being imported right now");
    }

    [Fact]
    public async Task Removing_deletes_the_archive_and_asks_the_engine_clean_up_to_run()
    {
        var created = (await _service.CreateAsync(ContainerImageKind.Algorithm, null, _admin, Archive(100), "a.tar", null)).Value!;
        await using (var db = _db.CreateDbContext())
        {
            await db.ContainerImages.Where(i => i.Id == created.Id).ExecuteUpdateAsync(s => s
                .SetProperty(i => i.ImportStatus, ContainerImageImportStatus.Completed).SetProperty(i => i.IsLoaded, true));
        }

        var result = await _service.RemoveAsync(created.Id, _admin);

        result.Value!.IsRemoved.Should().BeTrue();
        _blobs.Exists($"container-images/{created.Id}/a.tar").Should().BeFalse();
        _jobs.Cleanups.Should().Be(1);
    }

    [Fact]
    public async Task Removing_a_queued_import_cancels_it()
    {
        var id = await AddAsync(ContainerImageKind.Algorithm, null, ContainerImageImportStatus.ReQueued);

        var result = await _service.RemoveAsync(id, _admin);

        result.Value!.ImportStatus.Should().Be(ContainerImageImportStatus.Cancelled);
        result.Value.IsRemoved.Should().BeTrue();
        _jobs.Cleanups.Should().Be(0, "it never reached the engine");
    }

    [Fact]
    public async Task The_list_is_paged_newest_first()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await AddAsync(ContainerImageKind.Algorithm, null, ContainerImageImportStatus.Completed, created: DateTimeOffset.UtcNow.AddMinutes(i)));
        }

        var (count, items) = await _service.ListAsync(1, 2);

        count.Should().Be(5);
        items.Select(i => i.Id).Should().Equal(ids[3], ids[2]);
    }

    private static MemoryStream Archive(int length) => new(new byte[length]);

    private void NothingKept()
    {
        var folder = Path.Combine(_root, "blobs", "container-images");
        (Directory.Exists(folder) ? Directory.GetFileSystemEntries(folder) : []).Should().BeEmpty();
        using var db = _db.CreateDbContext();
        db.ContainerImages.Count().Should().Be(0);
        _jobs.Imports.Should().BeEmpty();
    }

    private List<Guid> Desired()
    {
        using var db = _db.CreateDbContext();
        return db.ContainerImages.Where(i => i.IsDesiredVersion).Select(i => i.Id).ToList();
    }

    private ContainerImage Row(Guid id)
    {
        using var db = _db.CreateDbContext();
        return db.ContainerImages.Single(i => i.Id == id);
    }

    private async Task<Actor> AddUserAsync()
    {
        var user = new ApplicationUser { UserName = $"u{Guid.NewGuid():N}"[..12] };
        await using var db = _db.CreateDbContext();
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return new Actor(user.Id, false);
    }

    private async Task<Guid> AddAsync(
        ContainerImageKind kind, Guid? owner, ContainerImageImportStatus status, bool desired = false, bool removed = false, bool loaded = true,
        DateTimeOffset? created = null)
    {
        var image = new ContainerImage
        {
            Kind = kind,
            OwnerId = owner,
            BlobKey = "container-images/x/a.tar",
            Filename = "a.tar",
            ImportStatus = status,
            IsDesiredVersion = desired,
            IsRemoved = removed,
            IsLoaded = loaded && status == ContainerImageImportStatus.Completed,
            IsManifestValid = status == ContainerImageImportStatus.Completed ? true : null,
        };
        await using var db = _db.CreateDbContext();
        db.ContainerImages.Add(image);
        await db.SaveChangesAsync();
        if (created is { } at)
        {
            await db.ContainerImages.Where(i => i.Id == image.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.Created, at));
        }

        return image.Id;
    }

    private sealed class FakeJobs : IContainerImageJobs
    {
        public ConcurrentQueue<(Guid, TimeSpan)> Imports { get; } = new();
        public int Cleanups;

        public Task ScheduleImportAsync(Guid imageId, TimeSpan delay, CancellationToken ct = default)
        {
            Imports.Enqueue((imageId, delay));
            return Task.CompletedTask;
        }

        public Task ScheduleEngineCleanupAsync(CancellationToken ct = default)
        {
            Interlocked.Increment(ref Cleanups);
            return Task.CompletedTask;
        }
    }

    private sealed class FakeUsage : IContainerImageUsage
    {
        public HashSet<Guid> InUse { get; } = [];

        public Task<IReadOnlySet<Guid>> InUseAsync(IReadOnlyCollection<Guid> imageIds, CancellationToken ct = default) =>
            Task.FromResult<IReadOnlySet<Guid>>(InUse.Intersect(imageIds).ToHashSet());
    }

    private sealed class RecordingNotifier : IChangeNotifier
    {
        public ConcurrentQueue<string> Topics { get; } = new();

        public void Publish(string topic, object? payload = null) => Topics.Enqueue(topic);

        public IDisposable Subscribe(string topic, Func<object?, Task> handler) => throw new NotSupportedException();
    }

    private sealed class CountingStream(Stream inner) : ReadOnlyStream
    {
        public long BytesRead { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            BytesRead += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            BytesRead += n;
            return n;
        }
    }
}
