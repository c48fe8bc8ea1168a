using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GrandChallenge.Tests.Browser;

/// <summary>
/// The live job page on the real engine: its owner (a site admin, who may read the logs) watches a job start, print
/// its log lines as they come and succeed, without a reload.
/// </summary>
[Trait("Category", "Browser")]
public sealed class JobPageBrowserTests(KestrelAppFixture fixture, ChromiumFixture chromium)
    : IClassFixture<KestrelAppFixture>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string Password = "Job-watcher-42";
    private static readonly TimeSpan CircuitTimeout = TimeSpan.FromSeconds(30);
    private IBrowserContext _context = default!;
    private IPage _page = default!;

    private ComponentJobQueue Queue => fixture.App.Services.GetRequiredService<ComponentJobQueue>();

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(30_000);
        _context = await chromium.Browser.NewContextAsync(new() { BaseURL = fixture.App.ServerAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 800 } });
        _context.SetDefaultTimeout(30_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task The_owner_sees_the_job_start_print_its_lines_and_succeed_without_a_reload()
    {
        try
        {
            await WatchJobAsync();
        }
        finally
        {
            var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "screenshots");
            Directory.CreateDirectory(directory);
            await _page.ScreenshotAsync(new() { Path = Path.Combine(directory, "job-page.png"), FullPage = true });
        }
    }

    private async Task WatchJobAsync()
    {
        var username = $"jobowner{Guid.NewGuid():N}"[..16];
        var owner = await fixture.App.CreateUserAsync(username, siteAdmin: true, password: Password);
        await _page.GotoAsync("account/login");
        await _page.Locator("#login-name").FillAsync(username);
        await _page.Locator("#login-password").FillAsync(Password);
        await _page.Locator("#login-submit").ClickAsync();
        await Expect(_page.Locator("#profile-link")).ToHaveTextAsync(username);

        // Held back until the page listens, so that every line it prints is one the page must receive live.
        var job = await Queue.EnqueueAsync(new ComponentJob
        {
            Kind = ComponentJobKind.Algorithm,
            ImageReference = await DockerTestImages.BuildAsync("job-slow"),
            CreatorId = owner.Id,
            TimeLimitSeconds = 120,
            MemoryGb = 1,
            RetryAfter = DateTimeOffset.UtcNow.AddHours(1),
        });
        await _page.GotoAsync($"jobs/{job.Id}");
        await Expect(_page.Locator("#job-status")).ToHaveTextAsync("Pending");
        await WaitForCircuitAsync();
        await _page.EvaluateAsync("() => window.gcSamePage = true");
        await Expect(_page.Locator("#job-log")).ToHaveTextAsync("");

        await using (var db = fixture.App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext())
        {
            await db.ComponentJobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.RetryAfter, (DateTimeOffset?)null));
        }

        await Queue.TriggerAsync();

        await Expect(_page.Locator("#job-status")).ToHaveTextAsync("Executing");
        // job-slow prints "start", sleeps 8 s, then prints "end": the first line shows while the job still runs.
        await Expect(_page.Locator("#job-log")).ToContainTextAsync("start");
        await Expect(_page.Locator("#job-status")).ToHaveTextAsync("Executing", new() { Timeout = 1000 });
        await Expect(_page.Locator("#job-log")).Not.ToContainTextAsync("end", new() { Timeout = 1000 });
        await Expect(_page.Locator("#job-cancel")).ToBeVisibleAsync();

        await Expect(_page.Locator("#job-status")).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        await Expect(_page.Locator("#job-log")).ToContainTextAsync("end");
        await Expect(_page.Locator("#job-log")).ToContainTextAsync("start");
        await Expect(_page.Locator("tr", new() { HasText = "Exit code" })).ToContainTextAsync("0");
        await Expect(_page.Locator("#job-cancel")).ToHaveCountAsync(0);
        await Expect(_page.Locator("#job-error")).ToHaveCountAsync(0);
        (await _page.EvaluateAsync<bool>("() => window.gcSamePage === true")).Should().BeTrue("everything arrived live, the page was never reloaded");
    }

    /// <summary>As in AccountFlowTests: the theme button's tooltip opens only once the circuit answers.</summary>
    private Task WaitForCircuitAsync() => BlazorCircuit.WaitAsync(_page, CircuitTimeout);
}
