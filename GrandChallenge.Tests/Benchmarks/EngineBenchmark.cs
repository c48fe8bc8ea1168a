using System.Diagnostics;
using System.Text.Json;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Components;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GrandChallenge.Tests.Benchmarks;

/// <summary>
/// Issue #3's figures, measured in one run: platform overhead per job (submit → Succeeded minus the same
/// container's plain <c>docker run --rm</c>), median over 30 trivial jobs; and trivial jobs per minute with the
/// default slots. Not a timed test: it records the figures (artifacts/bench/engine.json) and fails only if jobs fail.
/// Run with bench/engine.sh.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class EngineBenchmark(SqliteAppFixture fixture, ITestOutputHelper output) : IClassFixture<SqliteAppFixture>
{
    private const int Samples = 30;
    private const int ThroughputJobs = 60;

    [Fact]
    public async Task Overhead_per_job_and_throughput()
    {
        var image = await DockerTestImages.BuildAsync("hello");
        var queue = fixture.App.Services.GetRequiredService<ComponentJobQueue>();
        var notifier = fixture.App.Services.GetRequiredService<IChangeNotifier>();

        // Warm both paths once.
        await DockerRunAsync(image);
        await RunJobAsync(queue, notifier, image);

        var plain = new List<double>();
        var platform = new List<double>();
        for (var i = 0; i < Samples; i++)
        {
            plain.Add(await DockerRunAsync(image));
            platform.Add(await RunJobAsync(queue, notifier, image));
        }

        var stopwatch = Stopwatch.StartNew();
        var finished = 0;
        var allDone = new TaskCompletionSource();
        var jobs = Enumerable.Range(0, ThroughputJobs).Select(_ => new ComponentJob
        {
            Kind = ComponentJobKind.Algorithm,
            ImageReference = image,
            TimeLimitSeconds = 300,
            MemoryGb = 1,
            CreatorId = null,
        }).ToList();
        var subscriptions = jobs.Select(job => notifier.Subscribe(ComponentJobExecutor.Topic(job.Id), payload =>
        {
            if (payload is ComponentJobUpdate { Status: ComponentJobStatus.Succeeded or ComponentJobStatus.Failed }
                && Interlocked.Increment(ref finished) == ThroughputJobs)
            {
                allDone.TrySetResult();
            }

            return Task.CompletedTask;
        })).ToList();
        foreach (var job in jobs)
        {
            await queue.EnqueueAsync(job);
        }

        await allDone.Task.WaitAsync(TimeSpan.FromMinutes(10));
        var perMinute = ThroughputJobs / stopwatch.Elapsed.TotalMinutes;
        subscriptions.ForEach(s => s.Dispose());
        var failed = fixture.App.Db(db => db.ComponentJobs.Count(j => j.Status != ComponentJobStatus.Succeeded));

        var plainMedian = Median(plain);
        var platformMedian = Median(platform);
        var figures = new
        {
            samples = Samples,
            docker_run_median_s = Math.Round(plainMedian, 3),
            platform_median_s = Math.Round(platformMedian, 3),
            overhead_median_s = Math.Round(platformMedian - plainMedian, 3),
            ratio = Math.Round(platformMedian / plainMedian, 2),
            throughput_jobs = ThroughputJobs,
            throughput_per_minute = Math.Round(perMinute, 1),
            slots = fixture.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GrandChallenge.Workers.WorkersOptions>>().Value.Slots,
        };
        var json = JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true });
        var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "bench");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "engine.json"), json);
        output.WriteLine(json);

        failed.Should().Be(0, "every benchmark job must succeed");
    }

    private static async Task<double> DockerRunAsync(string image)
    {
        var stopwatch = Stopwatch.StartNew();
        await DockerTestImages.RunAsync("docker", "run", "--rm", "--network", "none", image);
        return stopwatch.Elapsed.TotalSeconds;
    }

    private static async Task<double> RunJobAsync(ComponentJobQueue queue, IChangeNotifier notifier, string image)
    {
        var job = new ComponentJob { Kind = ComponentJobKind.Algorithm, ImageReference = image, TimeLimitSeconds = 300, MemoryGb = 1 };
        var done = new TaskCompletionSource<ComponentJobStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = notifier.Subscribe(ComponentJobExecutor.Topic(job.Id), payload =>
        {
            if (payload is ComponentJobUpdate { Status: ComponentJobStatus.Succeeded or ComponentJobStatus.Failed or ComponentJobStatus.Cancelled } update)
            {
                done.TrySetResult(update.Status);
            }

            return Task.CompletedTask;
        });
        var stopwatch = Stopwatch.StartNew();
        await queue.EnqueueAsync(job);
        var status = await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
        status.Should().Be(ComponentJobStatus.Succeeded);
        return stopwatch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
