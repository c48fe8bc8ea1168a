using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Tests.Web.Evaluation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GrandChallenge.Tests.Benchmarks;

/// <summary>
/// Issue #4's figures, measured in one run: re-ranking a phase with 10,000 evaluations × 5 metrics (from the
/// database and back), reading its leaderboard and serving its first page; and 20 participants submitting at the
/// same moment, end to end on the real engine, with every evaluation run exactly once. Records
/// artifacts/bench/leaderboard.json; fails only on lost or duplicated work. Run with bench/leaderboard.sh.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class LeaderboardBenchmark(EvaluationWorld world, ITestOutputHelper output) : IClassFixture<EvaluationWorld>
{
    private const int Evaluations = 10_000;
    private const int Participants = 2_000;
    private const int Concurrent = 20;

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var stopwatch = Stopwatch.StartNew();
        await action();
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    [Fact]
    public async Task Recomputation_and_reads_of_a_large_leaderboard_and_concurrent_submissions()
    {
        var app = world.App;
        var phaseJson = await world.CreateReadyPhaseAsync(new
        {
            submission_limit = 1000,
            extra_results_columns = new object[]
            {
                new { path = "m1", title = "M1", order = "desc" }, new { path = "m2", title = "M2", order = "asc" },
                new { path = "m3", title = "M3", order = "desc" }, new { path = "m4", title = "M4", order = "asc" },
            },
            scoring_method_choice = "mean",
        });
        var phaseId = Guid.Parse(phaseJson.GetProperty("pk").GetString()!);
        var methodId = app.Db(db => db.ContainerImages.Single(i => i.OwnerId == phaseId && i.IsDesiredVersion).Id);
        var factory = app.Services.GetRequiredService<AppDbContextFactory>();
        var users = await SeedAsync(factory, phaseId, methodId);

        var leaderboards = app.Services.GetRequiredService<ILeaderboardService>();
        var firstRecompute = await TimeAsync(() => leaderboards.RecomputeAsync(phaseId));
        var steady = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            steady.Add(await TimeAsync(() => leaderboards.RecomputeAsync(phaseId)));
        }

        // What happens in production: one evaluation ends, its result joins the board, the phase is re-ranked.
        var incremental = new List<double>();
        var random = new Random(7);
        for (var i = 0; i < 10; i++)
        {
            await using (var db = factory.CreateDbContext())
            {
                AddResult(db, random, phaseId, methodId, users[random.Next(users.Count)], DateTimeOffset.UtcNow);
                await db.SaveChangesAsync();
            }

            incremental.Add(await TimeAsync(() => leaderboards.RecomputeAsync(phaseId)));
        }

        var actor = Actor.Anonymous;
        var reads = new List<double>();
        Leaderboard? board = null;
        for (var i = 0; i < 10; i++)
        {
            reads.Add(await TimeAsync(async () => board = await leaderboards.GetAsync(actor, phaseId, new LeaderboardQuery())));
        }

        board!.Rows.Should().HaveCountGreaterThan(Evaluations / 2);
        var apiReads = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            apiReads.Add(await TimeAsync(async () => (await world.Anonymous.GetAsync($"/api/v1/phases/{phaseId}/leaderboard/")).EnsureSuccessStatusCode()));
        }

        var challenge = world.Challenge.ShortName;
        var slug = phaseJson.GetProperty("slug").GetString();
        var pageReads = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            pageReads.Add(await TimeAsync(async () =>
            {
                var page = await world.Anonymous.GetAsync($"/challenges/{challenge}/phases/{slug}/leaderboard");
                page.StatusCode.Should().Be(HttpStatusCode.OK);
                await page.Content.ReadAsStringAsync();
            }));
        }

        var concurrent = await ConcurrentSubmissionsAsync(phaseId);
        var figures = new Dictionary<string, object>
        {
            ["evaluations"] = Evaluations,
            ["ranked_metrics"] = 5,
            ["first_recompute_ms"] = Math.Round(firstRecompute, 1),
            ["recompute_median_ms"] = Math.Round(Median(steady), 1),
            ["recompute_after_new_result_median_ms"] = Math.Round(Median(incremental), 1),
            ["leaderboard_read_median_ms"] = Math.Round(Median(reads), 1),
            ["leaderboard_api_median_ms"] = Math.Round(Median(apiReads), 1),
            ["leaderboard_page_first_render_median_ms"] = Math.Round(Median(pageReads), 1),
            ["concurrent_submissions"] = Concurrent,
            ["concurrent_all_done_seconds"] = Math.Round(concurrent, 1),
        };
        var json = JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true });
        output.WriteLine(json);
        var folder = Path.Combine(TestEnvironment.ArtifactsDirectory, "bench");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "leaderboard.json"), json);
    }

    /// <summary>10,000 succeeded, published evaluations of 2,000 users with 5 random metrics, inserted directly.</summary>
    private static async Task<List<Guid>> SeedAsync(AppDbContextFactory factory, Guid phaseId, Guid methodId)
    {
        var random = new Random(42);
        await using var db = factory.CreateDbContext();
        var users = Enumerable.Range(0, Participants).Select(i => new ApplicationUser
        {
            UserName = $"bench{i}-{Guid.NewGuid():N}"[..24],
            NormalizedUserName = $"BENCH{i}-{Guid.NewGuid():N}"[..24],
        }).ToList();
        db.Users.AddRange(users);
        await db.SaveChangesAsync();
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        for (var batch = 0; batch < Evaluations / 1000; batch++)
        {
            db.ChangeTracker.Clear();
            for (var i = 0; i < 1000; i++)
            {
                AddResult(db, random, phaseId, methodId, users[random.Next(users.Count)].Id, start.AddMinutes(batch * 1000 + i));
            }

            await db.SaveChangesAsync();
        }

        return users.Select(u => u.Id).ToList();
    }

    /// <summary>One succeeded, published evaluation with random metrics, as if its container had just finished.</summary>
    private static void AddResult(AppDbContext db, Random random, Guid phaseId, Guid methodId, Guid user, DateTimeOffset created)
    {
        var submission = new Submission { PhaseId = phaseId, CreatorId = user, PredictionsFilename = "p.csv", Created = created };
        var job = new ComponentJob { Kind = ComponentJobKind.Evaluation, ImageReference = "bench", Status = ComponentJobStatus.Succeeded, CreatorId = user };
        string N() => random.NextDouble().ToString("R", CultureInfo.InvariantCulture);
        db.Submissions.Add(submission);
        db.ComponentJobs.Add(job);
        db.Evaluations.Add(new GrandChallenge.Domain.Evaluations.Evaluation
        {
            SubmissionId = submission.Id,
            PhaseId = phaseId,
            CreatorId = user,
            MethodId = methodId,
            JobId = job.Id,
            Published = true,
            Created = created,
            MetricsJson = $$$"""{"score": {{{N()}}}, "m1": {{{N()}}}, "m2": {{{N()}}}, "m3": {{{N()}}}, "m4": {{{N()}}}, "case": {"a": 1} }""",
        });
    }

    /// <summary>Twenty participants submit at once; every submission gets exactly one evaluation and one job run, and all succeed.</summary>
    private async Task<double> ConcurrentSubmissionsAsync(Guid phaseId)
    {
        var app = world.App;
        var permissions = app.Services.GetRequiredService<IPermissionService>();
        var clients = new List<HttpClient>();
        for (var i = 0; i < Concurrent; i++)
        {
            var user = await app.CreateUserAsync($"conc{i}{Guid.NewGuid():N}"[..16]);
            await permissions.GrantAsync(ObjectKinds.Challenge, world.Challenge.Id, ObjectRoles.Participant, user.Id);
            clients.Add(app.CreateClientWithToken(await app.CreateTokenAsync(user.Id)));
        }

        var stopwatch = Stopwatch.StartNew();
        var responses = await Task.WhenAll(clients.Select((c, i) =>
            c.PostAsync($"/api/v1/phases/{phaseId}/submissions/", EvaluationWorld.Predictions((0.5 + i / 100.0).ToString(CultureInfo.InvariantCulture)))));
        var ids = new List<string>();
        foreach (var response in responses)
        {
            response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pk").GetString()!);
        }

        for (var i = 0; i < ids.Count; i++)
        {
            (await EvaluationWorld.WaitForEvaluationAsync(clients[i], ids[i], seconds: 300)).GetProperty("status").GetString().Should().Be("Succeeded");
        }

        var elapsed = stopwatch.Elapsed.TotalSeconds;
        var submissionIds = ids.Select(Guid.Parse).ToList();
        await using var db = app.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        var evaluations = await db.Evaluations.Where(e => submissionIds.Contains(e.SubmissionId)).ToListAsync();
        evaluations.Should().HaveCount(Concurrent, "no evaluation is lost or duplicated");
        var jobIds = evaluations.Select(e => e.JobId).ToList();
        var jobs = await db.ComponentJobs.Where(j => jobIds.Contains(j.Id)).ToListAsync();
        jobs.Should().OnlyContain(j => j.Status == ComponentJobStatus.Succeeded && j.Attempt == 0, "each evaluation ran once");
        evaluations.Should().OnlyContain(e => e.MetricsJson != null, "every result's metrics reached its evaluation");
        return elapsed;
    }
}
