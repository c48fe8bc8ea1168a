using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Imaging.Import;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Tests.Domain.Imaging;
using GrandChallenge.Tests.Domain.Imaging.Import;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Tests.Web.Components;
using GrandChallenge.Web.Features.Archives;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace GrandChallenge.Tests.Web.Cases;

/// <summary>The web host with an image builder that holds every import until the test lets it go.</summary>
public sealed class GatedImportAppFixture() : AppFixture(DatabaseProvider.Sqlite, services: services =>
{
    services.AddSingleton<GatedImportAppFixture.Gate>();
    services.AddSingleton<IImageBuilder>(sp => sp.GetRequiredService<Gate>());
})
{
    /// <summary>Runs before every real builder and waits until <see cref="Release"/> is set.</summary>
    public sealed class Gate : IImageBuilder
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ManualResetEventSlim Release { get; } = new();

        public int Order => 0;

        public ImageBuildResult Build(IReadOnlyList<string> files, ImageBuildContext context, CancellationToken ct)
        {
            Entered.TrySetResult();
            Release.Wait(TimeSpan.FromSeconds(60), ct);
            return ImageBuildResult.Empty;
        }
    }
}

/// <summary>The upload panel of the archive page cancelling an import that is under way, on the real services.</summary>
[Trait("Category", "Integration")]
public sealed class ImageUploadPanelCancelTests : BunitContextBase, IClassFixture<GatedImportAppFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly GatedImportAppFixture _fixture;
    private readonly BunitAuthorizationContext _auth;

    public ImageUploadPanelCancelTests(GatedImportAppFixture fixture)
    {
        _fixture = fixture;
        Use<IArchiveService>();
        Use<IArchiveItemService>();
        Use<ISocketService>();
        Use<GrandChallenge.Web.Features.Challenges.MarkdownRenderer>();
        Use<IChangeNotifier>();
        Use<IUploadSessionService>();
        _auth = AddAuthorization();
        Render<MudPopoverProvider>();
    }

    private void Use<T>()
        where T : class => Services.AddSingleton(_ => _fixture.App.Services.GetRequiredService<T>());

    private T Service<T>() where T : notnull => _fixture.App.Services.GetRequiredService<T>();

    [Fact]
    public async Task An_import_cancelled_from_the_panel_while_it_runs_shows_cancelled_and_adds_nothing_to_the_archive()
    {
        await DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());
        var user = await _fixture.App.CreateUserAsync($"cpan{Guid.NewGuid():N}"[..16]);
        _auth.SetAuthorized(user.UserName!);
        _auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
        var editor = new Actor(user.Id, false);
        var archive = (await Service<IArchiveService>().CreateAsync(editor, new NewArchive($"Cancel archive {Guid.NewGuid():N}"))).Value!;
        var page = Render<ArchiveDetailPage>(p => p.Add(c => c.Slug, archive.Slug));
        page.WaitForAssertion(() => page.Find("#image-upload-panel"), Patience);

        var directory = TestImages.TempDir();
        await using (var content = File.OpenRead(ImportTestFiles.WriteMha(directory)))
        {
            var upload = await Service<IUploadService>().UploadFileAsync(editor, "scan.mha", content, null, null);
            var picker = page.FindComponent<GrandChallenge.Web.Components.Shared.ResumableUpload>();
            await page.InvokeAsync(() => picker.Instance.OnCompleted.InvokeAsync(upload.Value!.Id));
        }

        page.Find("#image-import").Click();
        await _fixture.App.Services.GetRequiredService<GatedImportAppFixture.Gate>().Entered.Task.WaitAsync(Patience);
        page.WaitForAssertion(() => page.Find("[data-session-status]").TextContent.Should().Be("Started"), Patience);
        var sessionId = Guid.Parse(page.Find("[data-upload-session]").GetAttribute("data-upload-session")!);

        page.Find($"[data-session-cancel='{sessionId}']").Click();

        page.WaitForAssertion(() => page.Find("[data-session-status]").TextContent.Should().Be("Cancelled"), Patience);
        page.Find("[data-session-error]").TextContent.Should().Be(UploadSessionService.CancelledMessage);
        page.FindAll("[data-session-cancel]").Should().BeEmpty("an ended session cannot be cancelled again");

        Service<GatedImportAppFixture.Gate>().Release.Set();
        var blobs = Service<IBlobStore>();
        var key = _fixture.App.Db(db => db.UploadSessions.Single(s => s.Id == sessionId).Files).Single().BlobKey;
        for (var i = 0; i < 300 && blobs.Exists(key); i++)
        {
            await Task.Delay(50);
        }

        blobs.Exists(key).Should().BeFalse("the import ended and deleted the uploaded file");
        _fixture.App.Db(db => db.Images.Any(i => i.OriginId == sessionId)).Should().BeFalse("the cancelled import stored no image");
        _fixture.App.Db(db => db.UploadSessions.Single(s => s.Id == sessionId).Status).Should().Be(UploadSessionStatus.Cancelled);
        page.FindAll("[data-item]").Should().BeEmpty();
        Directory.Delete(directory, recursive: true);
    }
}
