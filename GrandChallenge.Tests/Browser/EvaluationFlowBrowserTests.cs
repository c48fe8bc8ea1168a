using System.Formats.Tar;
using System.IO.Compression;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GrandChallenge.Tests.Browser;

/// <summary>
/// The whole evaluation flow in Chromium on the real engine: a challenge admin sets up a phase in the pages (method and
/// ground truth through resumable uploads), a participant submits predictions in one tab and watches the result arrive
/// on the leaderboard in another, without a reload.
/// </summary>
[Trait("Category", "Browser")]
public sealed class EvaluationFlowBrowserTests(KestrelAppFixture fixture, ChromiumFixture chromium)
    : IClassFixture<KestrelAppFixture>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string Password = "Evaluate-pass-42";
    private static readonly TimeSpan CircuitTimeout = TimeSpan.FromSeconds(60);

    private readonly string _files = TestEnvironment.NewTempDirectory("gc-browser-evaluation");
    private readonly List<string> _images = [];
    private IBrowserContext _adminContext = default!;
    private IBrowserContext _participantContext = default!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(30_000);
        _adminContext = await NewContextAsync();
        _participantContext = await NewContextAsync();
    }

    private async Task<IBrowserContext> NewContextAsync()
    {
        var context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = fixture.App.ServerAddress.ToString(),
            ViewportSize = new() { Width = 1400, Height = 1000 },
        });
        context.SetDefaultTimeout(30_000);
        return context;
    }

    public async Task DisposeAsync()
    {
        await _adminContext.DisposeAsync();
        await _participantContext.DisposeAsync();
        foreach (var image in _images)
        {
            await DockerTestImages.RemoveAsync(image);
        }

        Directory.Delete(_files, recursive: true);
    }

    [Fact]
    public async Task An_admin_sets_up_a_phase_and_a_participants_result_appears_on_the_open_leaderboard()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (challenge, admin, participant) = await SeedAsync(tag);
        var method = await MethodArchiveAsync();
        var truth = GroundTruthArchive();

        var adminPage = await SignInAsync(_adminContext, admin);
        var phaseTitle = $"Final {tag}";
        try
        {
            await SetUpPhaseAsync(adminPage, challenge, phaseTitle, method, truth);
        }
        finally
        {
            await ScreenshotAsync(adminPage, "evaluation-admin");
        }

        var slug = $"final-{tag}";
        var leaderboard = await SignInAsync(_participantContext, participant);
        var submit = await _participantContext.NewPageAsync();
        try
        {
            await leaderboard.GotoAsync($"challenges/{challenge.ShortName}/phases/{slug}/leaderboard");
            await Expect(leaderboard.Locator("#leaderboard-empty")).ToHaveTextAsync("No results yet.");
            await WaitForCircuitAsync(leaderboard);

            await submit.GotoAsync($"challenges/{challenge.ShortName}/phases/{slug}/submit");
            await Expect(submit.Locator("#allowance-ok")).ToContainTextAsync("You have 3 submissions left in the current day.");
            await Expect(submit.Locator("#predictions-upload-input[data-upload-ready]")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
            var predictions = Path.Combine(_files, "predictions.csv");
            await File.WriteAllTextAsync(predictions, "0.8\ncase-1,0.8\n");
            await submit.Locator("#predictions-upload-input").SetInputFilesAsync(predictions);
            await Expect(submit.Locator("#predictions-upload-done")).ToContainTextAsync("predictions.csv was uploaded.");
            await submit.Locator("#submission-comment").FillAsync("first try");
            await submit.Locator("#submission-comment").PressAsync("Tab");
            await submit.Locator("#submission-submit").ClickAsync();
            await Expect(submit.Locator("#submission-done")).ToContainTextAsync("Your submission was received");

            // The tab opened before the submission: the row arrives over the circuit when the phase is re-ranked.
            var score = leaderboard.Locator("[data-leaderboard-value$=':score']");
            await Expect(score).ToHaveTextAsync("0.8000", new() { Timeout = 180_000 });
            await Expect(leaderboard.Locator("[data-leaderboard-rank]")).ToHaveTextAsync("1");
            await Expect(leaderboard.Locator("[data-leaderboard-user]")).ToHaveTextAsync(participant.UserName!);
            await Expect(leaderboard.Locator("#leaderboard-charts")).ToBeVisibleAsync();

            var mine = submit.Locator("[data-my-evaluation-status]");
            await Expect(mine).ToHaveTextAsync("Succeeded");
            await Expect(submit.Locator("[data-my-evaluation-score]")).ToContainTextAsync("Score: 0.8000");
        }
        finally
        {
            await ScreenshotAsync(leaderboard, "evaluation-leaderboard");
            await ScreenshotAsync(submit, "evaluation-submit");
        }

        // The result's own page, from the leaderboard; and the admin's list of every evaluation.
        await leaderboard.Locator("#leaderboard-table tbody a", new() { HasText = "UTC" }).ClickAsync();
        await Expect(leaderboard.Locator("#evaluation-status")).ToHaveTextAsync("Succeeded");
        await Expect(leaderboard.Locator("#evaluation-rank")).ToHaveTextAsync("Rank 1");
        await Expect(leaderboard.Locator("#evaluation-metrics")).ToContainTextAsync("\"score\": 0.8");
        await Expect(leaderboard.Locator("#evaluation-stdout")).ToHaveCountAsync(0);
        await ScreenshotAsync(leaderboard, "evaluation-detail");

        await adminPage.GotoAsync($"challenges/{challenge.ShortName}/phases/{slug}/admin?tab=evaluations");
        await Expect(adminPage.Locator("[data-evaluation-status]")).ToHaveTextAsync("Succeeded");
        await Expect(adminPage.Locator("[data-evaluation-score]")).ToHaveTextAsync("0.8000");
        await ScreenshotAsync(adminPage, "evaluation-admin-evaluations");
    }

    private async Task SetUpPhaseAsync(IPage page, Challenge challenge, string phaseTitle, string method, string truth)
    {
        await page.GotoAsync($"challenges/{challenge.ShortName}/phases");
        await Expect(page.Locator("#phase-table")).ToContainTextAsync("This challenge has no phases yet.");
        await WaitForCircuitAsync(page);
        await page.Locator("#new-phase").ClickAsync();
        await page.Locator("#new-phase-title").FillAsync(phaseTitle);
        await page.Locator("#new-phase-title").PressAsync("Tab");
        await page.Locator("#new-phase-create").ClickAsync();
        // Blazor navigates inside the page (no load event to wait for): poll the address instead.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(
            $"/challenges/{challenge.ShortName}/phases/{PhaseSlug(phaseTitle)}/admin$"));

        // Settings: the score is at "score" in metrics.json, three submissions a day.
        await Expect(page.Locator("#phase-title")).ToHaveTextAsync(phaseTitle);
        await page.Locator("#phase-score-path").FillAsync("score");
        await page.Locator("#phase-score-path").PressAsync("Tab");
        await page.Locator("#phase-limit").FillAsync("3");
        await page.Locator("#phase-limit").PressAsync("Tab");
        await page.Locator("#phase-save").ClickAsync();
        await Expect(page.Locator("#phase-saved")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "evaluation-settings");

        // The method: a docker save archive, in parts through the uploads API, then imported by the workers.
        await page.Locator(".mud-tab", new() { HasText = "Evaluation method" }).ClickAsync();
        await Expect(page.Locator("#method-upload-input[data-upload-ready]")).ToHaveCountAsync(1);
        await page.Locator("#method-comment").FillAsync("scores the first line");
        await page.Locator("#method-comment").PressAsync("Tab");
        await page.Locator("#method-upload-input").SetInputFilesAsync(method);
        await Expect(page.Locator("#method-upload-done")).ToContainTextAsync("was uploaded.", new() { Timeout = 120_000 });
        var methodRow = page.Locator("#method-table tbody tr", new() { HasText = "scores the first line" });
        await Expect(methodRow.Locator("[data-method-status]")).ToHaveTextAsync("Completed", new() { Timeout = 120_000 });
        await Expect(methodRow.Locator("[data-method-active]")).ToHaveTextAsync("Active");

        // The ground truth: a .tar.gz that only the evaluation container sees.
        await page.Locator(".mud-tab", new() { HasText = "Ground truth" }).ClickAsync();
        await Expect(page.Locator("#truth-upload-input[data-upload-ready]")).ToHaveCountAsync(1);
        await page.Locator("#truth-upload-input").SetInputFilesAsync(truth);
        var truthRow = page.Locator("#truth-table tbody tr", new() { HasText = "ground-truth.tar.gz" });
        await Expect(truthRow.Locator("[data-truth-active]")).ToHaveTextAsync("Active", new() { Timeout = 60_000 });
        await Expect(truthRow).ToContainTextAsync("2");
    }

    private static string PhaseSlug(string title) => title.ToLowerInvariant().Replace(' ', '-');

    private async Task<(Challenge Challenge, ApplicationUser Admin, ApplicationUser Participant)> SeedAsync(string tag)
    {
        var admin = await fixture.App.CreateUserAsync($"chadmin-{tag}", password: Password);
        var participant = await fixture.App.CreateUserAsync($"entrant-{tag}", password: Password);
        var challenge = new Challenge { ShortName = $"flow-{tag}", Title = $"Flow challenge {tag}" };
        await using (var db = fixture.App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext())
        {
            db.Challenges.Add(challenge);
            await db.SaveChangesAsync();
        }

        var permissions = fixture.App.Services.GetRequiredService<IPermissionService>();
        await permissions.GrantAsync(ObjectKinds.Challenge, challenge.Id, ObjectRoles.Admin, admin.Id);
        await permissions.GrantAsync(ObjectKinds.Challenge, challenge.Id, ObjectRoles.Participant, participant.Id);
        return (challenge, admin, participant);
    }

    /// <summary>docker/test-images/evaluation built as an image of its own and saved with <c>docker save</c>.</summary>
    private async Task<string> MethodArchiveAsync()
    {
        var (tag, _) = await DockerTestImages.BuildUniqueAsync("evaluation");
        _images.Add(tag);
        var path = Path.Combine(_files, "evaluation-method.tar");
        await DockerTestImages.SaveAsync(path, tag);
        return path;
    }

    private string GroundTruthArchive()
    {
        var path = Path.Combine(_files, "ground-truth.tar.gz");
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var (name, text) in new[] { ("truth/case-1.csv", "case-1,1\n"), ("truth/case-2.csv", "case-2,0\n") })
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)) });
        }

        return path;
    }

    private static async Task<IPage> SignInAsync(IBrowserContext context, ApplicationUser user)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("account/login");
        await page.Locator("#login-name").FillAsync(user.UserName!);
        await page.Locator("#login-password").FillAsync(Password);
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page.Locator("#profile-link")).ToHaveTextAsync(user.UserName!);
        return page;
    }

    /// <summary>As in the other browser tests: the theme button's tooltip opens only once the circuit answers.</summary>
    private static Task WaitForCircuitAsync(IPage page) => BlazorCircuit.WaitAsync(page, CircuitTimeout);

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(directory, $"{name}.png"), FullPage = true });
    }
}
