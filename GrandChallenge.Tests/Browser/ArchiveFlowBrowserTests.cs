using System.IO.Compression;
using GrandChallenge.Tests.Domain.Imaging;
using GrandChallenge.Tests.Domain.Imaging.Dicom;
using GrandChallenge.Tests.Domain.Imaging.Import;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GrandChallenge.Tests.Browser;

/// <summary>
/// A researcher creates an archive, uploads a zipped DICOM series and an .mha through the page's resumable upload,
/// watches the import finish live, and reads the new image slice by slice with the wheel and a window in the viewer.
/// </summary>
[Trait("Category", "Browser")]
public sealed class ArchiveFlowBrowserTests(KestrelAppFixture fixture, ChromiumFixture chromium)
    : IClassFixture<KestrelAppFixture>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string Password = "Correct-horse-42";

    private readonly string _temp = TestImages.TempDir();
    private IBrowserContext _context = default!;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(30_000);
        _context = await chromium.Browser.NewContextAsync(new() { BaseURL = fixture.App.ServerAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } });
        _context.SetDefaultTimeout(30_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        Directory.Delete(_temp, recursive: true);
    }

    [Fact]
    public async Task A_researcher_uploads_a_dicom_series_into_a_new_archive_and_scrolls_through_it_in_the_viewer()
    {
        try
        {
            await UploadAndViewAsync();
        }
        finally
        {
            var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "screenshots");
            Directory.CreateDirectory(directory);
            await _page.ScreenshotAsync(new() { Path = Path.Combine(directory, "archive-image-viewer.png"), FullPage = true });
        }
    }

    private async Task UploadAndViewAsync()
    {
        var series = Directory.CreateDirectory(Path.Combine(_temp, "series")).FullName;
        DicomTestData.WriteSeries(series, slices: 6, spacing: 2, value: (x, y, z) => (200 * z) + (20 * y) + x);
        var zip = Path.Combine(_temp, "ct-series.zip");
        ZipFile.CreateFromDirectory(series, zip);
        var mha = ImportTestFiles.WriteMha(Directory.CreateDirectory(Path.Combine(_temp, "mha")).FullName);

        var username = $"arch{Guid.NewGuid():N}"[..16];
        await fixture.App.CreateUserAsync(username, password: Password);
        await _page.GotoAsync("account/login");
        await _page.Locator("#login-name").FillAsync(username);
        await _page.Locator("#login-password").FillAsync(Password);
        await _page.Locator("#login-submit").ClickAsync();
        await Expect(_page.Locator("#profile-link")).ToHaveTextAsync(username);

        await _page.GotoAsync("archives/create");
        await BlazorCircuit.WaitAsync(_page);
        await _page.Locator("#archive-title").FillAsync("Browser CT archive");
        await _page.Locator("#archive-title").PressAsync("Tab");
        await _page.Locator("#archive-create").ClickAsync();
        await Expect(_page.Locator("h4#archive-title")).ToHaveTextAsync("Browser CT archive");
        await Expect(_page.Locator("#image-upload-input[data-upload-ready]")).ToHaveCountAsync(1);
        await _page.EvaluateAsync("() => window.gcSamePage = true");

        foreach (var file in new[] { zip, mha })
        {
            await _page.Locator("#image-upload-input").SetInputFilesAsync(file);
            await Expect(_page.Locator("#image-upload-done")).ToContainTextAsync($"{Path.GetFileName(file)} was uploaded.");
        }

        await Expect(_page.Locator("#image-import")).ToHaveTextAsync("Import 2 files");
        await _page.Locator("#image-import").ClickAsync();
        await Expect(_page.Locator("[data-session-status]")).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        await Expect(_page.Locator("[data-thumbnail]")).ToHaveCountAsync(2);
        (await _page.EvaluateAsync<bool>("() => window.gcSamePage === true")).Should().BeTrue("the import and the new items arrived live");
        // Thumbnails are real pictures the browser decoded.
        await Expect(_page.Locator("[data-thumbnail]").First).ToHaveJSPropertyAsync("complete", true);
        (await _page.Locator("[data-thumbnail]").First.EvaluateAsync<int>("img => img.naturalWidth")).Should().BeGreaterThan(0);

        // The DICOM series (6 slices) opens in the viewer at its middle slice.
        var item = _page.Locator("#item-table tr", new() { Has = _page.Locator(".mud-chip", new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^CT$") }) });
        await item.Locator("a").First.ClickAsync();
        await BlazorCircuit.WaitAsync(_page);
        await Expect(_page.Locator("#image-metadata")).ToContainTextAsync("[6, 3, 4]");
        var slice = _page.Locator("#slice-image");
        await Expect(slice).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("/slices/z/3\\.png"));
        await Expect(slice).ToHaveJSPropertyAsync("complete", true);
        (await slice.EvaluateAsync<int>("img => img.naturalWidth")).Should().Be(4);

        await slice.HoverAsync();
        await _page.Mouse.WheelAsync(0, 120);
        await Expect(slice).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("/slices/z/4\\.png"));
        await _page.Locator("#slice-window-center").FillAsync("500");
        await _page.Locator("#slice-window-width").FillAsync("1000");
        await _page.Locator("#slice-window-width").PressAsync("Tab");
        await Expect(slice).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("window_center=500&window_width=1000"));
        await Expect(slice).ToHaveJSPropertyAsync("complete", true);
        (await slice.EvaluateAsync<int>("img => img.naturalHeight")).Should().Be(3, "the windowed slice was rendered and loaded");

        // The picture keeps the voxels' physical proportions: 4 x 3 pixels of 0.75 x 0.5 mm are twice as wide as high (not 4:3),
        // and a sagittal slice (3 pixels of 0.5 mm across, 6 slices 2 mm apart down) is eight times as high as wide.
        var axial = (await slice.BoundingBoxAsync())!;
        ((double)axial.Width / axial.Height).Should().BeApproximately(2.0, 0.02);
        await _page.Locator("#slice-axis button", new() { HasText = "Sagittal" }).ClickAsync();
        await Expect(slice).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("/slices/x/"));
        var sagittal = (await slice.BoundingBoxAsync())!;
        ((double)sagittal.Width / sagittal.Height).Should().BeApproximately(0.125, 0.005);
    }
}
