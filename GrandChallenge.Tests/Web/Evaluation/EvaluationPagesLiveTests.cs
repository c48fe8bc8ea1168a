using System.Diagnostics;
using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Tests.Web.Components;
using GrandChallenge.Web.Components.Shared;
using GrandChallenge.Web.Features.Evaluation;
using GrandChallenge.Workers.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Xunit.Abstractions;

namespace GrandChallenge.Tests.Web.Evaluation;

/// <summary>
/// The evaluation pages rendered with bUnit on the real domain services of a test host: what they show, and that they
/// follow changes announced on the change notifier without a reload.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EvaluationPagesLiveTests : BunitContextBase, IClassFixture<EvaluationPagesFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly EvaluationPagesFixture _fixture;
    private readonly ITestOutputHelper _output;
    private readonly BunitAuthorizationContext _auth;
    private readonly CountingLeaderboards _leaderboards;

    public EvaluationPagesLiveTests(EvaluationPagesFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        // The host's own domain services (a fallback provider would also hand bUnit the host's scoped Blazor services).
        Use<IPhaseService>();
        Use<IChallengeAccess>();
        Use<IChallengeNavigation>();
        Use<GrandChallenge.Web.Features.Challenges.MarkdownRenderer>();
        Use<ISubmissionService>();
        Use<IEvaluationService>();
        Use<GrandChallenge.Domain.Algorithms.IAlgorithmSubmissionService>();
        Use<GrandChallenge.Domain.Algorithms.AlgorithmEvaluationPipeline>();
        _leaderboards = new CountingLeaderboards(fixture.App.Services.GetRequiredService<ILeaderboardService>());
        Services.AddSingleton<ILeaderboardService>(_leaderboards);
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

    private IChangeNotifier Notifier => _fixture.App.Services.GetRequiredService<IChangeNotifier>();

    private void SignIn(ApplicationUser user)
    {
        _auth.SetAuthorized(user.UserName!);
        _auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
    }

    private IRenderedComponent<LeaderboardPage> RenderLeaderboard(EvaluationPagesWorld world) =>
        Render<LeaderboardPage>(p => p.Add(c => c.ShortName, world.ShortName).Add(c => c.Slug, world.Phase.Slug));

    private static string Value(IRenderedComponent<LeaderboardPage> page, Guid evaluationId, string path) =>
        page.Find($"[data-leaderboard-value='{evaluationId}:{path}']").TextContent.Trim();

    [Fact]
    public async Task A_new_result_appears_on_the_open_leaderboard_when_the_phase_is_re_ranked()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App);
        SignIn(world.Participant);
        var page = RenderLeaderboard(world);
        page.WaitForAssertion(() => page.Find("#leaderboard-empty").TextContent.Should().Be("No results yet."), Patience);

        var evaluation = await world.AddEvaluationAsync(world.Participant, ComponentJobStatus.Succeeded, EvaluationPagesWorld.Metrics(0.8));

        page.WaitForAssertion(() => Value(page, evaluation.Id, "score").Should().Be("0.8000"), Patience);
        page.Find($"[data-leaderboard-rank='{evaluation.Id}']").TextContent.Trim().Should().Be("1");
        page.Find($"[data-leaderboard-user='{evaluation.Id}']").TextContent.Should().Be(world.Participant.UserName);
        page.WaitForAssertion(() => page.Find("#leaderboard-charts"), Patience);
        // Scores between 0 and 1 get fractional axis ticks, not just 0 and 1.
        page.FindAll("#chart-best text").Select(t => t.TextContent.Trim()).Should().Contain(t => t.StartsWith("0."));
    }

    [Fact]
    public async Task A_phase_another_admin_creates_appears_on_the_open_phases_page()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App);
        SignIn(world.Admin);
        var page = Render<PhaseListPage>(p => p.Add(c => c.ShortName, world.ShortName));
        page.WaitForAssertion(() => page.Find($"[data-phase='{world.Phase.Slug}']"), Patience);

        var admin = new Actor(world.Admin.Id, false);
        var created = await _fixture.App.Services.GetRequiredService<IPhaseService>()
            .CreateAsync(admin, world.ShortName, new PhaseSettings { Title = "Final test" });

        created.Succeeded.Should().BeTrue(created.Error);
        page.WaitForAssertion(() => page.Find($"[data-phase='{created.Value!.Slug}']").TextContent.Should().Be("Final test"), Patience);
    }

    [Fact]
    public async Task A_burst_of_re_rankings_reloads_the_board_a_few_times_not_once_per_message()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App);
        var evaluation = await world.AddEvaluationAsync(world.Participant, ComponentJobStatus.Succeeded, EvaluationPagesWorld.Metrics(0.3));
        var counting = _leaderboards;
        SignIn(world.Stranger);
        var page = RenderLeaderboard(world);
        page.WaitForAssertion(() => Value(page, evaluation.Id, "score").Should().Be("0.3000"), Patience);
        var before = counting.Reads;

        for (var i = 0; i < 50; i++)
        {
            Notifier.Publish(EvaluationTopics.Leaderboard(world.Phase.Id), world.Phase.Id);
        }

        await using (var db = world.Db())
        {
            await db.Evaluations.Where(e => e.Id == evaluation.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.MetricsJson, EvaluationPagesWorld.Metrics(0.35)));
        }

        Notifier.Publish(EvaluationTopics.Leaderboard(world.Phase.Id), world.Phase.Id);
        page.WaitForAssertion(() => Value(page, evaluation.Id, "score").Should().Be("0.3500"), Patience);
        await Task.Delay(1000);
        (counting.Reads - before).Should().BeInRange(1, 3, "51 messages in a burst are one or two reloads of the board");
    }

    [Fact]
    public async Task Errors_show_as_plus_minus_and_mean_position_scoring_adds_its_column_and_positions()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App, phase: p => p.Settings = p.Settings with
        {
            ScoreErrorPath = "std",
            ScoringMethod = ScoringMethod.MeanPosition,
            ExtraResultColumns = [new ExtraResultColumn("other", "Other", SortOrder.Ascending)],
        });
        var first = await world.AddEvaluationAsync(world.Participant, ComponentJobStatus.Succeeded, EvaluationPagesWorld.Metrics(0.8, std: 0.01));
        var second = await world.AddEvaluationAsync(world.Admin, ComponentJobStatus.Succeeded, EvaluationPagesWorld.Metrics(0.6, std: 0.02));
        SignIn(world.Stranger);

        var page = RenderLeaderboard(world);

        page.WaitForAssertion(() => Value(page, first.Id, "score").Should().Be("0.8000 ± 0.0100 (1)"), Patience);
        Value(page, second.Id, "score").Should().Be("0.6000 ± 0.0200 (2)");
        Value(page, first.Id, "other").Should().Be("0.2000 (1)", "lower is better for this column");
        var headers = page.FindAll("#leaderboard-table th").Select(h => h.TextContent.Trim()).ToList();
        headers.Should().ContainInOrder("#", "User", "Created", "Mean position", "Score (Position)", "Other (Position)");
    }

    [Fact]
    public async Task Ten_thousand_results_render_one_page_at_a_time_and_sort_and_search_on_the_server()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App);
        var users = new List<ApplicationUser>();
        for (var i = 0; i < 10; i++)
        {
            users.Add(await _fixture.App.CreateUserAsync($"many{i}-{Guid.NewGuid():N}"[..14]));
        }

        var seed = Stopwatch.StartNew();
        var rows = Enumerable.Range(0, 10_000)
            .Select(i => (users[i % users.Count].Id, ComponentJobStatus.Succeeded, (string?)EvaluationPagesWorld.Metrics(i / 10_000.0), true, (string?)null, "", "", ""))
            .ToList();
        await world.AddEvaluationsAsync(rows);
        _output.WriteLine($"seeded and ranked 10,000 evaluations in {seed.ElapsedMilliseconds} ms");
        SignIn(world.Stranger);

        var render = Stopwatch.StartNew();
        var page = RenderLeaderboard(world);
        page.WaitForAssertion(() => page.FindAll("#leaderboard-table tbody tr").Count.Should().Be(25), TimeSpan.FromSeconds(30));
        render.Stop();
        _output.WriteLine($"first page of 10,000 results rendered in {render.ElapsedMilliseconds} ms");

        render.ElapsedMilliseconds.Should().BeLessThan(10_000, "the page reads the board once and renders 25 rows");
        var read = Stopwatch.StartNew();
        await _fixture.App.Services.GetRequiredService<ILeaderboardService>().GetAsync(new Actor(world.Stranger.Id, false), world.Phase.Id, new LeaderboardQuery());
        _output.WriteLine($"reading the board of 10,000 results took {read.ElapsedMilliseconds} ms");
        page.Find("#leaderboard-table .mud-table-page-number-information").TextContent.Should().Be("1-25 of 10,000");
        page.FindAll("[data-leaderboard-rank]").First().TextContent.Trim().Should().Be("1");
        page.FindAll("[data-leaderboard-value$=':score']").First().TextContent.Trim().Should().Be("0.9999");

        // Lowest score first: the sort runs over all 10,000 rows, not the page.
        var scoreSort = page.FindAll("#leaderboard-table th .mud-table-sort-label").Single(l => l.TextContent.Contains("Score"));
        scoreSort.Click();
        page.WaitForAssertion(() => page.FindAll("[data-leaderboard-value$=':score']").First().TextContent.Trim().Should().Be("0.0000"), Patience);
        page.FindAll("[data-leaderboard-rank]").First().TextContent.Trim().Should().Be("10000");
        page.FindAll("#leaderboard-table th .mud-table-sort-label").Single(l => l.TextContent.Contains("Score")).Click();
        page.WaitForAssertion(() => page.FindAll("[data-leaderboard-value$=':score']").First().TextContent.Trim().Should().Be("0.9999"), Patience);

        page.Find("#leaderboard-search").Input(users[3].UserName!);
        page.WaitForAssertion(() => page.Find("#leaderboard-table .mud-table-page-number-information").TextContent.Should().Be("1-25 of 1,000"), Patience);
        page.FindAll("[data-leaderboard-user]").Select(u => u.TextContent).Should().AllBe(users[3].UserName);
    }

    [Fact]
    public async Task The_as_of_date_shows_the_board_of_that_day_and_the_export_links_follow_the_filters()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App);
        var early = await world.AddEvaluationAsync(world.Participant, ComponentJobStatus.Succeeded, EvaluationPagesWorld.Metrics(0.4));
        var late = await world.AddEvaluationAsync(world.Admin, ComponentJobStatus.Succeeded, EvaluationPagesWorld.Metrics(0.9));
        await using (var db = world.Db())
        {
            await db.Submissions.Where(s => s.Id == early.SubmissionId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.Created, new DateTimeOffset(2024, 5, 1, 23, 30, 0, TimeSpan.Zero)));
        }

        SignIn(world.Stranger);
        var page = RenderLeaderboard(world);
        page.WaitForAssertion(() => page.FindAll("[data-leaderboard-rank]").Should().HaveCount(2), Patience);
        page.Find("#export-csv").GetAttribute("href").Should().Be($"/api/v1/phases/{world.Phase.Id}/leaderboard/?format=csv");
        page.Find("#export-json").GetAttribute("href").Should().Be($"/api/v1/phases/{world.Phase.Id}/leaderboard/");

        var picker = page.FindComponent<MudDatePicker>();
        await page.InvokeAsync(() => picker.Instance.DateChanged.InvokeAsync(new DateTime(2024, 5, 1)));

        page.WaitForAssertion(() => page.FindAll("[data-leaderboard-rank]").Select(r => r.GetAttribute("data-leaderboard-rank"))
            .Should().Equal(early.Id.ToString()), Patience);
        page.Find($"[data-leaderboard-rank='{early.Id}']").TextContent.Trim().Should().Be("2", "the board of that day keeps today's ranks");
        page.Find("#leaderboard-asof-note").TextContent.Should().Contain("2024-05-01");
        page.Find("#export-csv").GetAttribute("href").Should().Be($"/api/v1/phases/{world.Phase.Id}/leaderboard/?format=csv&date=2024-05-01");
        late.Should().NotBeNull();
    }

    [Fact]
    public async Task A_participants_history_opens_in_a_dialog()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App);
        var older = await world.AddEvaluationAsync(world.Participant, ComponentJobStatus.Succeeded, EvaluationPagesWorld.Metrics(0.5));
        var newer = await world.AddEvaluationAsync(world.Participant, ComponentJobStatus.Succeeded, EvaluationPagesWorld.Metrics(0.7));
        await world.AddEvaluationAsync(world.Admin, ComponentJobStatus.Succeeded, EvaluationPagesWorld.Metrics(0.9));
        SignIn(world.Stranger);
        var dialogs = Render<MudDialogProvider>();
        var page = RenderLeaderboard(world);

        page.WaitForAssertion(() => page.Find($"[data-leaderboard-user='{newer.Id}']").Click(), Patience);

        dialogs.WaitForAssertion(() => dialogs.FindAll("[data-history-row]").Select(r => r.GetAttribute("data-history-row"))
            .Should().Equal(newer.Id.ToString(), older.Id.ToString()), Patience);
        dialogs.Find("#history-table").TextContent.Should().Contain("0.7000").And.Contain("0.5000").And.NotContain("0.9000");
    }

    [Fact]
    public async Task An_unranked_result_says_why_and_logs_show_only_to_those_the_service_allows()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App);
        var evaluation = await world.AddEvaluationAsync(world.Participant, ComponentJobStatus.Succeeded, """{"aggregates": {"other": 1}}""",
            stdout: "Evaluating /input/predictions.csv", stderr: "");

        SignIn(world.Participant);
        var page = Render<EvaluationPage>(p => p.Add(c => c.ShortName, world.ShortName).Add(c => c.Id, evaluation.Id));
        page.WaitForAssertion(() => page.Find("#evaluation-unranked").TextContent.Should().Contain("metrics.json has no number at 'score'"), Patience);
        page.Find("#evaluation-status").TextContent.Trim().Should().Be("Succeeded");
        page.Find("#evaluation-metrics").TextContent.Should().Contain("\"other\": 1");
        page.FindAll("#evaluation-stdout").Should().BeEmpty("the phase does not show participants their logs");

        SignIn(world.Admin);
        var admin = Render<EvaluationPage>(p => p.Add(c => c.ShortName, world.ShortName).Add(c => c.Id, evaluation.Id));
        admin.WaitForAssertion(() => admin.Find("#evaluation-stdout").TextContent.Should().Contain("Evaluating /input/predictions.csv"), Patience);
    }

    [Fact]
    public async Task The_evaluation_page_follows_its_job_and_shows_the_platforms_message()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App);
        var evaluation = await world.AddEvaluationAsync(world.Participant, ComponentJobStatus.Executing);
        SignIn(world.Participant);
        var page = Render<EvaluationPage>(p => p.Add(c => c.ShortName, world.ShortName).Add(c => c.Id, evaluation.Id));
        page.WaitForAssertion(() => page.Find("#evaluation-status").TextContent.Trim().Should().Be("Executing"), Patience);

        await world.SetJobAsync(evaluation.JobId, ComponentJobStatus.Failed, "The container was killed as it exceeded its memory limit");
        Notifier.Publish(ComponentJobExecutor.Topic(evaluation.JobId), new ComponentJobUpdate(evaluation.JobId, ComponentJobStatus.Failed, null));

        page.WaitForAssertion(() => page.Find("#evaluation-status").TextContent.Trim().Should().Be("Failed"), Patience);
        page.Find("#evaluation-message").TextContent.Should().Contain("The container was killed as it exceeded its memory limit");
        page.FindAll("#evaluation-unranked").Should().BeEmpty("a failed evaluation's status says enough");
    }

    [Fact]
    public async Task Settings_show_the_services_messages_at_the_fields_and_save_valid_changes()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App);
        SignIn(world.Admin);
        var page = Render<PhaseAdminPage>(p => p.Add(c => c.ShortName, world.ShortName).Add(c => c.Slug, world.Phase.Slug));
        page.WaitForAssertion(() => page.Find("#phase-save"), Patience);

        page.Find("input#phase-open").Change("2030-01-02T10:00");
        page.Find("input#phase-close").Change("2030-01-01T10:00");
        page.Find("input#phase-score-path").Change("aggregates..dice");
        page.Find("#phase-save").Click();

        page.WaitForAssertion(() => page.Markup.Should().Contain("The phase must close after it opens."), Patience);
        page.Markup.Should().Contain("A metric path is dotted keys into metrics.json");
        page.Find("#phase-settings-error").TextContent.Should().Contain("Fix the marked fields");
        (await Phase(world)).ScorePath.Should().Be("score", "nothing is saved while a field is wrong");

        page.Find("input#phase-close").Change("2030-02-01T10:00");
        page.Find("input#phase-score-path").Change("aggregates.dice.mean");
        page.Find("input#phase-limit").Change("3");
        page.Find("#phase-save").Click();

        page.WaitForAssertion(() => page.Find("#phase-saved"), Patience);
        var saved = await Phase(world);
        saved.ScorePath.Should().Be("aggregates.dice.mean");
        saved.SubmissionLimit.Should().Be(3);
        saved.OpenAt.Should().Be(new DateTimeOffset(2030, 1, 2, 10, 0, 0, TimeSpan.Zero));
        saved.CloseAt.Should().Be(new DateTimeOffset(2030, 2, 1, 10, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task The_evaluations_tab_follows_jobs_live_and_unpublishing_takes_a_result_off_the_board()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App);
        var done = await world.AddEvaluationAsync(world.Participant, ComponentJobStatus.Succeeded, EvaluationPagesWorld.Metrics(0.42));
        var running = await world.AddEvaluationAsync(world.Admin, ComponentJobStatus.Executing);
        SignIn(world.Admin);
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"{world.PhasePath}/admin?tab=evaluations");
        var page = Render<PhaseAdminPage>(p => p.Add(c => c.ShortName, world.ShortName).Add(c => c.Slug, world.Phase.Slug));

        page.WaitForAssertion(() => page.Find($"[data-evaluation-status='{running.Id}']").TextContent.Trim().Should().Be("Executing"), Patience);
        page.Find($"[data-evaluation-score='{done.Id}']").TextContent.Trim().Should().Be("0.4200");
        page.Find($"[data-evaluation-rank='{done.Id}']").TextContent.Trim().Should().Be("1");
        page.Find("#evaluation-count").TextContent.Should().Be("2 evaluations");

        await world.SetJobAsync(running.JobId, ComponentJobStatus.Failed, "Time limit exceeded");
        Notifier.Publish(ComponentJobExecutor.Topic(running.JobId), new ComponentJobUpdate(running.JobId, ComponentJobStatus.Failed, null));
        page.WaitForAssertion(() => page.Find($"[data-evaluation-status='{running.Id}']").TextContent.Trim().Should().Be("Failed"), Patience);
        page.Find($"[data-evaluation-error='{running.Id}']").TextContent.Should().Be("Time limit exceeded");

        var toggle = page.Find($"[data-evaluation-published='{done.Id}']");
        (toggle.TagName == "INPUT" ? toggle : toggle.QuerySelector("input")!).Change(false);
        page.WaitForAssertion(() => page.Find($"[data-evaluation-rank='{done.Id}']").TextContent.Trim().Should().Be("—"), Patience);
        await using var db = world.Db();
        (await db.Evaluations.SingleAsync(e => e.Id == done.Id)).Published.Should().BeFalse();
    }

    [Fact]
    public async Task A_participant_submits_a_finished_upload_and_sees_the_evaluation_and_its_status_change()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App);
        SignIn(world.Participant);
        var page = Render<SubmitPage>(p => p.Add(c => c.ShortName, world.ShortName).Add(c => c.Slug, world.Phase.Slug));
        page.WaitForAssertion(() => page.Find("#allowance-ok").TextContent.Should().Contain("You have 5 submissions left in the current day."), Patience);
        page.Find("#submission-submit").HasAttribute("disabled").Should().BeTrue("nothing is uploaded yet");

        var uploads = _fixture.App.Services.GetRequiredService<IUploadService>();
        var upload = await uploads.UploadFileAsync(world.ParticipantActor, "predictions.csv", new MemoryStream("0.8\n"u8.ToArray()), null, null);
        upload.Succeeded.Should().BeTrue(upload.Error);
        await page.FindComponents<ResumableUpload>().Single(c => c.Instance.Id == "predictions-upload").Instance.ReportCompleted(upload.Value!.Id.ToString());
        page.Find("input#submission-comment").Change("first try");
        page.Find("#submission-submit").Click();

        page.WaitForAssertion(() => page.Find("#submission-done").TextContent.Should().Contain("Your submission was received"), Patience);
        var evaluation = (await world.Db().Evaluations.SingleAsync(e => e.PhaseId == world.Phase.Id));
        page.Find($"[data-my-evaluation-status='{evaluation.Id}']").TextContent.Trim().Should().Be("Pending");
        page.Find("#my-submissions").TextContent.Should().Contain("predictions.csv").And.Contain("first try");
        page.Find("#allowance-running").Should().NotBeNull("the evaluation has not ended");
        (await uploads.GetAsync(world.ParticipantActor, upload.Value.Id)).NotFound.Should().BeTrue("the upload was used up");

        await using (var db = world.Db())
        {
            await db.Evaluations.Where(e => e.Id == evaluation.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.MetricsJson, EvaluationPagesWorld.Metrics(0.8)));
        }

        await world.SetJobAsync(evaluation.JobId, ComponentJobStatus.Succeeded);
        await _fixture.App.Services.GetRequiredService<ILeaderboardService>().RecomputeAsync(world.Phase.Id);
        Notifier.Publish(EvaluationTopics.Evaluations(world.Phase.Id), world.Phase.Id);

        page.WaitForAssertion(() => page.Find($"[data-my-evaluation-status='{evaluation.Id}']").TextContent.Trim().Should().Be("Succeeded"), Patience);
        page.Find($"[data-my-evaluation-score='{evaluation.Id}']").TextContent.Should().Contain("Score: 0.8000").And.Contain("rank 1");
        page.FindAll("#allowance-running").Should().BeEmpty();
        page.Find("#allowance-ok").TextContent.Should().Contain("You have 4 submissions left");
    }

    [Fact]
    public async Task A_failed_submission_keeps_the_upload_and_shows_the_services_message()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App, phase: p => p.Settings = p.Settings with { CommentChoice = FieldChoice.Required });
        SignIn(world.Participant);
        var page = Render<SubmitPage>(p => p.Add(c => c.ShortName, world.ShortName).Add(c => c.Slug, world.Phase.Slug));
        page.WaitForAssertion(() => page.Find("#submission-form"), Patience);

        var uploads = _fixture.App.Services.GetRequiredService<IUploadService>();
        var upload = (await uploads.UploadFileAsync(world.ParticipantActor, "predictions.csv", new MemoryStream("0.3\n"u8.ToArray()), null, null)).Value!;
        await page.FindComponents<ResumableUpload>().Single(c => c.Instance.Id == "predictions-upload").Instance.ReportCompleted(upload.Id.ToString());
        page.Find("#submission-submit").Click();

        page.WaitForAssertion(() => page.Markup.Should().Contain("This phase asks for a comment with every submission."), Patience);
        (await uploads.GetAsync(world.ParticipantActor, upload.Id)).Succeeded.Should().BeTrue("the participant may add the comment and submit the same file");
        (await world.Db().Submissions.CountAsync(s => s.PhaseId == world.Phase.Id)).Should().Be(0);

        page.Find("input#submission-comment").Change("now with a comment");
        page.Find("#submission-submit").Click();
        page.WaitForAssertion(() => page.Find("#submission-done"), Patience);
    }

    [Fact]
    public async Task A_challenge_admin_creates_a_phase_from_the_list_and_lands_on_its_admin_page()
    {
        var world = await EvaluationPagesWorld.CreateAsync(_fixture.App);
        SignIn(world.Admin);
        var page = Render<PhaseListPage>(p => p.Add(c => c.ShortName, world.ShortName));
        page.WaitForAssertion(() => page.Find("#new-phase").Click(), Patience);

        page.Find("input#new-phase-title").Change(world.Phase.Title);
        page.Find("#new-phase-create").Click();
        page.WaitForAssertion(() => page.Markup.Should().Contain("The challenge already has a phase with this title."), Patience);

        page.Find("input#new-phase-title").Change("Final test phase");
        page.Find("input#new-phase-open").Change("2031-03-01T09:30");
        page.Find("#new-phase-create").Click();

        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        page.WaitForAssertion(() => navigation.Uri.Should().EndWith($"/challenges/{world.ShortName}/phases/final-test-phase/admin"), Patience);
        var phases = await _fixture.App.Services.GetRequiredService<IPhaseService>().ListAsync(world.AdminActor, world.ShortName);
        phases!.Single(p => p.Slug == "final-test-phase").OpenAt.Should().Be(new DateTimeOffset(2031, 3, 1, 9, 30, 0, TimeSpan.Zero));
    }

    /// <summary>The real service, counting how often a page reads the board.</summary>
    private sealed class CountingLeaderboards(ILeaderboardService inner) : ILeaderboardService
    {
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public Task RecomputeAsync(Guid phaseId, CancellationToken ct = default) => inner.RecomputeAsync(phaseId, ct);

        public Task<Leaderboard?> GetAsync(Actor actor, Guid phaseId, LeaderboardQuery query, CancellationToken ct = default)
        {
            Interlocked.Increment(ref _reads);
            return inner.GetAsync(actor, phaseId, query, ct);
        }

        public Task<IReadOnlyList<LeaderboardRow>?> HistoryAsync(Actor actor, Guid phaseId, Guid userId, CancellationToken ct = default) =>
            inner.HistoryAsync(actor, phaseId, userId, ct);

        public Task<LeaderboardCharts?> ChartsAsync(Actor actor, Guid phaseId, CancellationToken ct = default) => inner.ChartsAsync(actor, phaseId, ct);
    }

    private async Task<Phase> Phase(EvaluationPagesWorld world) =>
        (await _fixture.App.Services.GetRequiredService<IPhaseService>().FindAsync(world.AdminActor, world.Phase.Id))!.Phase;
}
