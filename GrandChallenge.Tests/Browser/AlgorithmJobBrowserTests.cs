using System.Net.Http.Json;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Tests.Web.Algorithms;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GrandChallenge.Tests.Browser;

/// <summary>
/// A user of the threshold algorithm runs it in the browser: uploads an .mha through the create page's upload panel (the
/// import pipeline), submits, lands on the job page, and sees it succeed live with the segmentation in the slice viewer
/// and the fraction as JSON.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Docker")]
public sealed class AlgorithmJobBrowserTests(KestrelAlgorithmJobWorld world, ChromiumFixture chromium)
    : IClassFixture<KestrelAlgorithmJobWorld>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private IBrowserContext _context = default!;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(30_000);
        _context = await chromium.Browser.NewContextAsync(new() { BaseURL = world.App.ServerAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } });
        _context.SetDefaultTimeout(30_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task A_user_uploads_an_image_runs_the_algorithm_and_sees_its_outputs()
    {
        try
        {
            await RunAsync();
        }
        finally
        {
            var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "screenshots");
            Directory.CreateDirectory(directory);
            await _page.ScreenshotAsync(new() { Path = Path.Combine(directory, "algorithm-job-page.png"), FullPage = true });
        }
    }

    [Fact]
    public async Task A_chart_output_is_drawn_from_its_Vega_Lite_spec()
    {
        var algorithm = await world.CreateAlgorithmAsync($"chart-{world.Suffix}", "Threshold chart",
            outputs: [AlgorithmJobWorld.FractionSocket, AlgorithmJobWorld.ChartSocket]);
        var image = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.User));
        var created = await world.RunAsync(world.User, algorithm.Slug, new { @interface = AlgorithmJobWorld.InputSocket, image });
        created.StatusCode.Should().Be(System.Net.HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var job = await AlgorithmJobWorld.WaitForJobAsync(world.User,
            (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("api_url").GetString()!);
        job.GetProperty("status").GetString().Should().Be("Succeeded", job.GetProperty("error_message").ToString());

        try
        {
            await SignInAsync();
            await _page.GotoAsync($"algorithms/jobs/{job.GetProperty("pk").GetString()}");
            await BlazorCircuit.WaitAsync(_page);
            var chart = _page.Locator($"[data-chart='{AlgorithmJobWorld.ChartSocket}'][data-chart-rendered]");
            await Expect(chart).ToHaveCountAsync(1);
            // Two bars (above and below the threshold) drawn as SVG marks; no error shown.
            await Expect(chart.Locator("svg .mark-rect path")).ToHaveCountAsync(2);
            await Expect(_page.Locator("[data-chart-error]")).ToHaveCountAsync(0);
        }
        finally
        {
            var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "screenshots");
            Directory.CreateDirectory(directory);
            await _page.ScreenshotAsync(new() { Path = Path.Combine(directory, "algorithm-job-chart.png"), FullPage = true });
        }
    }

    private async Task SignInAsync()
    {
        await _page.GotoAsync("account/login");
        await _page.Locator("#login-name").FillAsync(world.UserUser.UserName!);
        await _page.Locator("#login-password").FillAsync("Passw0rd-test");
        await _page.Locator("#login-submit").ClickAsync();
        await Expect(_page.Locator("#profile-link")).ToHaveTextAsync(world.UserUser.UserName!);
    }

    private async Task RunAsync()
    {
        var file = Path.Combine(TestEnvironment.NewTempDirectory("algorithm-job"), "ramp.mha");
        await File.WriteAllBytesAsync(file, AlgorithmJobWorld.RampMha());

        await SignInAsync();
        await _page.GotoAsync($"algorithms/{world.Algorithm.Slug}/jobs/create");
        await BlazorCircuit.WaitAsync(_page);
        var panel = $"input-{AlgorithmJobWorld.InputSocket}";
        await Expect(_page.Locator($"#{panel}-upload-input[data-upload-ready]")).ToHaveCountAsync(1);
        await _page.Locator($"#{panel}-upload-input").SetInputFilesAsync(file);
        await Expect(_page.Locator($"#{panel}-upload-done")).ToContainTextAsync("ramp.mha was uploaded.");
        await _page.Locator($"#{panel}-import").ClickAsync();
        await Expect(_page.Locator("[data-session-status]")).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        await Expect(_page.Locator($"[data-input-session='{AlgorithmJobWorld.InputSocket}']")).ToBeVisibleAsync();

        await _page.Locator("#job-submit").ClickAsync();
        await _page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/algorithms/jobs/[0-9a-f-]{36}$"));
        await BlazorCircuit.WaitAsync(_page);
        await _page.EvaluateAsync("() => window.gcSamePage = true");
        await Expect(_page.Locator("#job-status")).ToHaveTextAsync("Succeeded", new() { Timeout = 120_000 });
        await Expect(_page.Locator($"[data-json='{AlgorithmJobWorld.FractionSocket}']")).ToHaveTextAsync("0.992188");
        var mask = _page.Locator($"[data-side='output'][data-value='{AlgorithmJobWorld.MaskSocket}']");
        await Expect(mask.Locator("[data-shape]")).ToHaveAttributeAsync("data-shape", "2x8x8");
        var slice = mask.Locator("img");
        await Expect(slice).ToHaveJSPropertyAsync("complete", true);
        (await slice.EvaluateAsync<int>("img => img.naturalWidth")).Should().Be(8, "the segmentation's slice was rendered by the server and decoded");
        await Expect(_page.Locator("#job-stdout")).ToHaveCountAsync(0);
        (await _page.EvaluateAsync<bool>("() => window.gcSamePage === true")).Should().BeTrue("the outcome arrived live");

        await _page.GotoAsync($"algorithms/{world.Algorithm.Slug}/jobs");
        await Expect(_page.Locator("[data-job-status]").First).ToHaveTextAsync("Succeeded");
    }
}
