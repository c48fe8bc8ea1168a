using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Tests.Web.Algorithms;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GrandChallenge.Tests.Browser;

/// <summary>The algorithm-phase world on a loopback Kestrel port, for the browser.</summary>
public sealed class KestrelAlgorithmPhaseWorld() : AlgorithmPhaseWorld(new KestrelAppFixture());

/// <summary>
/// A participant submits their algorithm's image on an algorithm phase's submit page in the browser, watches the
/// "N of 3 cases done" progress and the evaluation succeed without a reload, and finds their row on the leaderboard.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Docker")]
public sealed class AlgorithmPhaseSubmissionBrowserTests(KestrelAlgorithmPhaseWorld world, ChromiumFixture chromium)
    : IClassFixture<KestrelAlgorithmPhaseWorld>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private IBrowserContext _context = default!;
    private IPage _page = default!;
    private bool _screenshotTaken;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(30_000);
        _context = await chromium.Browser.NewContextAsync(new() { BaseURL = world.App.ServerAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } });
        _context.SetDefaultTimeout(30_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task A_participant_submits_an_algorithm_sees_the_cases_progress_live_and_lands_on_the_leaderboard()
    {
        try
        {
            await SubmitAsync();
        }
        finally
        {
            if (!_screenshotTaken)
            {
                await ScreenshotAsync();
            }
        }
    }

    /// <summary>The submit page once the evaluation succeeded (or wherever a failure left the browser).</summary>
    private async Task ScreenshotAsync()
    {
        var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        await _page.ScreenshotAsync(new() { Path = Path.Combine(directory, "algorithm-phase-submission.png"), FullPage = true });
    }

    private async Task SubmitAsync()
    {
        var (archive, _) = await world.CreateArchiveAsync(0.25, 0.5, 0.75);
        var phaseId = await world.CreatePhaseAsync(archive);
        var phase = world.Db(db => db.Phases.Single(p => p.Id == Guid.Parse(phaseId)));
        var title = $"Detector {Guid.NewGuid():N}"[..20];
        await world.CreateAlgorithmWithImageAsync(world.Alice, world.AliceUser, phaseId, title);

        await _page.GotoAsync("account/login");
        await _page.Locator("#login-name").FillAsync(world.AliceUser.UserName!);
        await _page.Locator("#login-password").FillAsync("Passw0rd-test");
        await _page.Locator("#login-submit").ClickAsync();
        await Expect(_page.Locator("#profile-link")).ToHaveTextAsync(world.AliceUser.UserName!);

        await _page.GotoAsync($"challenges/{world.Challenge.ShortName}/phases/{phase.Slug}/submit");
        await BlazorCircuit.WaitAsync(_page);
        await Expect(_page.Locator("[data-phase-algorithm]")).ToContainTextAsync("1 image(s) ready");
        await Expect(_page.Locator("#algorithm-submit")).ToBeEnabledAsync();
        // Every progress text the page shows is recorded, however briefly it is there.
        await _page.EvaluateAsync("""
            () => {
                window.gcSamePage = true;
                window.gcProgress = [];
                const record = () => document.querySelectorAll('[data-algorithm-progress]').forEach(e => {
                    const text = e.textContent.trim();
                    if (window.gcProgress[window.gcProgress.length - 1] !== text) window.gcProgress.push(text);
                });
                new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
            }
            """);
        await _page.Locator("#algorithm-submit").ClickAsync();

        var evaluation = _page.Locator("[data-my-evaluation-status]");
        await Expect(evaluation).ToHaveCountAsync(1);
        await Expect(evaluation).ToHaveTextAsync("Succeeded", new() { Timeout = 180_000 });
        await Expect(_page.Locator("[data-my-evaluation-score]")).ToContainTextAsync("rank 1");
        (await _page.EvaluateAsync<bool>("() => window.gcSamePage === true")).Should().BeTrue("the outcome arrived live");
        var progress = await _page.EvaluateAsync<string[]>("() => window.gcProgress");
        progress.Should().Contain(text => System.Text.RegularExpressions.Regex.IsMatch(text, "^[0-3] of 3 cases done"), $"the progress was shown live (seen: {string.Join(" | ", progress)})");
        await Expect(_page.Locator("[data-algorithm-progress]")).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        await ScreenshotAsync();
        _screenshotTaken = true;

        await _page.GotoAsync($"challenges/{world.Challenge.ShortName}/phases/{phase.Slug}/leaderboard");
        await Expect(_page.Locator("[data-leaderboard-rank]")).ToHaveTextAsync("1");
        await Expect(_page.Locator("[data-leaderboard-user]")).ToHaveTextAsync(world.AliceUser.UserName!);
    }
}
