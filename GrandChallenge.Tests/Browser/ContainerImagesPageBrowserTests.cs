using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GrandChallenge.Tests.Browser;

/// <summary>
/// A site admin uploads a real <c>docker save</c> archive through the page's resumable upload (in parts, one of them
/// dropped and retried), then watches it import and makes it the active version, all without a reload.
/// </summary>
[Trait("Category", "Browser")]
public sealed partial class ContainerImagesPageBrowserTests(KestrelAppFixture fixture, ChromiumFixture chromium)
    : IClassFixture<KestrelAppFixture>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string Password = "Correct-horse-42";
    private const int PaddingBytes = 18 * 1024 * 1024;

    private readonly string _temp = TestEnvironment.NewTempDirectory("gc-browser-images");
    private readonly ConcurrentDictionary<int, int> _partRequests = new();
    private string? _archiveName;
    private IBrowserContext _context = default!;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(30_000);
        _context = await chromium.Browser.NewContextAsync(new() { BaseURL = fixture.App.ServerAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 900 } });
        _context.SetDefaultTimeout(30_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        // Whatever the test reached, the image it imported leaves the engine.
        var imported = fixture.App.Db(db => db.ContainerImages.Where(i => i.Filename == _archiveName).Select(i => new { i.Kind, i.Id }).ToList());
        foreach (var image in imported)
        {
            await DockerTestImages.RemoveAsync(ContainerImageConventions.EngineTag(image.Kind, image.Id));
        }

        Directory.Delete(_temp, recursive: true);
    }

    [Fact]
    public async Task A_20_MB_archive_goes_up_in_parts_imports_to_Completed_and_is_activated_without_a_reload()
    {
        try
        {
            await UploadImportAndActivateAsync();
        }
        finally
        {
            var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "screenshots");
            Directory.CreateDirectory(directory);
            await _page.ScreenshotAsync(new() { Path = Path.Combine(directory, "container-images.png"), FullPage = true });
        }
    }

    private async Task UploadImportAndActivateAsync()
    {
        var (archive, imageId) = await BuildArchiveAsync();
        var fileName = _archiveName = Path.GetFileName(archive);
        var username = $"pageadmin{Guid.NewGuid():N}"[..16];
        var admin = await fixture.App.CreateUserAsync(username, siteAdmin: true, password: Password);
        await _page.GotoAsync("account/login");
        await _page.Locator("#login-name").FillAsync(username);
        await _page.Locator("#login-password").FillAsync(Password);
        await _page.Locator("#login-submit").ClickAsync();
        await Expect(_page.Locator("#profile-link")).ToHaveTextAsync(username);

        await _page.GotoAsync("admin");
        await Expect(_page.Locator("#admin-container-images")).ToHaveAttributeAsync("href", "admin/container-images");
        // Opened directly: a click made while the admin page's circuit is still starting can be lost.
        await _page.GotoAsync("admin/container-images");
        await Expect(_page.Locator("h3")).ToHaveTextAsync("Container images");
        // The upload module listens to the picker once the circuit has rendered the page interactively.
        await Expect(_page.Locator("#image-upload-input[data-upload-ready]")).ToHaveCountAsync(1);
        await _page.EvaluateAsync("() => window.gcSamePage = true");

        // The first attempt at part 2 loses its connection, as on a flaky network; the component sends it again.
        await _page.RouteAsync(PartUrl(), async route =>
        {
            var part = int.Parse(PartUrl().Match(route.Request.Url).Groups[1].Value);
            if (_partRequests.AddOrUpdate(part, 1, (_, count) => count + 1) == 1 && part == 2)
            {
                await route.AbortAsync("connectionreset");
            }
            else
            {
                await route.ContinueAsync();
            }
        });

        await _page.Locator(".mud-input-control.mud-select", new() { Has = _page.Locator("#image-kind") }).ClickAsync();
        await _page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Evaluation" }).ClickAsync();
        await _page.Locator("#image-comment").FillAsync("from the browser");
        await _page.Locator("#image-upload-input").SetInputFilesAsync(archive);

        await Expect(_page.Locator("#image-upload-percent")).ToHaveTextAsync("100%", new() { Timeout = 120_000 });
        await Expect(_page.Locator("#image-upload-done")).ToContainTextAsync($"{fileName} was uploaded.");
        var row = _page.Locator("#image-table tr", new() { HasText = fileName });
        await Expect(row).ToContainTextAsync("from the browser");
        await Expect(row).ToContainTextAsync("Evaluation");
        await Expect(row.Locator("[data-image-status]")).ToHaveTextAsync("Completed", new() { Timeout = 120_000 });
        await Expect(row.Locator("[data-image-active]")).ToHaveTextAsync("");

        await row.GetByRole(AriaRole.Button, new() { Name = "Activate" }).ClickAsync();
        await Expect(row.Locator("[data-image-active]")).ToHaveTextAsync("yes");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Activate" })).ToHaveCountAsync(0);
        (await _page.EvaluateAsync<bool>("() => window.gcSamePage === true")).Should().BeTrue("statuses arrived live, the page was never reloaded");

        _partRequests.Should().BeEquivalentTo(new Dictionary<int, int> { [1] = 1, [2] = 2, [3] = 1 }, "three 8 MiB parts, part 2 sent twice");
        var image = fixture.App.Db(db => db.ContainerImages.Single(i => i.Filename == fileName));
        (image.Kind, image.ImportStatus, image.IsDesiredVersion, image.ImageSha256, image.SizeBytes)
            .Should().Be((ContainerImageKind.Evaluation, ContainerImageImportStatus.Completed, true, imageId, new FileInfo(archive).Length));
        (await DockerTestImages.RunAsync("docker", "image", "inspect", "--format", "{{.Id}}", ContainerImageConventions.EngineTag(image.Kind, image.Id)))
            .Should().Be(imageId, "the engine holds the uploaded image under the platform's tag");
        fixture.App.Db(db => db.UserUploads.Count(u => u.CreatorId == admin.Id)).Should().Be(0, "the finished upload became the image's archive");
    }

    /// <summary>A valid non-root image with an 18 MiB layer of random bytes, saved as an uncompressed archive and removed from the engine.</summary>
    private async Task<(string Archive, string ImageId)> BuildArchiveAsync()
    {
        var unique = Guid.NewGuid().ToString("N")[..12];
        var context = Directory.CreateDirectory(Path.Combine(_temp, "context")).FullName;
        var padding = new byte[PaddingBytes];
        Random.Shared.NextBytes(padding);
        await File.WriteAllBytesAsync(Path.Combine(context, "padding.bin"), padding);
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"""
            FROM {DockerTestImages.BaseImage}
            COPY padding.bin /opt/padding.bin
            CMD ["sh", "-c", "id -u"]
            """);
        await DockerTestImages.BuildAsync("nonroot"); // makes sure the base image exists
        var tag = $"gc-test/page-archive:{unique}";
        var id = (await DockerTestImages.RunAsync("docker", "build", "-q", "--label", $"org.grand-challenge.test-run={unique}", "-t", tag, context)).Trim();
        var archive = Path.Combine(_temp, $"page-archive-{unique}.tar");
        try
        {
            await DockerTestImages.SaveAsync(archive, tag);
        }
        finally
        {
            await DockerTestImages.RemoveAsync(tag);
        }

        (await DockerTestImages.ExistsAsync(id)).Should().BeFalse("the import must really load the image");
        return (archive, id);
    }

    [GeneratedRegex(@"/api/v1/uploads/[^/]+/[^/]+/parts/(\d+)/")]
    private static partial Regex PartUrl();
}
