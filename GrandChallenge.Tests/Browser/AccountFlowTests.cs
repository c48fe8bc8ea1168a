using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GrandChallenge.Tests.Browser;

[Trait("Category", "Browser")]
public sealed partial class AccountFlowTests(KestrelAppFixture fixture, ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<KestrelAppFixture>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string WrongPasswordError = "Invalid username/email or password.";
    private static readonly TimeSpan CircuitTimeout = TimeSpan.FromSeconds(60);

    private IBrowserContext _context = default!;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        // The machine is shared and small: give Blazor's circuit and the first requests room before an assertion gives up.
        SetDefaultExpectTimeout(30_000);
        _context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = fixture.App.ServerAddress.ToString(),
            ViewportSize = new() { Width = 1280, Height = 800 },
        });
        _context.SetDefaultTimeout(30_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task Visitor_registers_logs_out_logs_back_in_and_creates_an_api_token_that_the_api_accepts()
    {
        var username = UniqueName("ada");
        const string password = "Correct-horse-42";

        await _page.GotoAsync("/");
        await Expect(_page.Locator("#home-title")).ToHaveTextAsync("Medical imaging AI, evaluated fairly.");
        await ScreenshotAsync("home");

        await _page.Locator("#register-link").ClickAsync();
        await Expect(_page.Locator("#account-title")).ToHaveTextAsync("Create an account");
        await _page.Locator("#register-username").FillAsync(username);
        await _page.Locator("#register-email").FillAsync($"{username}@example.org");
        await _page.Locator("#register-password").FillAsync(password);
        await _page.Locator("#register-confirm").FillAsync(password);
        await ScreenshotAsync("register");
        await _page.Locator("#register-submit").ClickAsync();
        await Expect(_page.Locator("#profile-link")).ToHaveTextAsync(username);
        await Expect(_page.Locator("#home-title")).ToBeVisibleAsync();

        await _page.Locator("#logout-button").ClickAsync();
        await Expect(_page.Locator("#login-link")).ToBeVisibleAsync();
        await Expect(_page.Locator("#profile-link")).ToHaveCountAsync(0);

        await _page.Locator("#login-link").ClickAsync();
        await SubmitLoginAsync(username, password);
        await Expect(_page.Locator("#profile-link")).ToHaveTextAsync(username);

        await _page.Locator("#profile-link").ClickAsync();
        await Expect(_page.Locator("#profile-username")).ToHaveTextAsync(username);
        await Expect(_page.Locator("#profile-email")).ToHaveTextAsync($"{username}@example.org");
        await ScreenshotAsync("profile");

        await _page.GotoAsync("account/tokens");
        await WaitForCircuitAsync();
        await _page.Locator("#token-name").FillAsync("ci");
        await _page.Locator("#token-create").ClickAsync();
        var tokenValue = _page.Locator("#token-value");
        await Expect(tokenValue).ToHaveTextAsync(HexToken());
        await Expect(_page.Locator("#token-table")).ToContainTextAsync("ci");
        var token = (await tokenValue.TextContentAsync())!.Trim();
        await ScreenshotAsync("tokens");

        using var api = new HttpClient { BaseAddress = fixture.App.ServerAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await api.GetAsync("api/v1/users/me/");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var me = await response.Content.ReadFromJsonAsync<JsonElement>();
        me.GetProperty("username").GetString().Should().Be(username);
        me.GetProperty("is_site_admin").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Wrong_password_shows_an_error_each_time_and_the_right_one_still_logs_in()
    {
        var username = UniqueName("bob");
        await fixture.App.CreateUserAsync(username, password: "Right-password-7");

        await _page.GotoAsync("account/login");
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await SubmitLoginAsync(username, "Wrong-password-7");
            await Expect(_page.Locator("#account-error")).ToHaveTextAsync(WrongPasswordError);
            await Expect(_page.Locator("#login-link")).ToBeVisibleAsync();
        }

        await ScreenshotAsync("login-error");

        await SubmitLoginAsync(username, "Right-password-7");
        await Expect(_page.Locator("#profile-link")).ToHaveTextAsync(username);
    }

    [Fact]
    public async Task Unknown_address_shows_the_friendly_not_found_page()
    {
        // Checked without the browser first: Chromium replaces an empty error response with its own error page.
        using var http = new HttpClient { BaseAddress = fixture.App.ServerAddress };
        using var raw = await http.GetAsync("no/such/page");
        raw.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await raw.Content.ReadAsStringAsync()).Should().Contain(
            "We could not find that page.", "an unknown address should be answered with the app's 404 page, not an empty body");

        var response = await _page.GotoAsync("no/such/page");

        response!.Status.Should().Be((int)HttpStatusCode.NotFound);
        await Expect(_page.GetByText("We could not find that page.")).ToBeVisibleAsync();
        await Expect(_page.GetByText("404", new() { Exact = true })).ToBeVisibleAsync();
        await WaitForCircuitAsync();
        await Expect(_page.GetByText("We could not find that page.")).ToBeVisibleAsync();
        await Expect(_page.GetByRole(AriaRole.Link, new() { Name = "Go to the home page" })).ToHaveAttributeAsync("href", "/");
        await ScreenshotAsync("not-found");
    }

    [Fact]
    public async Task Theme_toggle_switches_to_dark_and_the_choice_survives_a_reload()
    {
        await _page.GotoAsync("/");
        await WaitForCircuitAsync();
        var lightBackground = await BackgroundColourAsync();

        await _page.Locator("#theme-toggle").ClickAsync();

        await _page.WaitForFunctionAsync("() => document.cookie.split('; ').includes('gc-theme=dark')");
        await _page.WaitForFunctionAsync(
            "light => getComputedStyle(document.documentElement).getPropertyValue('--mud-palette-background').trim() !== light",
            lightBackground);
        var darkBackground = await BackgroundColourAsync();

        await _page.ReloadAsync();
        await Expect(_page.Locator("#home-title")).ToBeVisibleAsync();
        (await BackgroundColourAsync()).Should().Be(darkBackground, "the server renders the theme from the gc-theme cookie");
        await ScreenshotAsync("home-dark");
    }

    private async Task SubmitLoginAsync(string login, string password)
    {
        await _page.Locator("#login-name").FillAsync(login);
        await _page.Locator("#login-password").FillAsync(password);
        await SubmitToNewDocumentAsync(_page.Locator("#login-submit"));
    }

    /// <summary>Submits a static form and waits until the response replaced the page, so the next assertion sees the answer.</summary>
    private async Task SubmitToNewDocumentAsync(ILocator submit)
    {
        await _page.EvaluateAsync("() => document.body.dataset.submitted = 'true'");
        await submit.ClickAsync();
        await Expect(_page.Locator("body[data-submitted]")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// Waits until Blazor Server's circuit handles events. Prerendered markup looks finished before that, and clicks made
    /// earlier are lost. The theme button's tooltip only opens once the server answers the hover, and hovering is safe to repeat.
    /// </summary>
    private async Task WaitForCircuitAsync()
    {
        var toggle = _page.Locator("#theme-toggle");
        var tooltip = _page.Locator(".mud-popover-open", new() { HasText = "theme" });
        var started = DateTime.UtcNow;
        for (var attempt = 1; ; attempt++)
        {
            await toggle.HoverAsync();
            try
            {
                await tooltip.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 500 });
                output.WriteLine($"Circuit answered hover {attempt} after {(DateTime.UtcNow - started).TotalSeconds:0.0} s.");
                break;
            }
            catch (TimeoutException) when (DateTime.UtcNow - started < CircuitTimeout)
            {
                await _page.Mouse.MoveAsync(0, 0);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException(
                    $"Blazor's circuit did not start within {CircuitTimeout.TotalSeconds:0} s on {_page.Url}: the theme button's tooltip never opened.", e);
            }
        }

        await _page.Mouse.MoveAsync(0, 0);
        await Expect(tooltip).ToHaveCountAsync(0);
    }

    private Task<string> BackgroundColourAsync() =>
        _page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).getPropertyValue('--mud-palette-background').trim()");

    private async Task ScreenshotAsync(string name)
    {
        var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        await _page.ScreenshotAsync(new() { Path = Path.Combine(directory, $"{name}.png"), FullPage = true });
    }

    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexToken();
}
