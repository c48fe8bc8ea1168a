using GrandChallenge.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GrandChallenge.Tests.Browser;

/// <summary>
/// The challenge life cycle as three people click through it, each in a browser of their own: a user requests a
/// challenge, a site admin accepts it, the requester shows it, a second user asks to join, the requester accepts, and
/// the second user sees the notification and the new status without reloading.
/// </summary>
[Trait("Category", "Browser")]
public sealed class ChallengeFlowTests(KestrelAppFixture fixture, ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<KestrelAppFixture>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string Password = "Correct-horse-42";
    private static readonly TimeSpan CircuitTimeout = TimeSpan.FromSeconds(60);
    private readonly List<IBrowserContext> _contexts = [];

    public Task InitializeAsync()
    {
        SetDefaultExpectTimeout(30_000);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_requested_challenge_is_accepted_joined_and_the_participant_is_notified_live()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var shortName = $"lungs-{suffix}";
        var requester = await SignedInPageAsync($"org-{suffix}");
        var reviewer = await SignedInPageAsync($"staff-{suffix}", siteAdmin: true);
        var joiner = await SignedInPageAsync($"joe-{suffix}");

        // The requester asks for a challenge.
        await requester.GotoAsync("challenges/request");
        await WaitForCircuitAsync(requester);
        await requester.Locator("#request-short-name").FillAsync(shortName);
        await requester.Locator("#request-title").FillAsync("Lung nodule detection");
        await requester.Locator("#request-description").FillAsync("Find every nodule.");
        await requester.Locator("#request-submit").ClickAsync();
        await Expect(requester.Locator("#request-message")).ToContainTextAsync("waiting for a site admin");
        await Expect(requester.Locator("#request-table")).ToContainTextAsync("pending");

        // A site admin accepts it.
        await reviewer.GotoAsync("challenges/requests");
        await WaitForCircuitAsync(reviewer);
        await Expect(reviewer.Locator("#request-table")).ToContainTextAsync(shortName);
        await ScreenshotAsync(reviewer, "challenge-requests");
        await reviewer.Locator($".gc-request-accept[data-request='{shortName}']").ClickAsync();
        await Expect(reviewer.Locator("#request-table")).ToContainTextAsync("accepted");

        // The requester's page follows without a reload: the status and the bell.
        await Expect(requester.Locator("#request-table")).ToContainTextAsync("accepted");
        await Expect(requester.Locator("#notifications-unread")).ToHaveAttributeAsync("data-unread", "1");

        // The requester, now its admin, shows the challenge (it starts hidden).
        await requester.GotoAsync($"challenges/{shortName}/admin");
        await WaitForCircuitAsync(requester);
        await Expect(requester.Locator("#challenge-title")).ToHaveTextAsync("Lung nodule detection");
        await Expect(requester.Locator("#challenge-hidden")).ToBeVisibleAsync();
        await requester.GetByText("Hidden (only admins and participants see it)").ClickAsync();
        await requester.Locator("#settings-save").ClickAsync();
        await Expect(requester.Locator("#settings-message")).ToHaveTextAsync("Saved.");
        await Expect(requester.Locator("#challenge-hidden")).ToHaveCountAsync(0);
        await ScreenshotAsync(requester, "challenge-admin-settings");

        // A second user finds it and asks to join.
        await joiner.GotoAsync("challenges");
        await joiner.Locator($"[data-challenge='{shortName}'] a").ClickAsync();
        await Expect(joiner.Locator("#challenge-title")).ToHaveTextAsync("Lung nodule detection");
        await Expect(joiner.Locator("#page-content")).ToContainTextAsync("Find every nodule.");
        await joiner.GotoAsync($"challenges/{shortName}/register");
        await WaitForCircuitAsync(joiner);
        await joiner.Locator("#register-submit").ClickAsync();
        await Expect(joiner.Locator("#register-status")).ToHaveAttributeAsync("data-status", "pending");
        await Expect(joiner.Locator("#notifications-unread")).ToHaveAttributeAsync("data-unread", "0");

        // The admin hears of it and accepts.
        await Expect(requester.Locator("#notifications-unread")).ToHaveAttributeAsync("data-unread", "2");
        await requester.GetByRole(AriaRole.Tab, new() { Name = "Registrations" }).ClickAsync();
        var accept = requester.Locator($".gc-registration-accept[data-registration='joe-{suffix}']");
        await Expect(accept).ToBeVisibleAsync();
        await ScreenshotAsync(requester, "challenge-admin-registrations");
        await accept.ClickAsync();
        await Expect(requester.Locator("#participants-table")).ToContainTextAsync($"joe-{suffix}");

        // The participant sees both without reloading.
        await Expect(joiner.Locator("#notifications-unread")).ToHaveAttributeAsync("data-unread", "1");
        await Expect(joiner.Locator("#register-status")).ToHaveAttributeAsync("data-status", "participant");
        await Expect(joiner.Locator("#challenge-participant")).ToBeVisibleAsync();
        await ScreenshotAsync(joiner, "challenge-registration-accepted");

        await joiner.Locator("#notification-bell").ClickAsync();
        await Expect(joiner.Locator("#notification-list")).ToContainTextAsync("Your registration for the challenge Lung nodule detection was accepted.");
        await WaitForCircuitAsync(joiner);
        await joiner.Locator("#notifications-read-all").ClickAsync();
        await Expect(joiner.Locator("#notifications-unread")).ToHaveAttributeAsync("data-unread", "0");
        await ScreenshotAsync(joiner, "notifications");
    }

    private async Task<IPage> SignedInPageAsync(string username, bool siteAdmin = false)
    {
        await fixture.App.CreateUserAsync(username, siteAdmin, Password);
        var context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = fixture.App.ServerAddress.ToString(),
            ViewportSize = new() { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("account/login");
        await page.Locator("#login-name").FillAsync(username);
        await page.Locator("#login-password").FillAsync(Password);
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page.Locator("#profile-link")).ToHaveTextAsync(username);
        return page;
    }

    /// <summary>Waits until Blazor's circuit answers: the theme button's tooltip opens only once the server handles the hover.</summary>
    private async Task WaitForCircuitAsync(IPage page)
    {
        var toggle = page.Locator("#theme-toggle");
        var tooltip = page.Locator(".mud-popover-open", new() { HasText = "theme" });
        var started = DateTime.UtcNow;
        for (var attempt = 1; ; attempt++)
        {
            await toggle.HoverAsync();
            try
            {
                await tooltip.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 500 });
                output.WriteLine($"Circuit answered hover {attempt} after {(DateTime.UtcNow - started).TotalSeconds:0.0} s on {page.Url}.");
                break;
            }
            catch (TimeoutException) when (DateTime.UtcNow - started < CircuitTimeout)
            {
                await page.Mouse.MoveAsync(0, 0);
            }
        }

        await page.Mouse.MoveAsync(0, 0);
        await Expect(tooltip).ToHaveCountAsync(0);
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(directory, $"{name}.png"), FullPage = true });
    }
}
