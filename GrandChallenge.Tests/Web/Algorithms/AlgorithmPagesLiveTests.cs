using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Tests.Domain.Algorithms;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Tests.Web.Components;
using GrandChallenge.Web.Features.Algorithms;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace GrandChallenge.Tests.Web.Algorithms;

/// <summary>The algorithm pages rendered with bUnit on the real domain services of a test host, following changes live.</summary>
[Trait("Category", "Integration")]
public sealed class AlgorithmPagesLiveTests : BunitContextBase, IClassFixture<SqliteAppFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly InterfaceDraft ImageToOverlay = new([DefaultSockets.GenericMedicalImage], [DefaultSockets.GenericOverlay]);
    private readonly SqliteAppFixture _fixture;
    private readonly BunitAuthorizationContext _auth;

    public AlgorithmPagesLiveTests(SqliteAppFixture fixture)
    {
        _fixture = fixture;
        Use<IAlgorithmService>();
        Use<IAlgorithmModelService>();
        Use<IContainerImageService>();
        Use<ISocketService>();
        Use<IUploadService>();
        Use<GrandChallenge.Web.Features.Challenges.MarkdownRenderer>();
        Use<IChangeNotifier>();
        _auth = AddAuthorization();
        Render<MudPopoverProvider>();
    }

    private void Use<T>()
        where T : class => Services.AddSingleton(_ => _fixture.App.Services.GetRequiredService<T>());

    private T Service<T>() where T : notnull => _fixture.App.Services.GetRequiredService<T>();

    private async Task<Actor> SignInAsync(string prefix)
    {
        var user = await _fixture.App.CreateUserAsync($"{prefix}{Guid.NewGuid():N}"[..16]);
        _auth.SetAuthorized(user.UserName!);
        _auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
        return new Actor(user.Id, false);
    }

    private async Task<Algorithm> AlgorithmAsync(Actor editor, bool isPublic = false, string? title = null)
    {
        await DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());
        var created = await Service<IAlgorithmService>().CreateAsync(editor,
            new NewAlgorithm(title ?? $"Live algorithm {Guid.NewGuid():N}", [ImageToOverlay], Detail: "Reads **CT** scans", Public: isPublic, MemoryGb: 12, RequiresGpu: true));
        return created.Value ?? throw new InvalidOperationException(created.Error);
    }

    private static async Task OpenTabAsync(IRenderedComponent<AlgorithmDetailPage> page, string text)
    {
        page.WaitForAssertion(() => page.Find("#algorithm-editor-tabs"), Patience);
        await page.InvokeAsync(() => page.FindAll(".mud-tab").First(e => e.TextContent.Trim() == text).Click());
    }

    [Fact]
    public async Task An_uploaded_image_shows_its_import_status_live_and_activating_a_completed_one_makes_the_algorithm_ready()
    {
        var editor = await SignInAsync("editor");
        var algorithm = await AlgorithmAsync(editor);

        var page = Render<AlgorithmDetailPage>(p => p.Add(c => c.Slug, algorithm.Slug));
        page.WaitForAssertion(() => page.Find("#image-empty").Should().NotBeNull(), Patience);
        page.Find("#algorithm-detail").InnerHtml.Should().Contain("<strong>CT</strong>");
        page.Find("#algorithm-memory").TextContent.Should().Be("12 GB");
        page.Find("#algorithm-gpu").TextContent.Should().Be("Required");
        page.Find("#algorithm-status").TextContent.Should().Contain("Not ready");
        page.Find($"[data-interface-inputs='{algorithm.InterfaceIds[0]}']").TextContent.Should().Contain("Generic Medical Image").And.Contain("Image");
        page.Find("#algorithm-run-link").HasAttribute("href").Should().BeFalse("an algorithm without an active image cannot run yet");
        page.Find("#algorithm-jobs-link").GetAttribute("href").Should().Be($"/algorithms/{algorithm.Slug}/jobs");

        // Uploaded elsewhere (another tab, the API): the import fails in the background and the page follows it.
        var uploaded = await Service<IContainerImageService>().CreateAsync(ContainerImageKind.Algorithm, algorithm.Id, editor,
            new MemoryStream(new byte[3000]), "broken.tar", "from elsewhere");
        uploaded.Succeeded.Should().BeTrue(uploaded.Error);
        var id = uploaded.Value!.Id;
        page.WaitForAssertion(() => page.Find($"[data-image-status='{id}']").TextContent.Trim().Should().Be("Failed"), Patience);
        page.Find($"[data-image-message='{id}']").TextContent.Should().NotBeEmpty();
        page.FindAll($"[data-image-activate='{id}']").Should().BeEmpty("a failed import cannot be activated");

        var completed = new ContainerImage
        {
            Kind = ContainerImageKind.Algorithm,
            OwnerId = algorithm.Id,
            Filename = "good.tar",
            BlobKey = "container-images/x/good.tar",
            ImportStatus = ContainerImageImportStatus.Completed,
            IsManifestValid = true,
            IsLoaded = true,
            ImageSha256 = "sha256:" + new string('c', 64),
        };
        await using (var db = Service<IDbContextFactory<AppDbContext>>().CreateDbContext())
        {
            db.ContainerImages.Add(completed);
            await db.SaveChangesAsync();
        }

        Service<IChangeNotifier>().Publish(ContainerImageConventions.AllTopic, completed.Id);
        page.WaitForAssertion(() => page.Find($"[data-image-activate='{completed.Id}']"), Patience);
        await page.InvokeAsync(() => page.Find($"[data-image-activate='{completed.Id}']").Click());
        page.WaitForAssertion(() =>
        {
            page.Find($"[data-image-active='{completed.Id}']").TextContent.Should().Contain("Active");
            page.Find("#algorithm-status").TextContent.Should().Be("Ready to run");
            page.Find("#algorithm-active-image").TextContent.Should().Contain("good.tar");
            page.Find("#algorithm-run-link").GetAttribute("href").Should().Be($"/algorithms/{algorithm.Slug}/jobs/create");
        }, Patience);
    }

    [Fact]
    public async Task Models_uploaded_elsewhere_appear_and_are_deactivated_from_the_page()
    {
        var editor = await SignInAsync("editor");
        var algorithm = await AlgorithmAsync(editor);
        var page = Render<AlgorithmDetailPage>(p => p.Add(c => c.Slug, algorithm.Slug));
        await OpenTabAsync(page, "Models");
        page.WaitForAssertion(() => page.Find("#model-empty"), Patience);

        var model = (await Service<IAlgorithmModelService>().UploadAsync(editor, algorithm.Id, AlgorithmModelServiceTests.TarGz(("w.bin", "live")), "live.tar.gz", null)).Value!;
        page.WaitForAssertion(() =>
        {
            page.Find($"[data-model-active='{model.Id}']");
            page.Find("#algorithm-active-model").TextContent.Should().Contain("live.tar.gz");
        }, Patience);

        await page.InvokeAsync(() => page.Find($"[data-model-deactivate='{model.Id}']").Click());
        page.WaitForAssertion(() =>
        {
            page.FindAll($"[data-model-active='{model.Id}']").Should().BeEmpty();
            page.Find("#algorithm-active-model").TextContent.Should().Contain("None");
        }, Patience);
        _fixture.App.Db(db => db.AlgorithmModels.Single(m => m.Id == model.Id).IsDesiredVersion).Should().BeFalse();
    }

    [Fact]
    public async Task A_signed_in_visitor_requests_access_and_sees_the_editors_answer_live()
    {
        var editorUser = await _fixture.App.CreateUserAsync($"ed{Guid.NewGuid():N}"[..16]);
        var editor = new Actor(editorUser.Id, false);
        var algorithm = await AlgorithmAsync(editor, isPublic: true);
        var visitor = await SignInAsync("visitor");

        var page = Render<AlgorithmDetailPage>(p => p.Add(c => c.Slug, algorithm.Slug));
        page.WaitForAssertion(() => page.Find("#access-request"), Patience);
        page.FindAll("#algorithm-run-link").Should().BeEmpty("visitors without access cannot run it");
        page.FindAll("#algorithm-editor-tabs").Should().BeEmpty();

        await page.InvokeAsync(() => page.Find("#access-request").Click());
        page.WaitForAssertion(() => page.Find("#access-pending"), Patience);

        var request = (await Service<IAlgorithmService>().AccessRequestsAsync(editor, algorithm.Id)).Value!.Single(r => r.UserId == visitor.UserId);
        (await Service<IAlgorithmService>().DecideAccessRequestAsync(editor, request.Id, true)).Succeeded.Should().BeTrue();
        page.WaitForAssertion(() =>
        {
            page.Find("#access-user");
            page.Find("#algorithm-run-link");
        }, Patience);
    }

    [Fact]
    public async Task Editors_see_requests_in_the_members_tab_and_accept_them()
    {
        var editor = await SignInAsync("editor");
        var algorithm = await AlgorithmAsync(editor, isPublic: true);
        var page = Render<AlgorithmDetailPage>(p => p.Add(c => c.Slug, algorithm.Slug));
        await OpenTabAsync(page, "Members");
        page.WaitForAssertion(() => page.Find("#access-request-empty"), Patience);

        var requesterUser = await _fixture.App.CreateUserAsync($"rq{Guid.NewGuid():N}"[..16]);
        (await Service<IAlgorithmService>().RequestAccessAsync(new Actor(requesterUser.Id, false), algorithm.Id)).Succeeded.Should().BeTrue();
        page.WaitForAssertion(() => page.Find($"[data-request-status='{requesterUser.UserName}']").TextContent.Should().Be("Pending"), Patience);

        await page.InvokeAsync(() => page.Find($"[data-request-accept='{requesterUser.UserName}']").Click());
        page.WaitForAssertion(() =>
        {
            page.Find($"[data-request-status='{requesterUser.UserName}']").TextContent.Should().Be("Accepted");
            page.Find($"[data-member-remove='user:{requesterUser.UserName}']");
        }, Patience);
    }

    [Fact]
    public async Task The_list_searches_and_shows_new_public_algorithms_live()
    {
        await SignInAsync("viewer");
        var other = new Actor((await _fixture.App.CreateUserAsync($"ot{Guid.NewGuid():N}"[..16])).Id, false);
        var marker = Guid.NewGuid().ToString("N")[..10];
        var first = await AlgorithmAsync(other, isPublic: true, title: $"Pancreas {marker}");

        var page = Render<AlgorithmListPage>();
        page.WaitForAssertion(() => page.Find($"[data-algorithm='{first.Slug}']"), Patience);

        var second = await AlgorithmAsync(other, isPublic: true, title: $"Kidney {marker}");
        page.WaitForAssertion(() => page.Find($"[data-algorithm='{second.Slug}']"), Patience);

        await page.InvokeAsync(() => page.FindComponents<MudTextField<string>>().Single(c => c.Instance.Label == "Search titles and descriptions")
            .Instance.ValueChanged.InvokeAsync($"kidney {marker}"));
        page.WaitForAssertion(() => page.FindAll("[data-algorithm]").Select(e => e.GetAttribute("data-algorithm")).Should().Equal(second.Slug), Patience);
    }

    [Fact]
    public async Task The_create_page_makes_an_algorithm_with_the_chosen_sockets_and_shows_field_errors()
    {
        var creator = await SignInAsync("creator");
        await DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());
        var page = Render<AlgorithmCreatePage>();
        page.WaitForAssertion(() => page.Find("#algorithm-form"), Patience);

        await page.InvokeAsync(() => page.Find("#algorithm-create").Click());
        page.WaitForAssertion(() => page.Find("#algorithm-error"), Patience);
        page.Find("#interfaces-error").TextContent.Should().NotBeEmpty();

        var title = $"Created in page {Guid.NewGuid():N}"[..28];
        var selects = page.FindComponents<MudSelect<string>>();
        await page.InvokeAsync(async () =>
        {
            await page.FindComponents<MudTextField<string>>().Single(c => c.Instance.Label == "Title").Instance.ValueChanged.InvokeAsync(title);
            await selects.Single(c => c.Instance.Label == "Inputs").Instance.SelectedValuesChanged.InvokeAsync([DefaultSockets.GenericMedicalImage]);
            await selects.Single(c => c.Instance.Label == "Outputs").Instance.SelectedValuesChanged.InvokeAsync([DefaultSockets.GenericOverlay]);
        });
        await page.InvokeAsync(() => page.Find("#algorithm-create").Click());

        var navigation = Services.GetRequiredService<NavigationManager>();
        page.WaitForAssertion(() => navigation.Uri.Should().EndWith("/algorithms/" + title.ToLowerInvariant().Replace(' ', '-')), Patience);
        var stored = _fixture.App.Db(db => db.Algorithms.Single(a => a.Title == title));
        stored.CreatorId.Should().Be(creator.UserId);
        stored.InterfaceIds.Should().ContainSingle();
    }
}
