using System.Security.Claims;
using System.Text.Json.Nodes;
using Bunit;
using Bunit.TestDoubles;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Web.Components;
using GrandChallenge.Web.Features.Algorithms;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace GrandChallenge.Tests.Web.Algorithms;

/// <summary>The algorithm job pages rendered with bUnit on the real services of a test host, jobs running on the real engine.</summary>
[Trait("Category", "Docker")]
public sealed class AlgorithmJobPagesTests : BunitContextBase, IClassFixture<AlgorithmJobWorld>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly AlgorithmJobWorld _world;
    private readonly BunitAuthorizationContext _auth;

    public AlgorithmJobPagesTests(AlgorithmJobWorld world)
    {
        _world = world;
        Use<IAlgorithmAccess>();
        Use<IAlgorithmJobService>();
        Use<IImageAccess>();
        Use<IChangeNotifier>();
        Use<IDbContextFactory<AppDbContext>>();
        Use<IUploadSessionService>();
        Use<GrandChallenge.Web.Features.Challenges.MarkdownRenderer>();
        _auth = AddAuthorization();
        Render<MudPopoverProvider>();
    }

    private void Use<T>()
        where T : class => Services.AddSingleton(_ => _world.App.Services.GetRequiredService<T>());

    private IAlgorithmJobService Jobs => _world.App.Services.GetRequiredService<IAlgorithmJobService>();

    private void SignIn(ApplicationUser user)
    {
        _auth.SetAuthorized(user.UserName!);
        _auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
    }

    private async Task<Guid> UserImageAsync() => Guid.Parse(await AlgorithmJobWorld.ImageIdAsync(_world.App, await _world.UploadImageAsync(_world.User)));

    private async Task<AlgorithmJobView> StartAsync(Guid imageId, string? mode = null)
    {
        List<JobInputDraft> inputs = [JobInputDraft.OfImage(AlgorithmJobWorld.InputSocket, imageId)];
        if (mode is not null)
        {
            inputs.Add(JobInputDraft.OfValue(AlgorithmJobWorld.ModeSocket, JsonValue.Create(mode)));
        }

        var created = await Jobs.CreateAsync(new Actor(_world.UserUser.Id, false), _world.Algorithm.Id, inputs, reuse: false);
        created.Succeeded.Should().BeTrue(created.Error);
        return created.Value!.Job;
    }

    [Fact]
    public async Task The_job_page_follows_the_job_live_and_shows_its_outputs_logs_only_to_editors()
    {
        var job = await StartAsync(await UserImageAsync(), "page");
        SignIn(_world.UserUser);

        var page = Render<AlgorithmJobPage>(p => p.Add(c => c.Id, job.Id));

        page.WaitForAssertion(() => page.Find("#job-status").TextContent.Should().Be("Succeeded"), Patience);
        page.WaitForAssertion(() => page.FindAll($"[data-side='output'][data-value='{AlgorithmJobWorld.MaskSocket}'] .gc-slice-viewer").Should().HaveCount(1), Patience);
        page.Find($"[data-json='{AlgorithmJobWorld.FractionSocket}']").TextContent.Should().Be("0.992188");
        page.Find($"[data-side='output'][data-value='{AlgorithmJobWorld.MaskSocket}'] [data-shape]").GetAttribute("data-shape").Should().Be("2x8x8");
        page.Find($"[data-json='{AlgorithmJobWorld.ModeSocket}']").TextContent.Should().Be("\"page\"");
        page.FindAll("#job-stdout").Should().BeEmpty("the creator is not an editor");
        page.FindAll("#job-sharing").Should().HaveCount(1, "the creator shares their job");

        // Sharing from the page.
        page.Find("#job-viewer-name").Change(_world.StrangerUser.UserName!);
        page.Find("#job-viewer-add").Click();
        page.WaitForAssertion(() => page.FindAll($"[data-viewer='{_world.StrangerUser.UserName}']").Should().HaveCount(1));

        SignIn(_world.EditorUser);
        var editorPage = Render<AlgorithmJobPage>(p => p.Add(c => c.Id, job.Id));
        editorPage.WaitForAssertion(() => editorPage.Find("#job-stdout").TextContent.Should().Contain("threshold=0.5").And.Contain("mode=none"), Patience);

        SignIn(_world.StrangerUser);
        var strangerPage = Render<AlgorithmJobPage>(p => p.Add(c => c.Id, job.Id));
        strangerPage.WaitForAssertion(() => strangerPage.Find("#job-status").TextContent.Should().Be("Succeeded"));
        strangerPage.FindAll("#job-stdout").Should().BeEmpty();
        strangerPage.FindAll("#job-sharing").Should().BeEmpty("viewers do not share further");
    }

    [Fact]
    public async Task A_failed_job_shows_the_message_and_a_stranger_sees_nothing()
    {
        var job = await StartAsync(await UserImageAsync(), "two-images");
        SignIn(_world.UserUser);

        var page = Render<AlgorithmJobPage>(p => p.Add(c => c.Id, job.Id));

        page.WaitForAssertion(() => page.Find("#job-status").TextContent.Should().Be("Failed"), Patience);
        page.WaitForAssertion(() => (page.Find("#job-error").TextContent + page.Find("#job-detailed-errors").TextContent).Should().Contain("Only 1 image should be produced"));
        page.Find("#job-no-outputs").TextContent.Should().Be("This job produced no outputs.");

        SignIn(_world.StrangerUser);
        var strangerPage = Render<AlgorithmJobPage>(p => p.Add(c => c.Id, job.Id));
        strangerPage.WaitForAssertion(() => strangerPage.Find("#job-missing").TextContent.Should().Contain("No such job"));
    }

    [Fact]
    public async Task The_create_page_runs_the_algorithm_on_a_picked_image_and_goes_to_the_job()
    {
        var imageId = await UserImageAsync();
        SignIn(_world.UserUser);

        var page = Render<AlgorithmJobCreatePage>(p => p.Add(c => c.Slug, _world.Algorithm.Slug));
        page.WaitForAssertion(() => page.FindAll($"[data-input='{AlgorithmJobWorld.InputSocket}']").Should().HaveCount(1));
        page.FindAll($"#input-{AlgorithmJobWorld.InputSocket}-upload-panel").Should().HaveCount(1, "images are uploaded through the import pipeline");

        // Nothing chosen: a message, no job.
        page.Find("#job-submit").Click();
        page.WaitForAssertion(() => page.Find("#job-create-error").TextContent.Should().Contain("upload an image or pick one"));

        var select = page.FindComponents<MudSelect<Guid?>>().Single();
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(imageId));
        page.Find("#job-submit").Click();

        var navigation = Services.GetRequiredService<NavigationManager>();
        page.WaitForAssertion(() => navigation.Uri.Should().Contain("/algorithms/jobs/"), TimeSpan.FromSeconds(15));
        var jobId = Guid.Parse(navigation.Uri.TrimEnd('/').Split('/')[^1]);
        var job = await Jobs.FindAsync(new Actor(_world.UserUser.Id, false), jobId);
        job!.Inputs.Single().ImageId.Should().Be(imageId);
    }

    [Fact]
    public async Task The_create_page_refuses_strangers_and_checks_json_values()
    {
        SignIn(_world.StrangerUser);
        var refused = Render<AlgorithmJobCreatePage>(p => p.Add(c => c.Slug, _world.Algorithm.Slug));
        refused.WaitForAssertion(() => refused.Find("#algorithm-missing").TextContent.Should().Be(AlgorithmJobService.NotFoundMessage));
        refused.FindAll("#job-submit").Should().BeEmpty();

        var imageId = await UserImageAsync();
        SignIn(_world.UserUser);
        var page = Render<AlgorithmJobCreatePage>(p => p.Add(c => c.Slug, _world.Algorithm.Slug));
        page.WaitForAssertion(() => page.FindAll("#job-interface").Should().HaveCount(1, "the algorithm has two interfaces"));
        var steered = page.FindComponents<MudSelect<int>>().Single();
        var second = (await _world.App.Services.GetRequiredService<IAlgorithmAccess>().FindAsync(new Actor(_world.UserUser.Id, false), _world.Algorithm.Id))!.Algorithm.InterfaceIds[1];
        await page.InvokeAsync(() => steered.Instance.ValueChanged.InvokeAsync(second));
        page.WaitForAssertion(() => page.FindAll($"[data-input='{AlgorithmJobWorld.ModeSocket}']").Should().HaveCount(1));
        await page.InvokeAsync(() => page.FindComponents<MudSelect<Guid?>>().Single().Instance.ValueChanged.InvokeAsync(imageId));

        page.Find($"#input-json-{AlgorithmJobWorld.ModeSocket}").Change("not json");
        page.Find("#job-submit").Click();
        page.WaitForAssertion(() => page.Find("#job-create-error").TextContent.Should().Contain("not valid JSON"));

        page.Find($"#input-json-{AlgorithmJobWorld.ModeSocket}").Change("42");
        page.Find("#job-submit").Click();
        page.WaitForAssertion(() => page.Find("#job-create-error").TextContent.Should().Contain(AlgorithmJobWorld.ModeSocket));
    }

    [Fact]
    public async Task The_job_list_filters_by_status_and_shows_new_jobs_live()
    {
        var algorithm = await _world.CreateAlgorithmAsync($"list-{Guid.NewGuid():N}"[..20], "Listed");
        SignIn(_world.UserUser);
        var page = Render<AlgorithmJobListPage>(p => p.Add(c => c.Slug, algorithm.Slug));
        page.WaitForAssertion(() => page.Find("#job-empty").TextContent.Should().Be("No jobs to show."));
        page.FindAll("#job-create-link").Should().HaveCount(1);

        var imageId = await UserImageAsync();
        var created = await Jobs.CreateAsync(new Actor(_world.UserUser.Id, false), algorithm.Id, [JobInputDraft.OfImage(AlgorithmJobWorld.InputSocket, imageId)]);
        created.Succeeded.Should().BeTrue(created.Error);
        var id = created.Value!.Job.Id;

        page.WaitForAssertion(() => page.FindAll($"[data-job='{id}']").Should().HaveCount(1), Patience);
        page.WaitForAssertion(() => page.Find($"[data-job-status='{id}']").TextContent.Should().Be("Succeeded"), Patience);

        var filter = page.FindComponents<MudSelect<string>>().Single();
        await page.InvokeAsync(() => filter.Instance.ValueChanged.InvokeAsync("Failed"));
        page.WaitForAssertion(() => page.FindAll($"[data-job='{id}']").Should().BeEmpty());
        await page.InvokeAsync(() => filter.Instance.ValueChanged.InvokeAsync("Succeeded"));
        page.WaitForAssertion(() => page.FindAll($"[data-job='{id}']").Should().HaveCount(1));

        SignIn(_world.StrangerUser);
        var strangerPage = Render<AlgorithmJobListPage>(p => p.Add(c => c.Slug, algorithm.Slug));
        strangerPage.WaitForAssertion(() => strangerPage.Find("#algorithm-missing").TextContent.Should().Be(AlgorithmJobService.NotFoundMessage));
    }
}
