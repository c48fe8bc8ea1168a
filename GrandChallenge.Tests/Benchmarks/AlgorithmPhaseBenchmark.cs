using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Components;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Tests.Web.Algorithms;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GrandChallenge.Tests.Benchmarks;

/// <summary>
/// Issue #6's figure: an algorithm phase with 100 trivial cases, wall time from the submission to its leaderboard row
/// against the sum of the containers' own run times (<see cref="ComponentJob.ExecDurationMs"/>: 100 algorithm jobs and the
/// evaluation) in the same run, and against that sum spread over the node's slots (the best the queue can do). Not a
/// timed test: it records the figures (artifacts/bench/algorithm-phase.json) and fails only if the submission fails.
/// Run with bench/algorithm-phase.sh.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class AlgorithmPhaseBenchmark(AlgorithmPhaseWorld world, ITestOutputHelper output) : IClassFixture<AlgorithmPhaseWorld>
{
    private const int Cases = 100;

    [Fact]
    public async Task Submission_to_leaderboard_on_100_cases()
    {
        var (archive, _) = await world.CreateArchiveAsync([.. Enumerable.Range(0, Cases).Select(i => i / 100.0)]);
        var phase = await world.CreatePhaseAsync(archive);
        var (_, image) = await world.CreateAlgorithmWithImageAsync(world.Alice, world.AliceUser, phase);

        var stopwatch = Stopwatch.StartNew();
        var submission = await AlgorithmPhaseWorld.SubmitOkAsync(world.Alice, phase, image);
        while (true)
        {
            var board = await world.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/leaderboard/");
            if (board.GetProperty("count").GetInt32() > 0)
            {
                break;
            }

            var evaluations = await world.Alice.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/?submission={submission}");
            var status = evaluations.GetProperty("results").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } e ? e.GetProperty("status").GetString() : null;
            status.Should().NotBe("Failed", "the benchmark submission must succeed");
            stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromMinutes(20));
            await Task.Delay(100);
        }

        var wall = stopwatch.Elapsed.TotalSeconds;
        var submissionId = Guid.Parse(submission);
        var (algorithmMs, evaluationMs, jobs) = world.Db(db =>
        {
            var evaluation = db.Evaluations.Single(x => x.SubmissionId == submissionId);
            var ids = db.AlgorithmJobs.Where(a => a.EvaluationId == evaluation.Id).Select(a => a.JobId).ToList();
            var algorithm = db.ComponentJobs.Where(j => ids.Contains(j.Id)).Select(j => j.ExecDurationMs ?? 0).ToList().Sum();
            var method = db.ComponentJobs.Where(j => j.Id == evaluation.JobId).Select(j => j.ExecDurationMs ?? 0).Single();
            return (algorithm, method, ids.Count);
        });
        var slots = world.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GrandChallenge.Workers.WorkersOptions>>().Value.Slots;
        var containers = (algorithmMs + evaluationMs) / 1000.0;
        // The smoke test and the evaluation run alone; the other cases share the slots.
        var ideal = (algorithmMs / (double)Cases + (algorithmMs - algorithmMs / (double)Cases) / slots + evaluationMs) / 1000.0;
        var figures = new
        {
            cases = Cases,
            jobs,
            slots,
            wall_s = Math.Round(wall, 2),
            containers_sum_s = Math.Round(containers, 2),
            ratio_wall_to_sum = Math.Round(wall / containers, 2),
            ideal_parallel_s = Math.Round(ideal, 2),
            ratio_wall_to_ideal = Math.Round(wall / ideal, 2),
        };
        var json = JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true });
        var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "bench");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "algorithm-phase.json"), json);
        output.WriteLine(json);

        jobs.Should().Be(Cases);
    }
}
