using System.Collections.Concurrent;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Components;
using GrandChallenge.Workers.Containers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Quartz;

namespace GrandChallenge.Tests.Workers;

/// <summary>
/// The periodic sweeper on the real engine. A worker that vanished for good is played by starting the job's
/// container with the real runner and abandoning it, as a worker does when its process stops: the container keeps
/// running with the platform's labels and nobody watches it.
/// </summary>
[Trait("Category", "Docker")]
public sealed class ComponentJobSweeperTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IAsyncLifetime
{
    private const string VanishedNode = "a-node-that-never-came-back";
    private static readonly TriggerKey PeriodicSweep = new("sweep-component-jobs", "components");

    private readonly string _work = TestEnvironment.NewTempDirectory("gc-sweeper");
    private readonly ConcurrentBag<Guid> _containerJobs = [];
    private IScheduler _scheduler = default!;

    private GrandChallengeAppFactory App => fixture.App;
    private ComponentJobStore Store => App.Services.GetRequiredService<ComponentJobStore>();

    public async Task InitializeAsync()
    {
        // Only the sweeps a test fires run, so the containers it sets up are still there when it looks at them.
        _scheduler = await App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await _scheduler.PauseTrigger(PeriodicSweep);
    }

    public async Task DisposeAsync()
    {
        await _scheduler.ResumeTrigger(PeriodicSweep);
        foreach (var jobId in _containerJobs)
        {
            var ids = await JobWaiting.ContainersOfAsync(jobId);
            if (ids.Length > 0)
            {
                await DockerTestImages.RunAsync("docker", ["rm", "-f", .. ids.Split('\n')]);
            }
        }

        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task A_job_stuck_past_its_time_limit_is_failed_with_a_clear_message_and_its_container_removed()
    {
        var now = DateTimeOffset.UtcNow;
        var stuck = await InsertJobAsync(ComponentJobStatus.Executing, startedAt: now - TimeSpan.FromSeconds(60) - ComponentJobSweeper.Grace - TimeSpan.FromMinutes(1));
        var withinGrace = await InsertJobAsync(ComponentJobStatus.Executing, startedAt: now - TimeSpan.FromMinutes(2));
        await StartAbandonedContainerAsync(stuck);
        await StartAbandonedContainerAsync(withinGrace);
        var heard = new ConcurrentQueue<ComponentJobUpdate>();
        using var subscription = App.Services.GetRequiredService<IChangeNotifier>().Subscribe(ComponentJobExecutor.Topic(stuck), payload =>
        {
            heard.Enqueue((ComponentJobUpdate)payload!);
            return Task.CompletedTask;
        });

        await _scheduler.TriggerJob(SweepComponentJobsJob.Key);

        var failed = await JobWaiting.WaitForAsync(Store, stuck, j => j.IsFinal, seconds: 30);
        failed.Status.Should().Be(ComponentJobStatus.Failed);
        failed.ErrorMessage.Should().Be(ComponentJobSweeper.StuckMessage);
        failed.CompletedAt.Should().NotBeNull();
        await WaitUntilNoContainersAsync(stuck);
        heard.Should().ContainEquivalentOf(new ComponentJobUpdate(stuck, ComponentJobStatus.Failed, ComponentJobSweeper.StuckMessage),
            "an open job page hears the failure at once");

        (await Store.FindAsync(withinGrace))!.Status.Should().Be(ComponentJobStatus.Executing, "a job past its limit but within the grace may still be finishing");
        (await JobWaiting.ContainersOfAsync(withinGrace)).Should().NotBeEmpty();
    }

    [Fact]
    public async Task Labelled_containers_of_finished_or_unknown_jobs_are_removed_and_others_are_left_alone()
    {
        var now = DateTimeOffset.UtcNow;
        var succeeded = await InsertJobAsync(ComponentJobStatus.Succeeded, startedAt: now - TimeSpan.FromMinutes(1));
        var cancelled = await InsertJobAsync(ComponentJobStatus.Cancelled, startedAt: now - TimeSpan.FromMinutes(1));
        var unknown = Guid.NewGuid();
        var running = await InsertJobAsync(ComponentJobStatus.Executing, startedAt: now);
        foreach (var job in new[] { succeeded, cancelled, unknown, running })
        {
            await StartAbandonedContainerAsync(job);
        }

        // The same labels but another platform's instance on this engine: never ours to remove.
        var foreignJob = Guid.NewGuid();
        _containerJobs.Add(foreignJob);
        await DockerTestImages.RunAsync("docker", "run", "-d", "--network", "none",
            "--label", $"{DockerContainerRunner.ManagedLabel}=true", "--label", $"{DockerContainerRunner.InstanceLabel}=another-platform",
            "--label", $"{DockerContainerRunner.JobLabel}={foreignJob:N}", await DockerTestImages.BuildAsync("job-sleep"));

        await _scheduler.TriggerJob(SweepComponentJobsJob.Key);

        await WaitUntilNoContainersAsync(succeeded);
        await WaitUntilNoContainersAsync(cancelled);
        await WaitUntilNoContainersAsync(unknown);
        (await JobWaiting.ContainersOfAsync(running)).Should().NotBeEmpty("its job is still running");
        (await JobWaiting.ContainersOfAsync(foreignJob)).Should().NotBeEmpty("it belongs to another platform sharing the engine");
        (await Store.FindAsync(running))!.Status.Should().Be(ComponentJobStatus.Executing);
        (await Store.FindAsync(succeeded))!.Status.Should().Be(ComponentJobStatus.Succeeded);
    }

    private async Task<Guid> InsertJobAsync(ComponentJobStatus status, DateTimeOffset startedAt)
    {
        var job = new ComponentJob
        {
            Kind = ComponentJobKind.Algorithm,
            ImageReference = await DockerTestImages.BuildAsync("job-sleep"),
            Status = status,
            TimeLimitSeconds = 60,
            MemoryGb = 1,
            ClaimToken = Guid.NewGuid().ToString("N"),
            WorkerNode = VanishedNode,
            ClaimedAt = startedAt,
            StartedAt = startedAt,
        };
        await using var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        db.ComponentJobs.Add(job);
        await db.SaveChangesAsync();
        return job.Id;
    }

    /// <summary>Starts the job's container with the real runner, then stops waiting for it as a stopping worker does.</summary>
    private async Task StartAbandonedContainerAsync(Guid jobId)
    {
        _containerJobs.Add(jobId);
        var folder = Directory.CreateDirectory(Path.Combine(_work, jobId.ToString("N"))).FullName;
        var spec = new ContainerRunSpec
        {
            Image = await DockerTestImages.BuildAsync("job-sleep"),
            JobId = jobId.ToString("N"),
            InputDirectory = Directory.CreateDirectory(Path.Combine(folder, "input")).FullName,
            OutputDirectory = Path.Combine(folder, "output"),
            MemoryBytes = 256L << 20,
            Runtime = App.Services.GetRequiredService<IOptions<ContainerOptions>>().Value.DefaultRuntime,
        };
        using var abandon = new CancellationTokenSource();
        var run = App.Services.GetRequiredService<IContainerRunner>().RunAsync(spec, abandon: abandon.Token);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await DockerTestImages.RunAsync("docker", "ps", "-q", "--filter", "status=running",
                   "--filter", $"label={DockerContainerRunner.JobLabel}={jobId:N}")).Length == 0)
        {
            if (DateTime.UtcNow > deadline || run.IsCompleted)
            {
                await run;
                throw new TimeoutException($"The container of job {jobId} did not start.");
            }

            await Task.Delay(50);
        }

        await abandon.CancelAsync();
        await FluentActions.Awaiting(() => run).Should().ThrowAsync<OperationCanceledException>();
        (await JobWaiting.ContainersOfAsync(jobId)).Should().NotBeEmpty("an abandoned container keeps running");
    }

    private static async Task WaitUntilNoContainersAsync(Guid jobId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await JobWaiting.ContainersOfAsync(jobId)).Length > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The container of job {jobId} is still there after 30 s.");
            }

            await Task.Delay(100);
        }
    }
}
