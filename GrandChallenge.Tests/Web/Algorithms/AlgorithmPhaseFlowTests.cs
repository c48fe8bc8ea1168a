using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Tests.Web.Evaluation;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Algorithms;

/// <summary>Algorithm submissions to a phase on the real engine: inference on the hidden cases, smoke test first, evaluation, leaderboard.</summary>
[Trait("Category", "Docker")]
public sealed class AlgorithmPhaseFlowTests(AlgorithmPhaseWorld world) : AlgorithmPhaseFlowTestsBase(world), IClassFixture<AlgorithmPhaseWorld>;

/// <summary>The same flow with PostgreSQL (the stage compare-and-set and the row locks are provider-specific paths).</summary>
[Trait("Category", "Docker")]
[Trait("Category", "Postgres")]
public sealed class PostgresAlgorithmPhaseFlowTests(PostgresAlgorithmPhaseWorld world) : AlgorithmPhaseFlowTestsBase(world), IClassFixture<PostgresAlgorithmPhaseWorld>;

public abstract class AlgorithmPhaseFlowTestsBase(AlgorithmPhaseWorld world)
{
    /// <summary>The routes <see cref="Each_persona_gets_what_it_should_from_the_algorithm_phase_endpoints"/> covers, for the global matrix.</summary>
    public static IEnumerable<string> CoveredRoutes() =>
    [
        "POST /api/v1/phases/{id:guid}/algorithms",
        "GET /api/v1/phases/{id:guid}/algorithms",
        "GET /api/v1/evaluations/{id:guid}/algorithm-jobs",
    ];

