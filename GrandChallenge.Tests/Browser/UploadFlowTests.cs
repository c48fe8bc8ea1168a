using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GrandChallenge.Tests.Browser;

/// <summary>The /uploads page in Chromium: parts through the API with the page's cookie, a dropped part retried, resume after a reload.</summary>
[Trait("Category", "Browser")]
public sealed partial class UploadFlowTests(KestrelAppFixture fixture, ChromiumFixture chromium)
    : IClassFixture<KestrelAppFixture>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string Password = "Upload-pass-42";

    private readonly string _files = TestEnvironment.NewTempDirectory("gc-browser-upload");
    private readonly ConcurrentDictionary<int, int> _partRequests = new();
    private IBrowserContext _context = default!;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(30_000);
        _context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = fixture.App.ServerAddress.ToString(),
            ViewportSize = new() { Width = 1280, Height = 900 },
        });
        _context.SetDefaultTimeout(30_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        Directory.Delete(_files, recursive: true);
    }

    [Fact]
    public async Task A_20_MB_file_uploads_in_parts_survives_a_dropped_part_and_is_listed_as_completed()
    {
        var user = await SignInAsNewUserAsync("up");
        var file = WriteFile("scan-volume.raw", 20 * 1024 * 1024 + 12_345, seed: 7);
        // The first attempt at part 2 loses its connection, as on a flaky network; the component retries it.
        await CountPartRequestsAsync(dropFirstAttemptOf: 2);

        await OpenUploadsPageAsync();
        await _page.Locator("#upload-input").SetInputFilesAsync(file);

        await Expect(_page.Locator("#upload-percent")).ToHaveTextAsync("100%", new() { Timeout = 120_000 });
        await Expect(_page.Locator("#upload-done")).ToContainTextAsync("scan-volume.raw was uploaded.");
        var row = _page.Locator("#uploads-table tr", new() { HasText = "scan-volume.raw" });
        await Expect(row).ToContainTextAsync("Completed");
        await Expect(row).ToContainTextAsync("20 MiB");
        await ScreenshotAsync("uploads");

        _partRequests.Should().BeEquivalentTo(new Dictionary<int, int> { [1] = 1, [2] = 2, [3] = 1 }, "three 8 MiB parts, part 2 sent twice");
        var stored = fixture.App.Db(db => db.UserUploads.Single(u => u.CreatorId == user));
        stored.Status.Should().Be(UploadStatus.Completed);
        stored.Size.Should().Be(new FileInfo(file).Length);
        stored.Sha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file))));
        stored.ExpectedSha256.Should().Be(stored.Sha256, "the page sent the checksum it computed, and the server checked it");
        await Expect(row.Locator(".gc-upload-sha")).ToHaveTextAsync(stored.Sha256![..12]);
    }

    [Fact]
    public async Task After_a_reload_picking_the_same_file_sends_only_the_missing_parts()
    {
        var user = await SignInAsNewUserAsync("re");
        var file = WriteFile("resumed.bin", 2 * 8 * 1024 * 1024 + 4096, seed: 8);
        await CountPartRequestsAsync(dropEveryAttemptOf: 3);

        await OpenUploadsPageAsync();
        await _page.Locator("#upload-input").SetInputFilesAsync(file);
        await WaitUntilAsync(() => fixture.App.Db(db => db.UploadParts.Count(p => db.UserUploads.Any(u => u.Id == p.UploadId && u.CreatorId == user))) == 2);
        await Expect(_page.Locator("#upload-status")).ToContainTextAsync(new Regex("retrying|trying again"));

        // Reload while part 3 still fails, then let the network work again and pick the same file.
        await OpenUploadsPageAsync();
        await _page.UnrouteAllAsync(new() { Behavior = UnrouteBehavior.IgnoreErrors });
        _partRequests.Clear();
        await CountPartRequestsAsync();
        // The resume message can be replaced within milliseconds on a quick machine: record every status shown.
        await _page.EvaluateAsync("""
            () => {
                window.gcStatuses = [];
                new MutationObserver(() => window.gcStatuses.push(document.querySelector('#upload-status')?.textContent ?? ''))
                    .observe(document.body, { subtree: true, childList: true, characterData: true });
            }
            """);
        await _page.Locator("#upload-input").SetInputFilesAsync(file);

        await Expect(_page.Locator("#upload-percent")).ToHaveTextAsync("100%", new() { Timeout = 60_000 });
        (await _page.EvaluateAsync<string[]>("() => window.gcStatuses")).Should().Contain(s => s.Contains("Resuming: 2 of 3 parts are already on the server."));
        await Expect(_page.Locator("#uploads-table tr", new() { HasText = "resumed.bin" })).ToContainTextAsync("Completed");
        _partRequests.Keys.Should().Equal([3], "parts 1 and 2 were already on the server");
        var uploads = fixture.App.Db(db => db.UserUploads.Where(u => u.CreatorId == user).ToList());
        uploads.Should().ContainSingle("the reload resumed the upload instead of starting another")
            .Which.Sha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file))));
    }

    private async Task<Guid> SignInAsNewUserAsync(string prefix)
    {
        var username = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        var user = await fixture.App.CreateUserAsync(username, password: Password);
        await _page.GotoAsync("account/login");
        await _page.Locator("#login-name").FillAsync(username);
        await _page.Locator("#login-password").FillAsync(Password);
        await _page.Locator("#login-submit").ClickAsync();
        await Expect(_page.Locator("#profile-link")).ToHaveTextAsync(username);
        return user.Id;
    }

    /// <summary>Opens /uploads and waits until the circuit is up and the upload module listens to the file input.</summary>
    private async Task OpenUploadsPageAsync()
    {
        await _page.GotoAsync("uploads");
        await Expect(_page.Locator("#upload-input[data-upload-ready]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
    }

    private async Task CountPartRequestsAsync(int? dropFirstAttemptOf = null, int? dropEveryAttemptOf = null) =>
        await _page.RouteAsync(PartUrl(), async route =>
        {
            var part = int.Parse(PartUrl().Match(route.Request.Url).Groups[1].Value);
            var attempt = _partRequests.AddOrUpdate(part, 1, (_, count) => count + 1);
            if ((part == dropFirstAttemptOf && attempt == 1) || part == dropEveryAttemptOf)
            {
                await route.AbortAsync("connectionreset");
            }
            else
            {
                await route.ContinueAsync();
            }
        });

    private string WriteFile(string name, int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        var path = Path.Combine(_files, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not become true within 60 s.");
            }

            await Task.Delay(100);
        }
    }

    private async Task ScreenshotAsync(string name)
    {
        var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        await _page.ScreenshotAsync(new() { Path = Path.Combine(directory, $"{name}.png"), FullPage = true });
    }

    [GeneratedRegex(@"/api/v1/uploads/[^/]+/[^/]+/parts/(\d+)/")]
    private static partial Regex PartUrl();
}
