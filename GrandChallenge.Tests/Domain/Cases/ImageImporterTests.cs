using System.Collections.Concurrent;
using System.IO.Compression;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Import;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Tests.Domain.Imaging;
using GrandChallenge.Tests.Domain.Imaging.Import;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace GrandChallenge.Tests.Domain.Cases;

[Trait("Category", "Unit")]
public sealed class ImageImporterTests : IDisposable
{
    private readonly InMemoryDatabase _db = new();
    private readonly string _root = TestEnvironment.NewTempDirectory("gc-import");
    private readonly string _files = TestImages.TempDir();
    private readonly DataDirectory _data;
    private readonly LocalBlobStore _blobs;
    private readonly ChangeNotifier _notifier = new();
    private readonly TestImageDestination _destination = new();
    private readonly RecordingJobs _jobs = new();
    private readonly UploadService _uploads;
    private readonly List<IImageBuilder> _builders = [new RasterImageBuilder(), new MetaImageBuilder(), new NiftiImageBuilder()];
    private readonly Actor _user;
    private readonly Guid _archive;

    public ImageImporterTests()
    {
        _data = new DataDirectory(_root);
        _blobs = new LocalBlobStore(_data);
        _uploads = new UploadService(_db, _blobs, new UploadSigner(_data), _notifier, Options.Create(new UploadOptions()), TimeProvider.System,
            NullLogger<UploadService>.Instance);
        using var db = _db.CreateDbContext();
        var user = new ApplicationUser { UserName = "uploader" };
        var archive = new Archive { Title = "Scans", Slug = "scans" };
        db.Users.Add(user);
        db.Archives.Add(archive);
        db.SaveChanges();
        _user = new Actor(user.Id, false);
        _archive = archive.Id;
    }

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_files, recursive: true);
    }

    private UploadSessionService Sessions(int maxActive = 4) => new(_db, _blobs, _uploads, [_destination], _jobs,
        Options.Create(new ImageImportOptions { MaxActiveSessionsPerUser = maxActive }), TimeProvider.System, _notifier);

    private ImageImporter Importer(params IUploadSessionDestination[] destinations) => new(
        _db, _blobs, new ImageStore(_db, _blobs, _builders, _data, NullLogger<ImageStore>.Instance), _builders, destinations.Length == 0 ? [_destination] : destinations,
        new ImageUnpacker(Options.Create(new ImageImportOptions())), _notifier, _data, TimeProvider.System, NullLogger<ImageImporter>.Instance);

    private static async IAsyncEnumerable<UploadedFile> Files(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            await using var stream = File.OpenRead(path);
            yield return new UploadedFile(Path.GetFileName(path), stream);
        }
    }

    private static async IAsyncEnumerable<UploadedFile> Named(string path, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await using var stream = File.OpenRead(path);
            yield return new UploadedFile($"{i}.mha", stream);
        }
    }

    private async Task<Guid> CreateAsync(params string[] paths)
    {
        var result = await Sessions().CreateAsync(_user, new UploadSessionTarget(Archive: "scans"), [], Files(paths));
        result.Error.Should().BeNull();
        return result.Value!.Session.Id;
    }

    private async Task<(UploadSession Session, List<Image> Images)> ImportAsync(Guid id, ImageImporter? importer = null)
    {
        await (importer ?? Importer()).ImportAsync(id);
        await using var db = _db.CreateDbContext();
        var session = await db.UploadSessions.SingleAsync(s => s.Id == id);
        var images = await db.Images.Include(i => i.Files).Where(i => i.OriginId == id).ToListAsync();
        return (session, images);
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_files, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private byte[] ZipOf(params string[] paths)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var path in paths)
            {
                zip.CreateEntryFromFile(path, "inside/" + Path.GetFileName(path));
            }
        }

        return ms.ToArray();
    }

    private string[] ImageBlobs() =>
        Directory.Exists(Path.Combine(_root, "blobs", "images"))
            ? Directory.GetFiles(Path.Combine(_root, "blobs", "images"), "*", SearchOption.AllDirectories)
            : [];

    [Fact]
    public async Task Good_files_become_images_and_the_rest_get_errors_per_file()
    {
        var zipDir = Directory.CreateDirectory(Path.Combine(_files, "z")).FullName;
        var zipped = ImportTestFiles.WriteRaster(zipDir, "photo.jpg", SKEncodedImageFormat.Jpeg);
        var readme = Path.Combine(zipDir, "readme.txt");
        File.WriteAllText(readme, "not an image");
        var broken = ImportTestFiles.WriteNifti(_files, "broken.nii");
        ImportTestFiles.Truncate(broken);
        var id = await CreateAsync(
            ImportTestFiles.WriteMha(_files, "good.mha"),
            ImportTestFiles.WriteMhd(_files, "scan", compressed: true),
            Path.Combine(_files, "scan.zraw"),
            ImportTestFiles.WriteNifti(_files, "brain.nii.gz", gzip: true),
            ImportTestFiles.WriteRaster(_files, "photo.png", SKEncodedImageFormat.Png),
            Write("notes.txt", "hello"u8.ToArray()),
            broken,
            Write("bundle.zip", ZipOf(zipped, readme)));
        var topics = new ConcurrentQueue<object?>();
        using var subscription = _notifier.Subscribe(ImageImporter.TopicFor(id), p =>
        {
            topics.Enqueue(p);
            return Task.CompletedTask;
        });

        var (session, images) = await ImportAsync(id);

        session.Status.Should().Be(UploadSessionStatus.Succeeded);
        session.ErrorMessage.Should().BeEmpty();
        images.Select(i => i.Name).Should().BeEquivalentTo(["good.mha", "scan.mhd", "brain.nii.gz", "photo.png", "photo.jpg"]);
        session.FileErrors.Keys.Should().BeEquivalentTo(["notes.txt", "broken.nii", "bundle.zip/inside/readme.txt"]);
        session.FileErrors["notes.txt"].Should().Be(ImageImporter.NotSupportedMessage);
        session.FileErrors["bundle.zip/inside/readme.txt"].Should().Be(ImageImporter.NotSupportedMessage);
        session.FileErrors["broken.nii"].Should().NotBe(ImageImporter.NotSupportedMessage);
        session.ConsumedFiles.Should().Contain(["scan.mhd", "scan.zraw", "bundle.zip/inside/photo.jpg", "good.mha"]);
        (session.FilesTotal, session.FilesProcessed).Should().Be((9, 9));
        images.Should().OnlyContain(i => i.Files.Count == 1 && i.Files[0].ImageType == ImageFileType.Mhd && _blobs.Exists(i.Files[0].BlobKey));
        _destination.Accepted[id].Should().BeEquivalentTo(images.Select(i => i.Id));
        Directory.EnumerateFileSystemEntries(_data.Folder("imports")).Should().BeEmpty("the work directory is always deleted");
        await WaitUntil(() => topics.Count >= 3);

        var png = images.Single(i => i.Name == "photo.png");
        (png.Width, png.Height, png.Depth, png.VoxelWidthMm, png.ColorSpace).Should().Be((5, 3, (int?)null, (double?)null, "GRAY"));
        png.Segments.Should().Equal(0, 40, 80, 120, 160);
        var nifti = images.Single(i => i.Name == "brain.nii.gz");
        (nifti.Width, nifti.Height, nifti.Depth, nifti.PixelType).Should().Be((4, 3, (int?)2, "Int16"));
        (nifti.VoxelWidthMm, nifti.VoxelHeightMm, nifti.VoxelDepthMm).Should().Be((0.5, 0.75, 2.5));
    }

    [Fact]
    public async Task The_stored_mha_reads_back_with_the_same_voxels_and_geometry()
    {
        var id = await CreateAsync(ImportTestFiles.WriteMhd(_files, "scan"), Path.Combine(_files, "scan.raw"));

        var (session, images) = await ImportAsync(id);

        session.Status.Should().Be(UploadSessionStatus.Succeeded);
        var image = images.Should().ContainSingle().Subject;
        image.Geometry.Origin.Should().Equal(10, -20, 30);
        image.Geometry.Direction.Should().Equal(0, 1, 0, 1, 0, 0, 0, 0, 1);
        var file = image.Files.Single();
        file.Sha256.Should().HaveLength(64);
        file.SizeInStorage.Should().Be(_blobs.Length(file.BlobKey));
        using var stored = MetaImageReader.Read(_blobs.LocalPath(file.BlobKey));
        using var expected = ImportTestFiles.Volume();
        stored.Pixels.ToArray().Should().Equal(expected.Pixels.ToArray());
        stored.Spacing.Should().Equal(expected.Spacing);
        stored.Origin.Should().Equal(expected.Origin);
        stored.Direction.Should().Equal(expected.Direction);
        stored.PixelType.Should().Be(PixelType.Int16);
    }

    [Fact]
    public async Task Nothing_importable_fails_the_session_with_a_message()
    {
        var truncated = ImportTestFiles.WriteMha(_files, "cut.mha");
        ImportTestFiles.Truncate(truncated);
        var id = await CreateAsync(Write("a.txt", [1, 2, 3]), truncated);

        var (session, images) = await ImportAsync(id);

        session.Status.Should().Be(UploadSessionStatus.Failed);
        session.ErrorMessage.Should().Contain("None of the files");
        session.FileErrors.Keys.Should().BeEquivalentTo(["a.txt", "cut.mha"]);
        images.Should().BeEmpty();
        ImageBlobs().Should().BeEmpty();
        _destination.Accepted.Should().BeEmpty();
    }

    [Fact]
    public async Task An_unexpected_error_fails_the_session_and_keeps_nothing()
    {
        _builders.Add(new BrokenBuilder());
        var id = await CreateAsync(ImportTestFiles.WriteMha(_files, "good.mha"), Write("weird.bin", [0xBA, 0xD0]));

        var (session, images) = await ImportAsync(id);

        session.Status.Should().Be(UploadSessionStatus.Failed);
        session.ErrorMessage.Should().Be(ImageImporter.UnexpectedErrorMessage);
        images.Should().BeEmpty();
        ImageBlobs().Should().BeEmpty("the .mha stored before the failure is removed again");
        Directory.EnumerateFileSystemEntries(_data.Folder("imports")).Should().BeEmpty();
    }

    [Fact]
    public async Task A_session_no_destination_handles_fails()
    {
        var id = await CreateAsync(ImportTestFiles.WriteMha(_files));

        var (session, images) = await ImportAsync(id, Importer(new NoDestination()));

        session.Status.Should().Be(UploadSessionStatus.Failed);
        session.ErrorMessage.Should().Contain("No destination");
        images.Should().BeEmpty();
    }

    [Fact]
    public async Task A_finished_session_is_not_imported_again()
    {
        var id = await CreateAsync(ImportTestFiles.WriteMha(_files));
        await ImportAsync(id);

        var (session, images) = await ImportAsync(id);

        session.Status.Should().Be(UploadSessionStatus.Succeeded);
        images.Should().ContainSingle();
    }

    [Fact]
    public async Task A_run_that_stopped_after_storing_only_hands_the_images_over()
    {
        var id = await CreateAsync(ImportTestFiles.WriteMha(_files));
        await using (var db = _db.CreateDbContext())
        {
            db.Images.Add(new Image { Name = "scan.mha", OriginId = id, Width = 4, Height = 3 });
            (await db.UploadSessions.SingleAsync(s => s.Id == id)).Status = UploadSessionStatus.Started;
            await db.SaveChangesAsync();
        }

        var (session, images) = await ImportAsync(id);

        session.Status.Should().Be(UploadSessionStatus.Succeeded);
        images.Should().ContainSingle("the import is not run a second time");
        _destination.Accepted[id].Should().Equal(images[0].Id);
    }

    [Fact]
    public async Task Creating_stores_the_files_and_queues_the_import()
    {
        var upload = (await _uploads.UploadFileAsync(_user, "from-upload.mha", File.OpenRead(ImportTestFiles.WriteMha(_files, "u.mha")), null, null)).Value!;

        var result = await Sessions().CreateAsync(_user, new UploadSessionTarget(Archive: _archive.ToString()), [upload.Id], Files([ImportTestFiles.WriteMha(_files)]));

        result.Error.Should().BeNull();
        var session = result.Value!.Session;
        session.Status.Should().Be(UploadSessionStatus.Queued);
        session.ArchiveId.Should().Be(_archive);
        session.CreatorId.Should().Be(_user.UserId);
        session.Files.Select(f => f.Name).Should().Equal("from-upload.mha", "scan.mha");
        session.Files.Should().OnlyContain(f => _blobs.Exists(f.BlobKey) && f.BlobKey.StartsWith($"upload-sessions/{session.Id}/", StringComparison.Ordinal));
        _jobs.Scheduled.Should().Equal(session.Id);
        (await _uploads.GetAsync(_user, upload.Id)).NotFound.Should().BeTrue("a finished upload is used up by the session");

        (await Sessions().GetAsync(_user, session.Id)).Succeeded.Should().BeTrue();
        (await Sessions().GetAsync(new Actor(Guid.NewGuid(), false), session.Id)).Kind.Should().Be(FailureKind.NotFound);
        (await Sessions().GetAsync(new Actor(Guid.NewGuid(), true), session.Id)).Succeeded.Should().BeTrue("site admins see every session");
        (await Sessions().ListAsync(_user, 0, 10)).Count.Should().Be(1);
        (await Sessions().ListAsync(new Actor(Guid.NewGuid(), false), 0, 10)).Count.Should().Be(0);
    }

    [Fact]
    public async Task Bad_requests_are_refused_and_keep_nothing()
    {
        var mha = ImportTestFiles.WriteMha(_files);
        _destination.Refused.Add(_user.UserId!.Value);
        var forbidden = await Sessions().CreateAsync(_user, new UploadSessionTarget(Archive: "scans"), [], Files([mha]));
        _destination.Refused.Clear();
        var noArchive = await Sessions().CreateAsync(_user, new UploadSessionTarget(Archive: "nope"), [], Files([mha]));
        var noTarget = await Sessions().CreateAsync(_user, new UploadSessionTarget(), [], Files([mha]));
        var noFiles = await Sessions().CreateAsync(_user, new UploadSessionTarget(Archive: "scans"), [], Files([]));
        var tooMany = await Sessions().CreateAsync(_user, new UploadSessionTarget(Archive: "scans"), [], Named(mha, UploadSession.MaxFiles + 1));
        var twice = await Sessions().CreateAsync(_user, new UploadSessionTarget(Archive: "scans"), [], Files([mha, mha]));
        var badUpload = await Sessions().CreateAsync(_user, new UploadSessionTarget(Archive: "scans"), [Guid.NewGuid()], Files([mha]));
        var anonymous = await Sessions().CreateAsync(Actor.Anonymous, new UploadSessionTarget(Archive: "scans"), [], Files([mha]));

        forbidden.Kind.Should().Be(FailureKind.Forbidden);
        forbidden.Error.Should().Be("You may not add images to this archive.");
        noArchive.FieldErrors!["archive"].Should().ContainSingle().Which.Should().Contain("nope");
        noTarget.FieldErrors.Should().ContainKey("archive");
        noFiles.FieldErrors.Should().ContainKey("files");
        tooMany.FieldErrors!["files"].Should().ContainSingle().Which.Should().Contain($"{UploadSession.MaxFiles}");
        badUpload.FieldErrors.Should().ContainKey("upload_ids");
        twice.FieldErrors!["files"].Should().ContainSingle().Which.Should().Contain("scan.mha");
        anonymous.Kind.Should().Be(FailureKind.Forbidden);
        _db.CreateDbContext().UploadSessions.Should().BeEmpty();
        var stored = Path.Combine(_root, "blobs", "upload-sessions");
        (Directory.Exists(stored) ? Directory.GetFiles(stored, "*", SearchOption.AllDirectories) : []).Should().BeEmpty();
        _jobs.Scheduled.Should().BeEmpty();
    }

    private string[] UploadBlobs() =>
        Directory.Exists(Path.Combine(_root, "blobs", "upload-sessions"))
            ? Directory.GetFiles(Path.Combine(_root, "blobs", "upload-sessions"), "*", SearchOption.AllDirectories)
            : [];

    [Fact]
    public async Task The_uploaded_files_are_deleted_when_the_session_ends_whichever_way()
    {
        var good = await CreateAsync(ImportTestFiles.WriteMha(_files));
        var bad = await CreateAsync(Write("a.txt", [1, 2, 3]));
        UploadBlobs().Should().HaveCount(2);

        (await ImportAsync(good)).Session.Status.Should().Be(UploadSessionStatus.Succeeded);
        (await ImportAsync(bad)).Session.Status.Should().Be(UploadSessionStatus.Failed);

        UploadBlobs().Should().BeEmpty();
        ImageBlobs().Should().NotBeEmpty("the images stay");
        (await Sessions().GetAsync(_user, good)).Value!.Session.Files.Should().ContainSingle("the session still lists what was sent");
    }

    [Fact]
    public async Task A_queued_session_cancelled_by_its_creator_is_never_imported_and_its_files_go()
    {
        var id = await CreateAsync(ImportTestFiles.WriteMha(_files));
        (await Sessions().CancelAsync(new Actor(Guid.NewGuid(), false), id)).Kind.Should().Be(FailureKind.NotFound, "others do not see the session");

        var cancelled = await Sessions().CancelAsync(_user, id);

        cancelled.Succeeded.Should().BeTrue(cancelled.Error);
        cancelled.Value!.Session.Status.Should().Be(UploadSessionStatus.Cancelled);
        cancelled.Value.Session.ErrorMessage.Should().Be(UploadSessionService.CancelledMessage);
        var again = await Sessions().CancelAsync(_user, id);
        again.FieldErrors!["status"].Should().ContainSingle().Which.Should().Contain("already ended (Cancelled)");

        var (session, images) = await ImportAsync(id);
        session.Status.Should().Be(UploadSessionStatus.Cancelled, "the queued job does not start a cancelled session");
        images.Should().BeEmpty();
        _destination.Accepted.Should().NotContainKey(id);
        UploadBlobs().Should().BeEmpty();
    }

    [Fact]
    public async Task A_session_cancelled_while_importing_stops_before_storing_and_keeps_nothing()
    {
        var gate = new GateBuilder();
        _builders.Add(gate);
        var id = await CreateAsync(ImportTestFiles.WriteMha(_files), ImportTestFiles.WriteRaster(_files, "photo.png", SKEncodedImageFormat.Png));
        var import = Task.Run(() => ImportAsync(id));
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        (await Sessions().GetAsync(_user, id)).Value!.Session.Status.Should().Be(UploadSessionStatus.Started);

        var cancelled = await Sessions().CancelAsync(new Actor(Guid.NewGuid(), true), id);
        gate.Release.Set();
        var (session, images) = await import.WaitAsync(TimeSpan.FromSeconds(30));

        cancelled.Succeeded.Should().BeTrue("site admins may cancel any session");
        session.Status.Should().Be(UploadSessionStatus.Cancelled);
        session.ErrorMessage.Should().Be("Cancelled by a site admin.");
        images.Should().BeEmpty();
        ImageBlobs().Should().BeEmpty("nothing of the import is kept");
        UploadBlobs().Should().BeEmpty();
        _destination.Accepted.Should().NotContainKey(id);
        Directory.EnumerateFileSystemEntries(_data.Folder("imports")).Should().BeEmpty();
    }

    [Fact]
    public async Task A_session_whose_images_are_stored_can_no_longer_be_cancelled()
    {
        var id = await CreateAsync(ImportTestFiles.WriteMha(_files));
        await using (var db = _db.CreateDbContext())
        {
            db.Images.Add(new Image { Name = "scan.mha", OriginId = id, Width = 4, Height = 3 });
            (await db.UploadSessions.SingleAsync(s => s.Id == id)).Status = UploadSessionStatus.Started;
            await db.SaveChangesAsync();
        }

        var refused = await Sessions().CancelAsync(_user, id);

        refused.FieldErrors!["status"].Should().ContainSingle().Which.Should().Contain("already stored");
        (await Sessions().GetAsync(_user, id)).Value!.Session.Status.Should().Be(UploadSessionStatus.Started);
    }

    [Fact]
    public async Task A_user_has_at_most_the_configured_number_of_active_sessions()
    {
        var mha = ImportTestFiles.WriteMha(_files);
        var first = await Sessions(maxActive: 2).CreateAsync(_user, new UploadSessionTarget(Archive: "scans"), [], Files([mha]));
        var second = await Sessions(maxActive: 2).CreateAsync(_user, new UploadSessionTarget(Archive: "scans"), [], Files([mha]));

        var third = await Sessions(maxActive: 2).CreateAsync(_user, new UploadSessionTarget(Archive: "scans"), [], Files([mha]));

        third.FieldErrors!["non_field_errors"].Should().ContainSingle().Which.Should().Contain("You already have 2 upload sessions queued or importing");
        UploadBlobs().Should().HaveCount(2, "the refused session stored nothing");
        _jobs.Scheduled.Should().Equal(first.Value!.Session.Id, second.Value!.Session.Id);
        var otherUser = new ApplicationUser { UserName = "other" };
        await using (var db = _db.CreateDbContext())
        {
            db.Users.Add(otherUser);
            await db.SaveChangesAsync();
        }

        var other = await Sessions(maxActive: 2).CreateAsync(new Actor(otherUser.Id, false), new UploadSessionTarget(Archive: "scans"), [], Files([mha]));
        other.Succeeded.Should().BeTrue("the limit is per user");

        (await Sessions().CancelAsync(_user, first.Value.Session.Id)).Succeeded.Should().BeTrue();
        (await Sessions(maxActive: 2).CreateAsync(_user, new UploadSessionTarget(Archive: "scans"), [], Files([mha]))).Succeeded.Should().BeTrue("a cancelled session is no longer active");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        condition().Should().BeTrue();
    }

    private sealed class RecordingJobs : IImageImportJobs
    {
        public List<Guid> Scheduled { get; } = [];

        public Task ScheduleImportAsync(Guid sessionId, CancellationToken ct = default)
        {
            Scheduled.Add(sessionId);
            return Task.CompletedTask;
        }
    }

    /// <summary>Runs first and waits until released, so a test can act while an import is under way.</summary>
    private sealed class GateBuilder : IImageBuilder
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ManualResetEventSlim Release { get; } = new();

        public int Order => 0;

        public ImageBuildResult Build(IReadOnlyList<string> files, ImageBuildContext context, CancellationToken ct)
        {
            Entered.TrySetResult();
            Release.Wait(TimeSpan.FromSeconds(30), ct);
            return ImageBuildResult.Empty;
        }
    }

    /// <summary>A builder with a bug: it claims .bin files and returns an image with nothing in it.</summary>
    private sealed class BrokenBuilder : IImageBuilder
    {
        public int Order => 99;

        public ImageBuildResult Build(IReadOnlyList<string> files, ImageBuildContext context, CancellationToken ct)
        {
            var result = new ImageBuildResult();
            foreach (var file in files.Where(f => f.EndsWith(".bin", StringComparison.Ordinal)))
            {
                result.AddImage(new BuiltImage { Name = "empty", ConsumedFiles = [file] });
            }

            return result;
        }
    }

    private sealed class NoDestination : IUploadSessionDestination
    {
        public bool Handles(UploadSession session) => false;

        public Task<string?> AuthorizeAsync(Actor actor, UploadSession session, CancellationToken ct) => Task.FromResult<string?>(null);

        public Task<byte[]?> DeidentificationKeyAsync(UploadSession session, CancellationToken ct) => Task.FromResult<byte[]?>(null);

        public Task<IReadOnlyList<string>> AcceptAsync(UploadSession session, IReadOnlyList<Image> images, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<string>>([]);
    }
}