    [Fact]
    public async Task Each_persona_gets_what_it_should_from_the_algorithm_phase_endpoints()
    {
        var (archive, _) = await world.CreateArchiveAsync(0.5);
        var phase = await world.CreatePhaseAsync(archive, new { result_display = "all" });
        var (_, image) = await world.CreateAlgorithmWithImageAsync(world.Alice, world.AliceUser, phase);
        var submission = await AlgorithmPhaseWorld.SubmitOkAsync(world.Alice, phase, image);
        var evaluation = (await EvaluationWorld.WaitForEvaluationAsync(world.Alice, submission, seconds: 120)).GetProperty("pk").GetString();
        await world.Admin.PatchAsJsonAsync($"/api/v1/evaluations/{evaluation}/", new { published = false });

        // anonymous, stranger, participant (Bob), submitter (Alice), challenge admin
        var clients = new[] { world.Anonymous, world.Stranger, world.Bob, world.Alice, world.Admin };
        var rows = new (string Method, string Url, Func<HttpContent>? Body, int[] Expected)[]
        {
            ("POST", $"/api/v1/phases/{phase}/algorithms/", () => JsonContent.Create(new { title = "" }), [401, 403, 400, 400, 400]),
            ("GET", $"/api/v1/phases/{phase}/algorithms/", null, [401, 200, 200, 200, 200]),
            ("GET", $"/api/v1/evaluations/{evaluation}/algorithm-jobs/", null, [404, 404, 404, 200, 200]),
        };
        var failures = new List<string>();
        foreach (var (method, url, body, expected) in rows)
        {
            for (var i = 0; i < clients.Length; i++)
            {
                var response = await clients[i].SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = body?.Invoke() });
                if ((int)response.StatusCode != expected[i])
                {
                    failures.Add($"{method} {url} persona {i}: {(int)response.StatusCode}, expected {expected[i]}");
                }
            }
        }

        failures.Should().BeEmpty();
        (await world.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/{evaluation}/algorithm-jobs/")).GetProperty("results").GetArrayLength().Should().Be(1);
        (await world.Alice.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/{evaluation}/algorithm-jobs/")).GetProperty("results").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_three_case_archive_runs_case_by_case_to_a_leaderboard_row_and_hides_the_cases_from_the_participant()
    {
        var (archive, caseImages) = await world.CreateArchiveAsync(0.25, 0.25, 0.75);
        var phase = await world.CreatePhaseAsync(archive);
        var (algorithm, image) = await world.CreateAlgorithmWithImageAsync(world.Alice, world.AliceUser, phase);

        var submission = await AlgorithmPhaseWorld.SubmitOkAsync(world.Alice, phase, image);
        var evaluation = await EvaluationWorld.WaitForEvaluationAsync(world.Alice, submission, seconds: 180);

        evaluation.GetProperty("status").GetString().Should().Be("Succeeded", evaluation.GetProperty("error_message").ToString());
        var metrics = evaluation.GetProperty("metrics");
        metrics.GetProperty("cases").GetInt32().Should().Be(3, "each case's output reaches the method at /input/<job-id>/output/");
        metrics.GetProperty("jobs_listed").GetInt32().Should().Be(3, "predictions.json lists every job");
        metrics.GetProperty("score").GetDouble().Should().BeApproximately((0.25 + 0.25 + 0.75) / 3, 1e-6);
        evaluation.GetProperty("rank").GetInt32().Should().Be(1);

        var board = await world.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/leaderboard/");
        board.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("username").GetString()).Should().Equal(world.AliceUser.UserName);

        var stored = await (await world.Alice.GetAsync($"/api/v1/submissions/{submission}/")).Content.ReadFromJsonAsync<JsonElement>();
        stored.GetProperty("algorithm_image").GetGuid().Should().Be(image);
        stored.GetProperty("algorithm_requires_memory_gb").GetInt32().Should().Be(4);

        // The smoke test: one job ran (and succeeded) before any other was created; jobs are system jobs of the evaluation.
        var evaluationId = Guid.Parse(evaluation.GetProperty("pk").GetString()!);
        var jobs = world.Db(db => db.AlgorithmJobs.Where(a => a.EvaluationId == evaluationId)
            .Join(db.ComponentJobs, a => a.JobId, j => j.Id, (a, j) => new { AlgorithmCreator = a.CreatorId, a.AlgorithmId, a.ArchiveItemId, j.Created, j.CompletedAt, j.CreatorId, j.Status, j.ArchiveMounts })
            .ToList()).OrderBy(j => j.Created).ToList();
        jobs.Should().HaveCount(3);
        jobs.Should().OnlyContain(j => j.Status == ComponentJobStatus.Succeeded && j.CreatorId == null && j.AlgorithmCreator == null && j.AlgorithmId == algorithm);
        jobs.Should().OnlyContain(j => j.ArchiveMounts.Count == 0, "no model and never the ground truth");
        jobs[1].Created.Should().BeOnOrAfter(jobs[0].CompletedAt!.Value, "the other cases are created only after the first succeeded");
        var evaluationJob = world.Db(db => db.Evaluations.Single(e => e.Id == evaluationId).JobId);
        var prefixes = world.Db(db => db.ComponentJobValues.Where(v => v.JobId == evaluationJob && !v.IsOutput).Select(v => v.Prefix).ToList());
        prefixes.Should().HaveCount(4).And.Contain("");
        prefixes.Where(p => p.Length > 0).Should().OnlyContain(p => p.EndsWith("/output"));
        world.Db(db => db.ComponentJobValues.Where(v => v.JobId == evaluationJob && v.Prefix != "").Select(v => v.SocketValueId).Distinct().Count())
            .Should().Be(2, "the two 0.25 cases' equal outputs are one value, attached under each case's folder");
        world.Db(db => db.Evaluations.Single(e => e.Id == evaluationId).InferenceStage).Should().Be(InferenceStage.AllCases);

        // Progress for everyone who sees the evaluation; the jobs and their logs only for the challenge's admins.
        var mine = await world.Alice.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/{evaluationId}/algorithm-jobs/");
        mine.GetProperty("progress").GetProperty("done").GetInt32().Should().Be(3);
        mine.GetProperty("progress").GetProperty("total").GetInt32().Should().Be(3);
        mine.GetProperty("results").GetArrayLength().Should().Be(0, "participants do not see the jobs on hidden cases");
        var admins = await world.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/{evaluationId}/algorithm-jobs/");
        admins.GetProperty("results").EnumerateArray().Select(j => j.GetProperty("case").GetString()).Should().Equal("case-1", "case-2", "case-3");
        admins.GetProperty("results")[0].GetProperty("stdout").GetString().Should().Contain("case value 0.25");
        // A published result is public; its progress is, its jobs are not.
        (await world.Stranger.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/{evaluationId}/algorithm-jobs/")).GetProperty("results").GetArrayLength().Should().Be(0);

        // The hidden cases' images stay hidden from the participant whose algorithm ran on them.
        foreach (var caseImage in caseImages)
        {
            (await world.Alice.GetAsync($"/api/v1/cases/images/{caseImage}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
            (await world.Admin.GetAsync($"/api/v1/cases/images/{caseImage}/")).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var systemJob = world.Db(db => db.AlgorithmJobs.First(a => a.EvaluationId == evaluationId).JobId);
        (await world.Alice.GetAsync($"/api/v1/components/jobs/{systemJob}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        // The same image and model cannot be submitted to the phase again.
        var again = await AlgorithmPhaseWorld.SubmitAsync(world.Alice, phase, image);
        again.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await again.Content.ReadAsStringAsync()).Should().Contain("already been submitted");
        world.Db(db => db.Submissions.Count(s => s.PhaseId == Guid.Parse(phase))).Should().Be(1, "a refused submission changes nothing");
    }

    [Fact]
    public async Task A_second_phase_on_the_same_cases_reuses_the_jobs_and_waits_until_the_first_evaluation_ended()
    {
        var (archive, _) = await world.CreateArchiveAsync(0.25, 0.75);
        var first = await world.CreatePhaseAsync(archive);
        var second = await world.CreatePhaseAsync(archive);
        var (_, image) = await world.CreateAlgorithmWithImageAsync(world.Alice, world.AliceUser, first);

        var submission = await AlgorithmPhaseWorld.SubmitOkAsync(world.Alice, first, image);
        var busy = await AlgorithmPhaseWorld.SubmitAsync(world.Alice, second, image);
        busy.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await busy.Content.ReadAsStringAsync()).Should().Contain(AlgorithmSubmissionRules.BusyMessage);
        world.Db(db => db.Submissions.Count(s => s.PhaseId == Guid.Parse(second))).Should().Be(0, "a refused submission changes nothing");
        var firstEvaluation = await EvaluationWorld.WaitForEvaluationAsync(world.Alice, submission, seconds: 180);
        firstEvaluation.GetProperty("status").GetString().Should().Be("Succeeded", firstEvaluation.GetProperty("error_message").ToString());

        var again = await AlgorithmPhaseWorld.SubmitOkAsync(world.Alice, second, image);
        var secondEvaluation = await EvaluationWorld.WaitForEvaluationAsync(world.Alice, again, seconds: 180);

        secondEvaluation.GetProperty("status").GetString().Should().Be("Succeeded", secondEvaluation.GetProperty("error_message").ToString());
        secondEvaluation.GetProperty("metrics").GetProperty("score").GetDouble().Should().BeApproximately(0.5, 1e-6);
        secondEvaluation.GetProperty("metrics").GetProperty("cases").GetInt32().Should().Be(2);
        var (firstId, secondId) = (Guid.Parse(firstEvaluation.GetProperty("pk").GetString()!), Guid.Parse(secondEvaluation.GetProperty("pk").GetString()!));
        world.Db(db => db.AlgorithmJobs.Count(a => a.EvaluationId == secondId)).Should().Be(0, "no case ran again");
        var firstJobs = world.Db(db => db.EvaluationAlgorithmJobs.Where(l => l.EvaluationId == firstId).Select(l => l.JobId).ToList());
        world.Db(db => db.EvaluationAlgorithmJobs.Where(l => l.EvaluationId == secondId).Select(l => l.JobId).ToList()).Should().BeEquivalentTo(firstJobs);
        var progress = (await world.Alice.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/{secondId}/algorithm-jobs/")).GetProperty("progress");
        progress.GetProperty("done").GetInt32().Should().Be(2);
        (await world.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/{secondId}/algorithm-jobs/")).GetProperty("results").GetArrayLength().Should().Be(2);
    }

    [Fact]
    public async Task When_the_first_case_fails_no_other_case_is_ever_run_and_the_evaluation_names_the_case()
    {
        var (archive, _) = await world.CreateArchiveAsync(-1, 0.5, 0.5);
        var phase = await world.CreatePhaseAsync(archive);
        var (_, image) = await world.CreateAlgorithmWithImageAsync(world.Alice, world.AliceUser, phase);

        var submission = await AlgorithmPhaseWorld.SubmitOkAsync(world.Alice, phase, image);
        var evaluation = await EvaluationWorld.WaitForEvaluationAsync(world.Alice, submission, seconds: 120);

        evaluation.GetProperty("status").GetString().Should().Be("Failed");
        var message = evaluation.GetProperty("error_message").GetString();
        message.Should().Contain(AlgorithmEvaluationPipeline.FailedMessage).And.Contain("case-1").And.Contain("Case exploded");

        var evaluationId = Guid.Parse(evaluation.GetProperty("pk").GetString()!);
        await Task.Delay(1500);
        world.Db(db => db.AlgorithmJobs.Count(a => a.EvaluationId == evaluationId)).Should().Be(1, "the smoke test failed, so nothing else was created");
        (await world.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/leaderboard/")).GetProperty("count").GetInt32().Should().Be(0);
        var progress = (await world.Alice.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/{evaluationId}/algorithm-jobs/")).GetProperty("progress");
        progress.GetProperty("failed").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task A_later_case_failing_fails_the_evaluation_with_that_case_and_its_message()
    {
        var (archive, _) = await world.CreateArchiveAsync(0.5, 0.5, -1);
        var phase = await world.CreatePhaseAsync(archive, new { show_participant_logs = true });
        var (_, image) = await world.CreateAlgorithmWithImageAsync(world.Alice, world.AliceUser, phase);

        var submission = await AlgorithmPhaseWorld.SubmitOkAsync(world.Alice, phase, image);
        var evaluation = await EvaluationWorld.WaitForEvaluationAsync(world.Alice, submission, seconds: 180);

        evaluation.GetProperty("status").GetString().Should().Be("Failed");
        evaluation.GetProperty("error_message").GetString().Should().Contain(AlgorithmEvaluationPipeline.FailedMessage).And.Contain("case-3").And.Contain("Case exploded");
        var evaluationId = Guid.Parse(evaluation.GetProperty("pk").GetString()!);
        // The cases still waiting or running are cancelled (a running one within a second or two).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<ComponentJobStatus> statuses;
        while (true)
        {
            statuses = world.Db(db => db.AlgorithmJobs.Where(a => a.EvaluationId == evaluationId)
                .Join(db.ComponentJobs, a => a.JobId, j => j.Id, (a, j) => j.Status).ToList());
            if (statuses.All(s => s is ComponentJobStatus.Succeeded or ComponentJobStatus.Failed or ComponentJobStatus.Cancelled) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200);
        }

        statuses.Should().HaveCount(3).And.ContainSingle(s => s == ComponentJobStatus.Failed);
        statuses.Should().OnlyContain(s => s == ComponentJobStatus.Succeeded || s == ComponentJobStatus.Failed || s == ComponentJobStatus.Cancelled);
        (await world.Stranger.GetAsync($"/api/v1/evaluations/{evaluationId}/algorithm-jobs/")).StatusCode.Should().Be(HttpStatusCode.NotFound, "a failed evaluation is not public");
        (await world.Bob.GetAsync($"/api/v1/evaluations/{evaluationId}/algorithm-jobs/")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        // The phase shows participants logs: Alice reads them, without the cases.
        var mine = await world.Alice.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/{evaluationId}/algorithm-jobs/");
        mine.GetProperty("results").EnumerateArray().Should().OnlyContain(j => j.GetProperty("case").ValueKind == JsonValueKind.Null);
        mine.GetProperty("results").EnumerateArray().Select(j => j.GetProperty("stderr").GetString()).Should().Contain(s => s!.Contains("Case exploded"));

        var allowance = await world.Alice.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/submission-allowance/");
        allowance.GetProperty("remaining_submissions").GetInt32().Should().Be(10, "failed evaluations do not count");
    }

    [Fact]
    public async Task Only_the_algorithms_editors_submit_it_and_only_participants_create_algorithms_for_a_phase()
    {
        var (archive, _) = await world.CreateArchiveAsync(0.5);
        var phase = await world.CreatePhaseAsync(archive);
        var (_, image) = await world.CreateAlgorithmWithImageAsync(world.Alice, world.AliceUser, phase);

        var bob = await AlgorithmPhaseWorld.SubmitAsync(world.Bob, phase, image);
        bob.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await bob.Content.ReadAsStringAsync()).Should().Contain("Only the algorithm's editors");
        (await AlgorithmPhaseWorld.SubmitAsync(world.Stranger, phase, image)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await AlgorithmPhaseWorld.SubmitAsync(world.Anonymous, phase, image)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var unknown = await AlgorithmPhaseWorld.SubmitAsync(world.Alice, phase, Guid.NewGuid());
        unknown.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await world.Alice.PostAsJsonAsync($"/api/v1/phases/{phase}/submissions/", new { })).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        world.Db(db => db.Submissions.Count(s => s.PhaseId == Guid.Parse(phase))).Should().Be(0);

        // Bob's list of algorithms for the phase does not offer Alice's.
        var bobs = await world.Bob.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/algorithms/");
        bobs.GetProperty("count").GetInt32().Should().Be(0);
        var alices = await world.Alice.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/algorithms/");
        alices.GetProperty("results").EnumerateArray().SelectMany(a => a.GetProperty("images").EnumerateArray()).Select(i => i.GetProperty("pk").GetGuid())
            .Should().Contain(image);

        (await world.Stranger.PostAsJsonAsync($"/api/v1/phases/{phase}/algorithms/", new { title = "Stranger's" })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await world.Anonymous.PostAsJsonAsync($"/api/v1/phases/{phase}/algorithms/", new { title = "Anonymous" })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await world.Bob.PostAsJsonAsync($"/api/v1/phases/{phase}/algorithms/", new { title = "x" })).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await world.Bob.PostAsJsonAsync($"/api/v1/phases/{phase}/algorithms/", new { title = "Too big", job_requires_memory_gb = 64 })).StatusCode.Should().Be(HttpStatusCode.BadRequest);

        // At most three per participant and phase; the algorithm inherits the phase's interfaces and time limit.
        for (var i = 0; i < 2; i++)
        {
            var created = await world.Alice.PostAsJsonAsync($"/api/v1/phases/{phase}/algorithms/", new { title = $"Alice extra {i}" });
            created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            var body = await created.Content.ReadFromJsonAsync<JsonElement>();
            body.GetProperty("time_limit").GetInt32().Should().Be(300);
            body.GetProperty("interfaces").GetArrayLength().Should().Be(1);
        }

        var fourth = await world.Alice.PostAsJsonAsync($"/api/v1/phases/{phase}/algorithms/", new { title = "Alice fourth" });
        fourth.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await fourth.Content.ReadAsStringAsync()).Should().Contain("3 algorithms");
    }

    [Fact]
    public async Task Algorithm_phase_settings_are_checked_field_by_field_and_shown()
    {
        var (archive, _) = await world.CreateArchiveAsync(0.5);
        var phase = await world.CreatePhaseAsync(archive, new { algorithm_maximum_settable_memory_gb = 16, give_algorithm_editors_job_view_permissions = true });
        var shown = await world.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/");
        shown.GetProperty("submission_kind").GetString().Should().Be("algorithm");
        shown.GetProperty("algorithm_time_limit").GetInt32().Should().Be(300);
        shown.GetProperty("algorithm_maximum_settable_memory_gb").GetInt32().Should().Be(16);
        shown.GetProperty("give_algorithm_editors_job_view_permissions").GetBoolean().Should().BeTrue();
        shown.GetProperty("algorithm_interfaces").GetArrayLength().Should().Be(1);
        shown.GetProperty("archive").GetGuid().Should().NotBeEmpty();

        var cases = new (object Body, string Field)[]
        {
            (new { algorithm_time_limit = 10 }, "algorithm_time_limit"),
            (new { algorithm_time_limit = 90_000 }, "algorithm_time_limit"),
            (new { algorithm_maximum_settable_memory_gb = 64 }, "algorithm_maximum_settable_memory_gb"),
            (new { archive = "no-such-archive" }, "archive"),
            (new { archive = "" }, "archive"),
            (new { algorithm_interfaces = new[] { new { inputs = new[] { "no-such-socket" }, outputs = new[] { AlgorithmPhaseWorld.ScoreSocket } } } }, "algorithm_interfaces"),
            (new { algorithm_interfaces = new[] { new { inputs = new[] { AlgorithmPhaseWorld.ValueSocket }, outputs = Array.Empty<string>() } } }, "algorithm_interfaces"),
            (new { algorithm_interfaces = "yes" }, "algorithm_interfaces"),
        };
        foreach (var (body, field) in cases)
        {
            var response = await world.Admin.PatchAsJsonAsync($"/api/v1/phases/{phase}/", body);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, field);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue(field);
        }

        (await world.Alice.PatchAsJsonAsync($"/api/v1/phases/{phase}/", new { algorithm_time_limit = 600 })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var after = await world.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/");
        after.GetProperty("algorithm_time_limit").GetInt32().Should().Be(300, "nothing changed");
        after.GetProperty("archive").GetGuid().Should().Be(shown.GetProperty("archive").GetGuid());

        // An archive the admin may not use cannot be linked.
        var foreign = await world.App.Services.GetRequiredService<GrandChallenge.Domain.Archives.IArchiveService>()
            .CreateAsync(new GrandChallenge.Domain.Identity.Actor(world.BobUser.Id, false), new GrandChallenge.Domain.Archives.NewArchive($"Bob's {Guid.NewGuid():N}"[..20]));
        var linked = await world.Admin.PatchAsJsonAsync($"/api/v1/phases/{phase}/", new { archive = foreign.Value!.Slug });
        linked.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}
