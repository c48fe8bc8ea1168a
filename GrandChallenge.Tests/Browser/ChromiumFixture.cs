using GrandChallenge.Tests.Infrastructure;
using Microsoft.Playwright;

namespace GrandChallenge.Tests.Browser;

/// <summary>
/// One headless Debian Chromium per test class. The tests never download a browser (CI has no internet),
/// so a missing Chromium fails them with a message instead of skipping.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(TestEnvironment.ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at {TestEnvironment.ChromiumPath}. Install Debian's package (apt-get install chromium); " +
                "the browser tests use it and never run `playwright install`.");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = TestEnvironment.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
