using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Docker.DotNet.Models;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Tests.Web.Algorithms;
using GrandChallenge.Workers;
using GrandChallenge.Workers.Containers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace GrandChallenge.Tests.Benchmarks;

/// <summary>
/// Issue #6's figure: an algorithm phase with 100 trivial cases, wall time from the submission to its leaderboard row
/// against, in the same run, (1) the sum of the containers' own run times (<see cref="ComponentJob.ExecDurationMs"/>: 100
/// algorithm jobs and the evaluation), (2) an engine-only baseline: the same 100 containers (same image, command, input
/// files and isolation settings) created, started, waited for and removed straight through Docker.DotNet, and (3) the
/// platform's <see cref="IContainerRunner"/> alone on them (no database, no queue). Both baselines run the cases as the
/// pipeline does: one first, then the rest over the node's slots. Not a timed test: it records the figures
/// (artifacts/bench/algorithm-phase.json) and fails only if a run fails. Run with bench/algorithm-phase.sh.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class AlgorithmPhaseBenchmark(AlgorithmPhaseWorld world, ITestOutputHelper output) : IClassFixture<AlgorithmPhaseWorld>
{
    private const int Cases = 100;

    [Fact]
    public async Task Submission_to_leaderboard_on_100_cases()
    {
        var (archive, images) = await world.CreateArchiveAsync([.. Enumerable.Range(0, Cases).Select(i => i / 100.0)]);
        var phase = await world.CreatePhaseAsync(archive);
        var (_, image) = await world.CreateAlgorithmWithImageAsync(world.Alice, world.AliceUser, phase);
        var slots = world.App.Services.GetRequiredService<IOptions<WorkersOptions>>().Value.Slots;
        var load = LoadAverage();

        var submittedAt = DateTimeOffset.UtcNow;
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
        var seenAt = submittedAt + stopwatch.Elapsed;
        var submissionId = Guid.Parse(submission);
        var (algorithmMs, evaluationMs, jobs, platformPerCaseMs, timeline) = world.Db(db =>
        {
            var evaluation = db.Evaluations.Single(x => x.SubmissionId == submissionId);
            var ids = db.AlgorithmJobs.Where(a => a.EvaluationId == evaluation.Id).Select(a => a.JobId).ToList();
            var runs = db.ComponentJobs.Where(j => ids.Contains(j.Id)).Select(j => new { j.ExecDurationMs, j.ClaimedAt, j.CompletedAt }).ToList()
                .OrderBy(r => r.ClaimedAt).ToList();
            var method = db.ComponentJobs.Where(j => j.Id == evaluation.JobId).Select(j => new { j.ExecDurationMs, j.ClaimedAt, j.CompletedAt }).Single();
            // Claimed → Succeeded: what a case holds a slot for, the container's own run time included.
            var held = runs.Select(r => (r.CompletedAt!.Value - r.ClaimedAt!.Value).TotalMilliseconds).ToList();
            var smoke = runs[0];
            var lastCase = runs.Max(r => r.CompletedAt!.Value);
            static double Seconds(DateTimeOffset from, DateTimeOffset to) => Math.Round((to - from).TotalSeconds, 2);
            var stages = new
            {
                submission_to_smoke_test_claimed = Seconds(submittedAt, smoke.ClaimedAt!.Value),
                smoke_test_claimed_to_succeeded = Seconds(smoke.ClaimedAt!.Value, smoke.CompletedAt!.Value),
                smoke_test_succeeded_to_last_case_succeeded = Seconds(smoke.CompletedAt!.Value, lastCase),
                last_case_to_evaluation_claimed = Seconds(lastCase, method.ClaimedAt!.Value),
                evaluation_claimed_to_succeeded = Seconds(method.ClaimedAt!.Value, method.CompletedAt!.Value),
                evaluation_succeeded_to_leaderboard_seen = Seconds(method.CompletedAt!.Value, seenAt),
            };
            return (runs.Sum(r => r.ExecDurationMs ?? 0), method.ExecDurationMs ?? 0, ids.Count, Median(held), stages);
        });
        var containers = (algorithmMs + evaluationMs) / 1000.0;
        // The smoke test and the evaluation run alone; the other cases share the slots.
        var ideal = (algorithmMs / (double)Cases + (algorithmMs - algorithmMs / (double)Cases) / slots + evaluationMs) / 1000.0;

        var imageReference = world.Db(db => db.ContainerImages.Where(i => i.Id == image).Select(i => i.ImageSha256).Single())!;
        var inputs = StageInputs(images);
        var runner = await RunCasesAsync(inputs, slots, RunWithRunnerAsync(imageReference));
        var engine = await RunCasesAsync(inputs, slots, RunWithEngineAsync(imageReference));
        Directory.Delete(inputs.Root, recursive: true);

        var figures = new
        {
            cases = Cases,
            jobs,
            slots,
            load_average_1min_before = load,
            load_average_1min_after = LoadAverage(),
            wall_s = Math.Round(wall, 2),
            containers_sum_s = Math.Round(containers, 2),
            evaluation_container_s = Math.Round(evaluationMs / 1000.0, 2),
            ratio_wall_to_sum = Math.Round(wall / containers, 2),
            ideal_parallel_s = Math.Round(ideal, 2),
            ratio_wall_to_ideal = Math.Round(wall / ideal, 2),
            engine_only_wall_s = Math.Round(engine.Wall, 2),
            engine_only_containers_sum_s = Math.Round(engine.ContainersSum, 2),
            ratio_wall_to_engine_only = Math.Round(wall / engine.Wall, 2),
            runner_only_wall_s = Math.Round(runner.Wall, 2),
            ratio_wall_to_runner_only = Math.Round(wall / runner.Wall, 2),
            timeline_s = timeline,
            per_case_slot_ms = new
            {
                platform_claimed_to_succeeded = Math.Round(platformPerCaseMs),
                runner_only = Math.Round(runner.MedianMs),
                engine_only = Math.Round(engine.MedianMs),
                container_own_run = Math.Round(algorithmMs / (double)Cases),
            },
        };
        var json = JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true });
        var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "bench");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "algorithm-phase.json"), json);
        output.WriteLine(json);

        jobs.Should().Be(Cases);
    }

    private sealed record CaseInputs(string Root, IReadOnlyList<string> Folders);

    private sealed record BaselineRun(double Wall, double ContainersSum, double MedianMs);

    /// <summary>Each case's /input laid out the simplest way: a copy of its stored .mha and its value, as the pipeline gives them.</summary>
    private CaseInputs StageInputs(IReadOnlyList<Guid> images)
    {
        var blobs = world.App.Services.GetRequiredService<IBlobStore>();
        var files = world.Db(db => db.ImageFiles.Where(f => images.Contains(f.ImageId) && f.ImageType == ImageFileType.Mhd).ToList())
            .ToDictionary(f => f.ImageId);
        var root = TestEnvironment.NewTempDirectory("algorithm-phase-baseline");
        var folders = new List<string>();
        for (var i = 0; i < images.Count; i++)
        {
            var folder = Path.Combine(root, $"case-{i + 1}");
            var imageFolder = Path.Combine(folder, "images", AlgorithmPhaseWorld.ImageSocket);
            Directory.CreateDirectory(imageFolder);
            File.Copy(blobs.LocalPath(files[images[i]].BlobKey), Path.Combine(imageFolder, files[images[i]].FileName));
            File.WriteAllText(Path.Combine(folder, $"{AlgorithmPhaseWorld.ValueSocket}.json"), (i / 100.0).ToString(CultureInfo.InvariantCulture));
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).Prepend(new DirectoryInfo(folder)))
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(entry.FullName, entry is DirectoryInfo ? InputStager.DirectoryMode : InputStager.FileMode);
                }
            }

            folders.Add(folder);
        }

        return new CaseInputs(root, folders);
    }

    /// <summary>Runs the first case alone (the pipeline's smoke test), then the others over the slots; returns the wall time and each run's own time.</summary>
    private static async Task<BaselineRun> RunCasesAsync(CaseInputs inputs, int slots, Func<string, Task<(TimeSpan Held, TimeSpan Container)>> run)
    {
        var held = new List<double>();
        var containers = new List<double>();
        var gate = new Lock();
        var stopwatch = Stopwatch.StartNew();
        async ValueTask RunOneAsync(string folder, CancellationToken ct)
        {
            var (slot, container) = await run(folder);
            lock (gate)
            {
                held.Add(slot.TotalMilliseconds);
                containers.Add(container.TotalMilliseconds);
            }
        }

        await RunOneAsync(inputs.Folders[0], CancellationToken.None);
        await Parallel.ForEachAsync(inputs.Folders.Skip(1), new ParallelOptions { MaxDegreeOfParallelism = slots }, RunOneAsync);
        return new BaselineRun(stopwatch.Elapsed.TotalSeconds, containers.Sum() / 1000.0, Median(held));
    }

    private Func<string, Task<(TimeSpan, TimeSpan)>> RunWithRunnerAsync(string image)
    {
        var workers = world.App.Services.GetRequiredService<IOptions<WorkersOptions>>().Value;
        var containerOptions = world.App.Services.GetRequiredService<IOptions<ContainerOptions>>().Value;
        // A runner of another platform instance: the platform's sweeper would take its containers, of no job it knows, for orphans.
        var runner = new DockerContainerRunner(world.App.Services.GetRequiredService<IDockerEngine>(),
            Options.Create(new ContainerOptions { Instance = $"benchmark-{Guid.NewGuid():N}", DefaultRuntime = containerOptions.RuntimeFor(nameof(ComponentJobKind.Algorithm)) }),
            TimeProvider.System, world.App.Services.GetRequiredService<ILogger<DockerContainerRunner>>());
        return async folder =>
        {
            var stopwatch = Stopwatch.StartNew();
            var result = await runner.RunAsync(new ContainerRunSpec
            {
                Image = image,
                JobId = Guid.NewGuid().ToString("N"),
                InputDirectory = folder,
                OutputDirectory = Path.Combine(Path.GetDirectoryName(folder)!, $"{Path.GetFileName(folder)}-runner-output"),
                TimeLimit = TimeSpan.FromSeconds(300),
                MemoryBytes = 4L << 30,
                Cpus = workers.CpusPerJob,
                Runtime = containerOptions.RuntimeFor(nameof(ComponentJobKind.Algorithm)),
            });
            result.Succeeded.Should().BeTrue(result.FailureMessage);
            return (stopwatch.Elapsed, result.Duration);
        };
    }

    /// <summary>Create, start, wait, inspect, remove: the least a platform must ask of the engine, under the same isolation settings.</summary>
    private Func<string, Task<(TimeSpan, TimeSpan)>> RunWithEngineAsync(string image)
    {
        var docker = world.App.Services.GetRequiredService<IDockerEngine>().Client;
        var workers = world.App.Services.GetRequiredService<IOptions<WorkersOptions>>().Value;
        var containerOptions = world.App.Services.GetRequiredService<IOptions<ContainerOptions>>().Value;
        return async folder =>
        {
            var outputFolder = Path.Combine(Path.GetDirectoryName(folder)!, $"{Path.GetFileName(folder)}-engine-output");
            Directory.CreateDirectory(outputFolder);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(outputFolder, (UnixFileMode)0b111_111_111);
            }

            var stopwatch = Stopwatch.StartNew();
            var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Image = image,
                Labels = new Dictionary<string, string> { ["org.grandchallenge.benchmark"] = "true" },
                NetworkDisabled = true,
                HostConfig = new HostConfig
                {
                    NetworkMode = "none",
                    Runtime = containerOptions.RuntimeFor(nameof(ComponentJobKind.Algorithm)),
                    Memory = 4L << 30,
                    MemorySwap = 4L << 30,
                    NanoCPUs = (long)(workers.CpusPerJob * 1_000_000_000),
                    PidsLimit = 128,
                    CapDrop = ["ALL"],
                    SecurityOpt = ["no-new-privileges"],
                    Init = true,
                    ReadonlyRootfs = true,
                    IpcMode = "private",
                    Tmpfs = new Dictionary<string, string> { ["/tmp"] = $"rw,nosuid,nodev,size={1L << 30}" },
                    Binds = [$"{folder}:/input:ro", $"{outputFolder}:/output:rw"],
                },
            });
            try
            {
                await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
                var exit = await docker.Containers.WaitContainerAsync(created.ID);
                exit.StatusCode.Should().Be(0);
                var state = (await docker.Containers.InspectContainerAsync(created.ID)).State;
                var own = DateTimeOffset.Parse(state.FinishedAt, CultureInfo.InvariantCulture) - DateTimeOffset.Parse(state.StartedAt, CultureInfo.InvariantCulture);
                await docker.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true });
                return (stopwatch.Elapsed, own);
            }
            catch
            {
                await docker.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true });
                throw;
            }
        };
    }

    private static double Median(IReadOnlyCollection<double> values) =>
        values.Count == 0 ? 0 : values.Order().ElementAt(values.Count / 2);

    private static double? LoadAverage() =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture, out var load) ? load : null;
}
