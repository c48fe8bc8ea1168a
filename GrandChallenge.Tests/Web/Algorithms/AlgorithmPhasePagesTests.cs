using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Tests.Web.Components;
using GrandChallenge.Tests.Web.Evaluation;
using GrandChallenge.Web.Features.Evaluation;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace GrandChallenge.Tests.Web.Algorithms;

/// <summary>The algorithm-phase parts of the phase settings and submit pages, rendered with bUnit on the host's real services.</summary>
[Trait("Category", "Integration")]
public sealed class AlgorithmPhasePagesTests : BunitContextBase, IClassFixture<EvaluationPagesFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly EvaluationPagesFixture _fixture;
    private readonly BunitAuthorizationContext _auth;

    public AlgorithmPhasePagesTests(EvaluationPagesFixture fixture)
    {
        _fixture = fixture;
        Use<IPhaseService>();
        Use<IChallengeAccess>();
        Use<IChallengeNavigation>();
        Use<GrandChallenge.Web.Features.Challenges.MarkdownRenderer>();
        Use<ISubmissionService>();
        Use<IEvaluationService>();
        Use<IAlgorithmSubmissionService>();
        Use<AlgorithmEvaluationPipeline>();
        Use<ILeaderboardService>();
        Use<IGroundTruthService>();
        Use<IUploadService>();
        Use<IContainerImageService>();
        Use<IChangeNotifier>();
        Use<TimeProvider>();
        JSInterop.SetupModule("./js/resumable-upload.js");
        _auth = AddAuthorization();
        Render<MudPopoverProvider>();
    }

    private void Use<T>()
        where T : class => Services.AddSingleton(_ => _fixture.App.Services.GetRequiredService<T>());

    private void SignIn(ApplicationUser user)
    {
        _auth.SetAuthorized(user.UserName!);
        _auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
    }

    private async Task<(string In, string Out)> SocketsAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var sockets = _fixture.App.Services.GetRequiredService<ISocketService>();
        var site = new Actor(Guid.NewGuid(), IsSiteAdmin: true);
        var input = await sockets.CreateAsync(site, new SocketDraft($"Pages in {tag}", SocketKinds.Float, $"pages-in-{tag}.json"));
        var output = await sockets.CreateAsync(site, new SocketDraft($"Pages out {tag}", SocketKinds.Float, $"pages-out-{tag}.json"));
        return (input.Value!.Slug, output.Value!.Slug);
    }

    [Fact]
    public async Task The_settings_tab_shows_the_algorithm_fields_checks_them_and_saves_the_links()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App, phase: p => p.Settings = p.Settings with { SubmissionLimit = 0, SubmissionKind = SubmissionKind.Algorithm });
        var (input, output) = await SocketsAsync();
        var archive = await _fixture.App.Services.GetRequiredService<IArchiveService>().CreateAsync(world.AdminActor, new NewArchive($"Pages {Guid.NewGuid():N}"[..16]));
        SignIn(world.Admin);
        var page = Render<PhaseAdminPage>(p => p.Add(c => c.ShortName, world.ShortName).Add(c => c.Slug, world.Phase.Slug));
        page.WaitForAssertion(() => page.Find("input#phase-archive"), Patience);

        page.Find("input#phase-archive").Change("no-such-archive");
        page.Find("#phase-save").Click();
        page.WaitForAssertion(() => page.Markup.Should().Contain("No archive with that slug that you may use."), Patience);

        page.Find("input#phase-archive").Change(archive.Value!.Slug);
        page.Find("textarea#phase-interfaces").Change($"no-such-socket -> {output}");
        page.Find("#phase-save").Click();
        page.WaitForAssertion(() => page.Markup.Should().Contain("No such socket: no-such-socket"), Patience);
        _fixture.App.Db(db => db.Phases.Single(p => p.Id == world.Phase.Id).ArchiveId).Should().BeNull("nothing is saved while a field is wrong");

        page.Find("input#phase-algorithm-time-limit").Change("600");
        page.Find("textarea#phase-interfaces").Change($"{input} -> {output}");
        page.Find("#phase-save").Click();
        page.WaitForAssertion(() => page.Find("#phase-saved"), Patience);

        var saved = _fixture.App.Db(db => db.Phases.Single(p => p.Id == world.Phase.Id));
        saved.ArchiveId.Should().Be(archive.Value.Id);
        saved.AlgorithmTimeLimitSeconds.Should().Be(600);
        saved.AlgorithmInterfaceIds.Should().HaveCount(1);
    }

    [Fact]
    public async Task The_submit_page_lists_the_participants_algorithms_with_their_ready_images_and_creates_one()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App, phase: p => p.Settings = p.Settings with { SubmissionLimit = 0, SubmissionKind = SubmissionKind.Algorithm });
        var (input, output) = await SocketsAsync();
        var phases = _fixture.App.Services.GetRequiredService<IPhaseService>();
        var updated = await phases.UpdateAsync(world.AdminActor, world.Phase.Id, new PhaseSettings
        {
            AlgorithmInterfaces = [new PhaseInterfaceSetting([input], [output])],
        });
        updated.Succeeded.Should().BeTrue(updated.Error);
        var service = _fixture.App.Services.GetRequiredService<IAlgorithmSubmissionService>();
        var algorithm = await service.CreateForPhaseAsync(world.ParticipantActor, world.Phase.Id, new PhaseAlgorithmRequest("Participant's detector"));
        algorithm.Succeeded.Should().BeTrue(algorithm.Error);
        await using (var db = _fixture.App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext())
        {
            db.ContainerImages.Add(new ContainerImage
            {
                Kind = ContainerImageKind.Algorithm,
                OwnerId = algorithm.Value!.Id,
                BlobKey = "x",
                Filename = "a.tar",
                ImageSha256 = "sha256:" + new string('a', 64),
                ImportStatus = ContainerImageImportStatus.Completed,
                IsManifestValid = true,
                IsLoaded = true,
                IsDesiredVersion = true,
            });
            await db.SaveChangesAsync();
        }

        SignIn(world.Participant);
        var page = Render<SubmitPage>(p => p.Add(c => c.ShortName, world.ShortName).Add(c => c.Slug, world.Phase.Slug));
        page.WaitForAssertion(() => page.Find($"[data-phase-algorithm='{algorithm.Value!.Slug}']").TextContent.Should().Contain("1 image(s) ready"), Patience);

        page.Find("input#phase-algorithm-title").Change("x");
        page.Find("#phase-algorithm-create").Click();
        page.WaitForAssertion(() => page.Markup.Should().Contain("descriptive title"), Patience);

        page.Find("input#phase-algorithm-title").Change("Second detector");
        page.Find("#phase-algorithm-create").Click();
        page.WaitForAssertion(() => page.Find("#phase-algorithm-created"), Patience);
        page.FindAll("[data-phase-algorithm]").Should().HaveCount(2);
    }
}
