using Bunit;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Web.Components.Shared;
using GrandChallenge.Web.Features.ContainerImages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace GrandChallenge.Tests.Web.Components;

[Trait("Category", "Unit")]
public sealed class ContainerImagesPageTests : BunitContextBase
{
    /// <summary>Generous: the suite runs test classes in parallel on two cores.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly InMemoryDatabase _db = new();
    private readonly string _root = TestEnvironment.NewTempDirectory("gc-page");
    private readonly CountingNotifier _notifier = new();
    private readonly ContainerImageService _images;
    private readonly UploadService _uploads;
    private readonly BunitJSModuleInterop _uploadModule;
    private readonly Actor _admin;

    public ContainerImagesPageTests()
    {
        var user = new ApplicationUser { UserName = "root" };
        using (var db = _db.CreateDbContext())
        {
            db.Users.Add(user);
            db.SaveChanges();
        }

        _admin = new Actor(user.Id, IsSiteAdmin: true);
        var options = Options.Create(new ContainerImageOptions { MaxArchiveBytes = 3L << 30 });
        var data = new DataDirectory(_root);
        var blobs = new LocalBlobStore(data);
        _uploads = new UploadService(_db, blobs, new UploadSigner(data), _notifier, Options.Create(new UploadOptions()), TimeProvider.System,
            NullLogger<UploadService>.Instance);
        _images = new ContainerImageService(_db, blobs, _uploads, new NoJobs(), new ComponentJobImageUsage(_db),
            _notifier, new PermissionService(_db), options, TimeProvider.System);
        _uploadModule = JSInterop.SetupModule("./js/resumable-upload.js");
        Services.AddSingleton<IContainerImageService>(_images);
        Services.AddSingleton<IChangeNotifier>(_notifier);
        Services.AddSingleton<IOptions<ContainerImageOptions>>(options);
        var auth = AddAuthorization();
        auth.SetAuthorized("root");
        auth.SetRoles(SiteRoles.SiteAdmin);
        auth.SetClaims(new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.NameIdentifier, user.Id.ToString()));
        Render<MudPopoverProvider>();
    }

    protected override void Dispose(bool disposing)
    {
        // Called twice (asynchronous, then synchronous disposal of the context); the second finds nothing to do.
        base.Dispose(disposing);
        _db.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task The_status_chip_follows_the_import_live_when_the_workers_announce_a_change()
    {
        var image = (await _images.CreateAsync(ContainerImageKind.Algorithm, null, _admin, new MemoryStream(new byte[2048]), "algo.tar.gz", "v1")).Value!;
        var page = Render<ContainerImagesPage>();
        Chip(page, image.Id).Should().Be("Queued");

        await SetStatusAsync(image.Id, ContainerImageImportStatus.Failed, "The container runs as root. Set a non-root USER in the Dockerfile.");
        _notifier.Publish(ContainerImageConventions.AllTopic, image.Id);

        page.WaitForAssertion(() => Chip(page, image.Id).Should().Be("Failed"), Wait);
        page.Find($"[data-image-message='{image.Id}']").TextContent.Should().Be("The container runs as root. Set a non-root USER in the Dockerfile.");
    }

    [Fact]
    public async Task An_image_uploaded_elsewhere_appears_without_a_reload_and_the_page_stops_listening_when_closed()
    {
        var page = Render<ContainerImagesPage>();
        page.WaitForAssertion(() => page.Markup.Should().Contain("No container images yet."), Wait);

        var image = (await _images.CreateAsync(ContainerImageKind.Workstation, null, _admin, new MemoryStream(new byte[10]), "viewer.tar", null)).Value!;

        page.WaitForAssertion(() => Chip(page, image.Id).Should().Be("Queued"), Wait);
        page.Find("#image-table").TextContent.Should().Contain("viewer.tar").And.Contain("Workstation");

        _notifier.Active.Should().Be(1);
        await DisposeComponentsAsync();
        _notifier.Active.Should().Be(0, "a closed page stops listening");
    }

    [Fact]
    public async Task A_completed_image_offers_activation_and_activating_marks_it_active()
    {
        var image = (await _images.CreateAsync(ContainerImageKind.Evaluation, null, _admin, new MemoryStream(new byte[10]), "method.tar", null)).Value!;
        await using (var db = _db.CreateDbContext())
        {
            await db.ContainerImages.Where(i => i.Id == image.Id).ExecuteUpdateAsync(s => s
                .SetProperty(i => i.ImportStatus, ContainerImageImportStatus.Completed)
                .SetProperty(i => i.IsLoaded, true)
                .SetProperty(i => i.ImageSha256, "sha256:" + new string('a', 64)));
        }

        var page = Render<ContainerImagesPage>();
        page.Find("#image-table").TextContent.Should().Contain("aaaaaaaaaaaa");
        page.FindAll("button").Single(b => b.TextContent.Trim() == "Activate").Click();

        page.WaitForAssertion(() => page.FindAll("button").Should().NotContain(b => b.TextContent.Trim() == "Activate" || b.TextContent.Trim() == "Remove"), Wait);
        (await _images.GetAsync(image.Id))!.IsDesiredVersion.Should().BeTrue();
    }

    [Fact]
    public void The_archive_picker_uploads_in_parts_and_refuses_files_over_the_archive_limit_before_sending()
    {
        var page = Render<ContainerImagesPage>();

        var options = _uploadModule.VerifyInvoke("attach").Arguments[2]!;
        Option<long?>(options, "maxBytes").Should().Be(3L << 30);
        Option<string>(options, "tooLarge").Should().Be("The file is larger than 3 GiB, the most accepted here.");
        page.Find("#image-upload-input").GetAttribute("accept").Should().Be(".tar,.gz,.xz");
        page.Find("label[for='image-upload-input']").TextContent.Trim().Should().Be("Choose archive");
        page.FindAll("input[type=file]").Should().ContainSingle("the archive goes only through the resumable upload, not over the circuit");
    }

    [Fact]
    public async Task A_finished_upload_becomes_a_queued_image_of_the_chosen_kind_and_the_upload_is_consumed()
    {
        var upload = (await _uploads.UploadFileAsync(_admin, "viewer.tar.gz", new MemoryStream(new byte[5000]), 5000, null)).Value!;
        var page = Render<ContainerImagesPage>();
        await page.InvokeAsync(() => page.FindComponent<MudSelect<ContainerImageKind>>().Instance.ValueChanged.InvokeAsync(ContainerImageKind.Workstation));
        page.Find("input#image-comment").Input("nightly build");

        var picker = page.FindComponent<ResumableUpload>();
        await picker.Instance.ReportStarted("viewer.tar.gz", 5000);
        await picker.Instance.ReportCompleted(upload.Id.ToString());

        var image = (await _images.ListAsync(0, 10)).Items.Should().ContainSingle().Subject;
        image.Kind.Should().Be(ContainerImageKind.Workstation);
        image.Filename.Should().Be("viewer.tar.gz");
        image.Comment.Should().Be("nightly build");
        image.SizeBytes.Should().Be(5000);
        page.WaitForAssertion(() => Chip(page, image.Id).Should().Be("Queued"), Wait);
        page.Find("#image-table").TextContent.Should().Contain("viewer.tar.gz").And.Contain("Workstation").And.Contain("nightly build");
        page.Find("#image-upload-done").TextContent.Should().Contain("viewer.tar.gz was uploaded.");
        page.FindAll("#image-storing").Should().BeEmpty();
        page.FindAll("#image-error").Should().BeEmpty();
        page.Find("input#image-comment").GetAttribute("value").Should().BeEmpty("the comment belonged to the image just added");
        (await _uploads.GetAsync(_admin, upload.Id)).NotFound.Should().BeTrue("the archive now lives in the image store");
    }

    [Fact]
    public async Task An_upload_that_cannot_become_an_image_shows_why_and_adds_nothing()
    {
        var zip = (await _uploads.UploadFileAsync(_admin, "model.zip", new MemoryStream(new byte[100]), 100, null)).Value!;
        var page = Render<ContainerImagesPage>();
        var picker = page.FindComponent<ResumableUpload>();

        await picker.Instance.ReportCompleted(zip.Id.ToString());
        page.WaitForAssertion(() => page.Find("#image-error").TextContent.Should().Be(ContainerImageService.BadFilename), Wait);

        await picker.Instance.ReportCompleted(Guid.NewGuid().ToString());
        page.WaitForAssertion(() => page.Find("#image-error").TextContent.Should().Be(ContainerImageService.NoSuchUpload), Wait);

        (await _images.ListAsync(0, 10)).Count.Should().Be(0);
        page.Markup.Should().Contain("No container images yet.");
        (await _uploads.GetAsync(_admin, zip.Id)).Succeeded.Should().BeTrue("a refused upload is left to its owner");
    }

    private static T? Option<T>(object options, string name) => (T?)options.GetType().GetProperty(name)!.GetValue(options);

    private static string Chip(IRenderedComponent<ContainerImagesPage> page, Guid id) =>
        page.Find($"[data-image-status='{id}']").TextContent.Trim();

    private async Task SetStatusAsync(Guid id, ContainerImageImportStatus status, string message)
    {
        await using var db = _db.CreateDbContext();
        await db.ContainerImages.Where(i => i.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.ImportStatus, status)
            .SetProperty(i => i.StatusMessage, message));
    }

    /// <summary>The real notifier, counting the subscriptions that are still open.</summary>
    private sealed class CountingNotifier : IChangeNotifier
    {
        private readonly ChangeNotifier _inner = new();
        private int _active;

        public int Active => Volatile.Read(ref _active);

        public void Publish(string topic, object? payload = null) => _inner.Publish(topic, payload);

        public IDisposable Subscribe(string topic, Func<object?, Task> handler)
        {
            var subscription = _inner.Subscribe(topic, handler);
            Interlocked.Increment(ref _active);
            return new Unsubscribe(() =>
            {
                subscription.Dispose();
                Interlocked.Decrement(ref _active);
            });
        }

        private sealed class Unsubscribe(Action action) : IDisposable
        {
            private int _done;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _done, 1) == 0)
                {
                    action();
                }
            }
        }
    }

    private sealed class NoJobs : IContainerImageJobs
    {
        public Task ScheduleImportAsync(Guid imageId, TimeSpan delay, CancellationToken ct = default) => Task.CompletedTask;

        public Task ScheduleEngineCleanupAsync(CancellationToken ct = default) => Task.CompletedTask;
    }
}
