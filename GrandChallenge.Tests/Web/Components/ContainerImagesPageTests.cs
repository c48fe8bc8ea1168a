using Bunit;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Web.Features.ContainerImages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace GrandChallenge.Tests.Web.Components;

[Trait("Category", "Unit")]
public sealed class ContainerImagesPageTests : BunitContextBase
{
    private readonly InMemoryDatabase _db = new();
    private readonly string _root = TestEnvironment.NewTempDirectory("gc-page");
    private readonly CountingNotifier _notifier = new();
    private readonly ContainerImageService _images;
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
        var options = Options.Create(new ContainerImageOptions());
        _images = new ContainerImageService(_db, new LocalBlobStore(new DataDirectory(_root)), new NoJobs(), new ComponentJobImageUsage(_db),
            _notifier, new PermissionService(_db), options, TimeProvider.System);
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

        page.WaitForAssertion(() => Chip(page, image.Id).Should().Be("Failed"));
        page.Find($"[data-image-message='{image.Id}']").TextContent.Should().Be("The container runs as root. Set a non-root USER in the Dockerfile.");
    }

    [Fact]
    public async Task An_image_uploaded_elsewhere_appears_without_a_reload_and_the_page_stops_listening_when_closed()
    {
        var page = Render<ContainerImagesPage>();
        page.WaitForAssertion(() => page.Markup.Should().Contain("No container images yet."));

        var image = (await _images.CreateAsync(ContainerImageKind.Workstation, null, _admin, new MemoryStream(new byte[10]), "viewer.tar", null)).Value!;

        page.WaitForAssertion(() => Chip(page, image.Id).Should().Be("Queued"));
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

        page.WaitForAssertion(() => page.FindAll("button").Should().NotContain(b => b.TextContent.Trim() == "Activate" || b.TextContent.Trim() == "Remove"));
        (await _images.GetAsync(image.Id))!.IsDesiredVersion.Should().BeTrue();
    }

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
