using System.Text.RegularExpressions;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Tests.Web.Algorithms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GrandChallenge.Tests.Browser;

/// <summary>
/// A signed-in user creates an algorithm in the browser, uploads two container images and watches them import live,
/// switches the active one back, uploads and re-activates a model, and adds a user; that user sees no editor tabs and a
/// stranger does not see the algorithm at all.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Docker")]
public sealed class AlgorithmManagementBrowserTests(KestrelAppFixture fixture, ChromiumFixture chromium)
    : IClassFixture<KestrelAppFixture>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string Password = "Correct-horse-42";

    private readonly string _temp = TestEnvironment.NewTempDirectory("gc-browser-algorithm");
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private IBrowserContext _context = default!;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(30_000);
        _context = await chromium.Browser.NewContextAsync(new() { BaseURL = fixture.App.ServerAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 900 } });
        _context.SetDefaultTimeout(30_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        // Whatever the test reached, the images it imported leave the engine.
        var imported = fixture.App.Db(db => db.ContainerImages.Where(i => i.Filename.EndsWith($"-{_suffix}.tar")).Select(i => new { i.Kind, i.Id }).ToList());
        foreach (var image in imported)
        {
            await DockerTestImages.RemoveAsync(ContainerImageConventions.EngineTag(image.Kind, image.Id));
        }

        Directory.Delete(_temp, recursive: true);
    }

    [Fact]
    public async Task An_editor_creates_an_algorithm_uploads_images_and_a_model_and_adds_a_user_who_sees_no_editor_tabs()
    {
        try
        {
            await ManageAsync();
        }
        finally
        {
            var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "screenshots");
            Directory.CreateDirectory(directory);
            await _page.ScreenshotAsync(new() { Path = Path.Combine(directory, "algorithm-page.png"), FullPage = true });
        }
    }

    private async Task ManageAsync()
    {
        await DefaultSockets.EnsureAsync(fixture.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        var first = await ArchiveAsync("first");
        var second = await ArchiveAsync("second");
        var model = Path.Combine(_temp, "weights.tar.gz");
        await File.WriteAllBytesAsync(model, AlgorithmJobWorld.TarGz(("weights.txt", "0.5\n")));
        var editor = $"ameditor{_suffix}";
        var member = $"ammember{_suffix}";
        var stranger = $"amstranger{_suffix}";
        foreach (var name in new[] { editor, member, stranger })
        {
            await fixture.App.CreateUserAsync(name, password: Password);
        }

        await SignInAsync(_page, editor);
        await _page.GotoAsync("algorithms/create");
        await BlazorCircuit.WaitAsync(_page);
        var title = $"Browser algorithm {_suffix}";
        await _page.Locator("#algorithm-title").FillAsync(title);
        await _page.Locator("#algorithm-description").FillAsync("Finds lesions, made in the browser");
        await ChooseSocketAsync("#interface-inputs-0", "Generic Medical Image");
        await ChooseSocketAsync("#interface-outputs-0", "Generic Overlay");
        await _page.Locator("#algorithm-create").ClickAsync();

        // Blazor navigates within the page, so no load event comes; the address changes.
        await Expect(_page).ToHaveURLAsync(new Regex($"/algorithms/browser-algorithm-{_suffix}$"));
        await BlazorCircuit.WaitAsync(_page);
        await Expect(_page.Locator("h4#algorithm-title")).ToHaveTextAsync(title);
        await Expect(_page.Locator("[data-interface-inputs]")).ToContainTextAsync("Generic Medical Image");
        await Expect(_page.Locator("[data-interface-outputs]")).ToContainTextAsync("Generic Overlay");
        await Expect(_page.Locator("#algorithm-status")).ToHaveTextAsync("Not ready: no active container image yet");
        await _page.EvaluateAsync("() => window.gcSamePage = true");

        // Container images: each import is followed live; the latest completed one becomes active, the first can be chosen again.
        await Expect(_page.Locator("#image-upload-input[data-upload-ready]")).ToHaveCountAsync(1);
        var firstRow = await UploadImageAsync(first);
        await Expect(_page.Locator("#algorithm-status")).ToHaveTextAsync("Ready to run");
        var secondRow = await UploadImageAsync(second);
        await Expect(firstRow.Locator("[data-image-active]")).ToHaveCountAsync(0);
        await ClickUntilAsync(firstRow.Locator("[data-image-activate]"), firstRow.Locator("[data-image-active]"), 1);
        await Expect(firstRow.Locator("[data-image-active]")).ToHaveTextAsync("Active");
        await Expect(secondRow.Locator("[data-image-active]")).ToHaveCountAsync(0);
        await Expect(_page.Locator("#algorithm-active-image")).ToContainTextAsync(Path.GetFileName(first));

        // Models: the upload is listed and active; deactivated and activated again.
        await _page.Locator(".mud-tab", new() { HasText = "Models" }).ClickAsync();
        await Expect(_page.Locator("#model-upload-input[data-upload-ready]")).ToHaveCountAsync(1);
        await _page.Locator("#model-upload-input").SetInputFilesAsync(model);
        var modelRow = _page.Locator("#model-table tr", new() { HasText = "weights.tar.gz" });
        await Expect(modelRow.Locator("[data-model-active]")).ToHaveTextAsync("Active", new() { Timeout = 60_000 });
        await ClickUntilAsync(modelRow.Locator("[data-model-deactivate]"), modelRow.Locator("[data-model-active]"), 0);
        await Expect(modelRow.Locator("[data-model-active]")).ToHaveCountAsync(0);
        await Expect(_page.Locator("#algorithm-active-model")).ToContainTextAsync("None");
        await ClickUntilAsync(modelRow.Locator("[data-model-activate]"), modelRow.Locator("[data-model-active]"), 1);
        await Expect(modelRow.Locator("[data-model-active]")).ToHaveTextAsync("Active");
        await Expect(_page.Locator("#algorithm-active-model")).ToContainTextAsync("weights.tar.gz");

        // Members: the new user is listed.
        await _page.Locator(".mud-tab", new() { HasText = "Members" }).ClickAsync();
        await _page.Locator("#member-username").FillAsync(member);
        await _page.Locator("#member-add").ClickAsync();
        await Expect(_page.Locator("#algorithm-members-table tr", new() { HasText = member })).ToContainTextAsync("user");
        (await _page.EvaluateAsync<bool>("() => window.gcSamePage === true")).Should().BeTrue("everything above happened without a reload");

        var algorithm = fixture.App.Db(db => db.Algorithms.Single(a => a.Title == title));
        var active = fixture.App.Db(db => db.ContainerImages.Single(i => i.OwnerId == algorithm.Id && i.IsDesiredVersion));
        (active.Filename, active.ImportStatus, active.IsLoaded).Should().Be((Path.GetFileName(first), ContainerImageImportStatus.Completed, true));
        fixture.App.Db(db => db.AlgorithmModels.Count(m => m.AlgorithmId == algorithm.Id && m.IsDesiredVersion)).Should().Be(1);

        // The user runs it but does not edit it; a stranger does not see it.
        await using var others = await chromium.Browser.NewContextAsync(new() { BaseURL = fixture.App.ServerAddress.ToString() });
        var memberPage = await others.NewPageAsync();
        await SignInAsync(memberPage, member);
        await memberPage.GotoAsync($"algorithms/{algorithm.Slug}");
        await BlazorCircuit.WaitAsync(memberPage);
        await Expect(memberPage.Locator("h4#algorithm-title")).ToHaveTextAsync(title);
        await Expect(memberPage.Locator("#algorithm-run-link")).ToBeVisibleAsync();
        await Expect(memberPage.Locator("#algorithm-editor-tabs")).ToHaveCountAsync(0);
        await Expect(memberPage.Locator("#algorithm-delete")).ToHaveCountAsync(0);
        await others.ClearCookiesAsync();
        await SignInAsync(memberPage, stranger);
        var response = await memberPage.GotoAsync($"algorithms/{algorithm.Slug}");
        response!.Status.Should().Be(404);
        await Expect(memberPage.Locator("#algorithm-editor-tabs")).ToHaveCountAsync(0);
        await Expect(memberPage.GetByText(title)).ToHaveCountAsync(0);
    }

    private static async Task SignInAsync(IPage page, string username)
    {
        await page.GotoAsync("account/login");
        await page.Locator("#login-name").FillAsync(username);
        await page.Locator("#login-password").FillAsync(Password);
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page.Locator("#profile-link")).ToHaveTextAsync(username);
    }

    /// <summary>
    /// Clicks until <paramref name="changed"/> has <paramref name="count"/> elements. A click that lands while the circuit
    /// re-renders the row (after an upload or a live update) can be dropped, as its event handler was just replaced.
    /// </summary>
    private static async Task ClickUntilAsync(ILocator button, ILocator changed, int count)
    {
        for (var attempt = 0; attempt < 4 && await changed.CountAsync() != count; attempt++)
        {
            try
            {
                await button.ClickAsync(new() { Timeout = 5_000 });
            }
            catch (TimeoutException)
            {
                // The button went as the earlier click took effect.
            }

            for (var wait = 0; wait < 20 && await changed.CountAsync() != count; wait++)
            {
                await Task.Delay(250);
            }
        }
    }

    private async Task ChooseSocketAsync(string selectId, string socketTitle)
    {
        await _page.Locator(".mud-input-control.mud-select", new() { Has = _page.Locator(selectId) }).ClickAsync();
        await _page.Locator(".mud-popover-open .mud-list-item", new() { HasTextRegex = new Regex($"^{Regex.Escape(socketTitle)} \\(") }).ClickAsync();
        // A multi-select stays open after a choice; a click beside it (on its overlay, far from the list) closes it.
        await _page.Mouse.ClickAsync(1350, 880);
        await Expect(_page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }

    /// <summary>Uploads an archive on the images tab and waits, without a reload, until its row says it imported.</summary>
    private async Task<ILocator> UploadImageAsync(string archive)
    {
        var name = Path.GetFileName(archive);
        await _page.Locator("#image-comment").FillAsync($"comment for {name}");
        await _page.Locator("#image-comment").PressAsync("Tab"); // the field commits its value on change
        await _page.Locator("#image-upload-input").SetInputFilesAsync(archive);
        await Expect(_page.Locator("#image-upload-done")).ToContainTextAsync($"{name} was uploaded.", new() { Timeout = 60_000 });
        var row = _page.Locator("#image-table tr", new() { HasText = name });
        await Expect(row).ToContainTextAsync($"comment for {name}");
        await Expect(row.Locator("[data-image-status]")).ToHaveTextAsync("Completed", new() { Timeout = 120_000 });
        await Expect(row.Locator("[data-image-active]")).ToHaveTextAsync("Active");
        return row;
    }

    /// <summary>A valid non-root image of its own, saved as an archive and taken out of the engine, so the import really loads it.</summary>
    private async Task<string> ArchiveAsync(string label)
    {
        var (tag, id) = await DockerTestImages.BuildUniqueAsync("nonroot");
        var archive = Path.Combine(_temp, $"{label}-{_suffix}.tar");
        try
        {
            await DockerTestImages.SaveAsync(archive, tag);
        }
        finally
        {
            await DockerTestImages.RemoveAsync(tag);
        }

        (await DockerTestImages.ExistsAsync(id)).Should().BeFalse();
        return archive;
    }
}
