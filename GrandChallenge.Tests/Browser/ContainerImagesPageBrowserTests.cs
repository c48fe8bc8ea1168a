using GrandChallenge.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GrandChallenge.Tests.Browser;

/// <summary>A site admin uploads an archive through the page (streamed over the circuit) and watches its status change live.</summary>
[Trait("Category", "Browser")]
public sealed class ContainerImagesPageBrowserTests(KestrelAppFixture fixture, ChromiumFixture chromium) : IClassFixture<KestrelAppFixture>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private static readonly TimeSpan CircuitTimeout = TimeSpan.FromSeconds(30);
    private IBrowserContext _context = default!;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(30_000);
        _context = await chromium.Browser.NewContextAsync(new() { BaseURL = fixture.App.ServerAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 800 } });
        _context.SetDefaultTimeout(30_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task An_uploaded_archive_appears_queued_and_turns_failed_with_its_message_without_a_reload()
    {
        try
        {
            await UploadAndWatchAsync();
        }
        finally
        {
            var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "screenshots");
            Directory.CreateDirectory(directory);
            await _page.ScreenshotAsync(new() { Path = Path.Combine(directory, "container-images.png"), FullPage = true });
        }
    }

    private async Task UploadAndWatchAsync()
    {
        var username = $"pageadmin{Guid.NewGuid():N}"[..16];
        await fixture.App.CreateUserAsync(username, siteAdmin: true, password: "Correct-horse-42");
        await _page.GotoAsync("account/login");
        await _page.Locator("#login-name").FillAsync(username);
        await _page.Locator("#login-password").FillAsync("Correct-horse-42");
        await _page.Locator("#login-submit").ClickAsync();
        await Expect(_page.Locator("#profile-link")).ToHaveTextAsync(username);

        await _page.GotoAsync("admin");
        await Expect(_page.Locator("#admin-container-images")).ToHaveAttributeAsync("href", "admin/container-images");
        // Opened directly: a click made while the admin page's circuit is still starting can be lost.
        await _page.GotoAsync("admin/container-images");
        await Expect(_page.Locator("h3")).ToHaveTextAsync("Container images");
        await WaitForCircuitAsync();

        await _page.Locator("#image-comment").FillAsync("from the browser");
        await _page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "not-an-image.tar",
            MimeType = "application/x-tar",
            Buffer = new byte[20_000],
        });
        await Expect(_page.Locator("#image-chosen")).ToHaveTextAsync("not-an-image.tar (19.5 KiB)");
        await _page.Locator("#image-upload").ClickAsync();
        await Expect(_page.Locator("#image-chosen")).ToHaveCountAsync(0);

        var row = _page.Locator("#image-table tr", new() { HasText = "not-an-image.tar" });
        await Expect(row).ToContainTextAsync("from the browser");
        await Expect(row.Locator("[data-image-status]")).ToHaveTextAsync("Failed");
        await Expect(row).ToContainTextAsync("Could not decompress the container image file.");
    }

    /// <summary>As in AccountFlowTests: the theme button's tooltip opens only once the circuit answers.</summary>
    private async Task WaitForCircuitAsync()
    {
        var toggle = _page.Locator("#theme-toggle");
        var tooltip = _page.Locator(".mud-popover-open", new() { HasText = "theme" });
        var started = DateTime.UtcNow;
        while (true)
        {
            await toggle.HoverAsync();
            try
            {
                await tooltip.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 500 });
                break;
            }
            catch (TimeoutException) when (DateTime.UtcNow - started < CircuitTimeout)
            {
                await _page.Mouse.MoveAsync(0, 0);
            }
        }

        await _page.Mouse.MoveAsync(0, 0);
        await Expect(tooltip).ToHaveCountAsync(0);
    }
}
