using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Components;
using GrandChallenge.Workers.Containers;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Workers;

/// <summary>Jobs through the whole engine in one host: queue, Quartz firing, claim, container, statuses, live updates.</summary>
[Trait("Category", "Docker")]
public sealed class ComponentJobEngineTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private GrandChallengeAppFactory App => fixture.App;
    private ComponentJobQueue Queue => App.Services.GetRequiredService<ComponentJobQueue>();
    private ComponentJobStore Store => App.Services.GetRequiredService<ComponentJobStore>();

    private async Task<ComponentJob> EnqueueAsync(string image, Guid? creator = null, int timeLimitSeconds = 120) =>
        await Queue.EnqueueAsync(new ComponentJob
        {
            Kind = ComponentJobKind.Algorithm,
            ImageReference = await DockerTestImages.BuildAsync(image),
            CreatorId = creator,
            TimeLimitSeconds = timeLimitSeconds,
            MemoryGb = 1,
        });

    private Task<ComponentJob> WaitForAsync(Guid jobId, Func<ComponentJob, bool> condition, int seconds = 60) =>
        JobWaiting.WaitForAsync(Store, jobId, condition, seconds);

    [Fact]
    public async Task A_job_runs_to_Succeeded_and_its_owner_hears_every_status_live()
    {
        var user = await App.CreateUserAsync($"job{Guid.NewGuid():N}"[..16]);
        var heard = new List<ComponentJobStatus>();
        var notifier = App.Services.GetRequiredService<IChangeNotifier>();
        var job = new ComponentJob { Kind = ComponentJobKind.Algorithm, ImageReference = await DockerTestImages.BuildAsync("hello"), CreatorId = user.Id, TimeLimitSeconds = 120, MemoryGb = 1 };
        using var subscription = notifier.Subscribe(ComponentJobExecutor.Topic(job.Id), payload =>
        {
            lock (heard)
            {
                heard.Add(((ComponentJobUpdate)payload!).Status);
            }

            return Task.CompletedTask;
        });

        await Queue.EnqueueAsync(job);
        var done = await WaitForAsync(job.Id, j => j.IsFinal);

        done.Status.Should().Be(ComponentJobStatus.Succeeded, done.ErrorMessage);
        done.ExitCode.Should().Be(0);
        done.Stdout.Should().Contain("hello from the container");
        done.ExecDurationMs.Should().BePositive();
        done.Attempt.Should().Be(0);
        await Task.Delay(200);
        lock (heard)
        {
            heard.Should().ContainInOrder(ComponentJobStatus.Pending, ComponentJobStatus.Provisioned, ComponentJobStatus.Executing, ComponentJobStatus.Executed, ComponentJobStatus.Succeeded);
        }
    }

    [Fact]
    public async Task Socket_values_go_in_through_input_and_come_back_as_validated_output_values()
    {
        var sockets = App.Services.GetRequiredService<ISocketService>();
        var values = App.Services.GetRequiredService<ISocketValueService>();
        var admin = new Actor(Guid.NewGuid(), IsSiteAdmin: true);
        var threshold = (await sockets.CreateAsync(admin, new SocketDraft($"Threshold {Guid.NewGuid():N}", "FLT", "threshold.json", StoreInDatabase: true))).Value!;
        var metricsSocket = App.Db(db => db.Sockets.Single(x => x.Slug == DefaultSockets.MetricsJsonFile));
        var input = (await values.GetOrCreateJsonAsync(threshold, System.Text.Json.Nodes.JsonValue.Create(0.75))).Value!;
        var job = new ComponentJob
        {
            Kind = ComponentJobKind.Evaluation,
            ImageReference = await DockerTestImages.BuildAsync("job-metrics"),
            TimeLimitSeconds = 120,
            MemoryGb = 1,
            OutputSocketIds = [metricsSocket.Id],
            Values = [new ComponentJobValue { SocketValueId = input.Id }],
        };

        await Queue.EnqueueAsync(job);
        var done = await WaitForAsync(job.Id, j => j.IsFinal);

        done.Status.Should().Be(ComponentJobStatus.Succeeded, done.ErrorMessage);
        done.Stdout.Should().Contain("\"relative_path\": \"threshold.json\"", "the container read /input/inputs.json");
        var output = done.Values.Single(v => v.IsOutput);
        var metrics = App.Db(db => db.SocketValues.Single(v => v.Id == output.SocketValueId));
        metrics.SocketId.Should().Be(metricsSocket.Id);
        System.Text.Json.Nodes.JsonNode.Parse(metrics.Value!)!["score"]!.GetValue<double>().Should().Be(0.75);
    }

    [Fact]
    public async Task A_missing_output_fails_the_job_with_the_sockets_message()
    {
        var metricsSocket = App.Db(db => db.Sockets.Single(x => x.Slug == DefaultSockets.MetricsJsonFile));
        var job = new ComponentJob
        {
            Kind = ComponentJobKind.Evaluation,
            ImageReference = await DockerTestImages.BuildAsync("hello"),
            TimeLimitSeconds = 120,
            MemoryGb = 1,
            OutputSocketIds = [metricsSocket.Id],
        };

        await Queue.EnqueueAsync(job);
        var done = await WaitForAsync(job.Id, j => j.IsFinal);

        done.Status.Should().Be(ComponentJobStatus.Failed);
        done.ErrorMessage.Should().Contain("metrics.json").And.Contain("not produced");
        done.DetailedErrors.Should().ContainKey(metricsSocket.Title);
    }

    [Fact]
    public async Task A_failing_container_fails_the_job_with_its_last_error_line_and_is_not_retried()
    {
        var job = await EnqueueAsync("job-fail");

        var done = await WaitForAsync(job.Id, j => j.IsFinal);

        done.Status.Should().Be(ComponentJobStatus.Failed);
        done.ErrorMessage.Should().Be("Model weights missing");
        done.ExitCode.Should().Be(2);
        done.Attempt.Should().Be(0, "a user's own failure is never retried");
    }

    [Fact]
    public async Task The_owner_cancels_a_running_job_and_its_container_is_stopped()
    {
        var owner = await App.CreateUserAsync($"own{Guid.NewGuid():N}"[..16]);
        var stranger = await App.CreateUserAsync($"str{Guid.NewGuid():N}"[..16]);
        var job = await EnqueueAsync("job-sleep", owner.Id);
        await WaitForAsync(job.Id, j => j.Status == ComponentJobStatus.Executing);

        (await Queue.CancelAsync(new Actor(stranger.Id, false), job.Id)).Succeeded.Should().BeFalse("only the owner or a site admin may cancel");
        (await Queue.CancelAsync(new Actor(owner.Id, false), job.Id)).Succeeded.Should().BeTrue();
        var done = await WaitForAsync(job.Id, j => j.IsFinal, seconds: 30);

        done.Status.Should().Be(ComponentJobStatus.Cancelled);
        done.ErrorMessage.Should().Be("The job was cancelled.");
        var containers = await DockerTestImages.RunAsync("docker", "ps", "-aq", "--filter", $"label={DockerContainerRunner.JobLabel}={job.Id:N}");
        containers.Should().BeEmpty();
    }

    [Fact]
    public async Task The_sweeper_keeps_containers_of_jobs_running_on_other_nodes_and_removes_true_orphans()
    {
        var owner = await App.CreateUserAsync($"swp{Guid.NewGuid():N}"[..16]);
        var job = await EnqueueAsync("job-sleep", owner.Id);
        await WaitForAsync(job.Id, j => j.Status == ComponentJobStatus.Executing);
        await JobWaiting.WaitForContainerAsync(job.Id);

        await using (var db = App.Services.GetRequiredService<GrandChallenge.Domain.Data.AppDbContextFactory>().CreateDbContext())
        {
            var row = db.ComponentJobs.Single(j => j.Id == job.Id);
            row.WorkerNode = "another-node-on-this-engine";
            await db.SaveChangesAsync();
        }

        await App.Services.GetRequiredService<ComponentJobSweeper>().SweepAsync(CancellationToken.None);
        (await JobWaiting.ContainersOfAsync(job.Id)).Should().NotBeEmpty("a job running on another node of the same engine is no orphan");

        await Queue.CancelAsync(new Actor(owner.Id, false), job.Id);
        (await WaitForAsync(job.Id, j => j.IsFinal, seconds: 30)).Status.Should().Be(ComponentJobStatus.Cancelled);
        (await JobWaiting.ContainersOfAsync(job.Id)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_pending_job_is_cancelled_at_once_and_a_finished_one_cannot_be()
    {
        var admin = new Actor(Guid.NewGuid(), IsSiteAdmin: true);
        var job = new ComponentJob { Kind = ComponentJobKind.Algorithm, ImageReference = "unused", Status = ComponentJobStatus.Pending, RetryAfter = DateTimeOffset.UtcNow.AddHours(1) };
        await using (var db = App.Services.GetRequiredService<GrandChallenge.Domain.Data.AppDbContextFactory>().CreateDbContext())
        {
            db.ComponentJobs.Add(job);
            await db.SaveChangesAsync();
        }

        (await Queue.CancelAsync(admin, job.Id)).Value.Should().Be(ComponentJobStatus.Cancelled);
        var again = await Queue.CancelAsync(admin, job.Id);
        again.Succeeded.Should().BeFalse();
        again.Error.Should().Be("The job has already ended (Cancelled).");
    }

    [Fact]
    public async Task A_missing_image_fails_with_a_clear_message()
    {
        var job = await Queue.EnqueueAsync(new ComponentJob { Kind = ComponentJobKind.Algorithm, ImageReference = "gc-test/does-not-exist:latest", TimeLimitSeconds = 60, MemoryGb = 1 });

        var done = await WaitForAsync(job.Id, j => j.IsFinal);

        done.Status.Should().Be(ComponentJobStatus.Failed);
        done.ErrorMessage.Should().Contain("container image is not available");
    }
}
