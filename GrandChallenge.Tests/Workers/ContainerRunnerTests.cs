using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Containers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Tests.Workers;

/// <summary>The isolation baseline against a real engine, under runc and under gVisor's runsc.</summary>
[Trait("Category", "Docker")]
public sealed class ContainerRunnerTests : IAsyncLifetime
{
    private readonly string _work = TestEnvironment.NewTempDirectory("gc-runner");
    private readonly DockerEngine _engine = new(Options.Create(new DockerOptions()), NullLogger<DockerEngine>.Instance);
    private readonly DockerContainerRunner _runner;
    private string _image = "";

    public ContainerRunnerTests() =>
        _runner = new DockerContainerRunner(_engine, Options.Create(new ContainerOptions { StopGraceSeconds = 2, Instance = $"runner-tests-{Guid.NewGuid():N}" }), TimeProvider.System, NullLogger<DockerContainerRunner>.Instance);

    public static TheoryData<string> Runtimes => ["runc", "runsc"];

    public async Task InitializeAsync()
    {
        _image = await DockerTestImages.BuildAsync("misbehave");
        Directory.CreateDirectory(Path.Combine(_work, "input"));
        await File.WriteAllTextAsync(Path.Combine(_work, "input", "value.json"), "{\"answer\": 42}");
    }

    public Task DisposeAsync()
    {
        _engine.Dispose();
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    private ContainerRunSpec Spec(string behaviour, string runtime, TimeSpan? timeLimit = null, long memory = 256L << 20, long maxOutput = 100L << 20) => new()
    {
        Image = _image,
        JobId = $"test-{behaviour}-{runtime}-{Guid.NewGuid():N}"[..40],
        InputDirectory = Path.Combine(_work, "input"),
        OutputDirectory = Path.Combine(_work, $"output-{Guid.NewGuid():N}"),
        Environment = new Dictionary<string, string> { ["BEHAVIOUR"] = behaviour },
        TimeLimit = timeLimit ?? TimeSpan.FromSeconds(60),
        MemoryBytes = memory,
        MaxOutputBytes = maxOutput,
        TmpBytes = 64L << 20,
        Runtime = runtime,
    };

    private async Task<ContainerRunResult> RunAsync(ContainerRunSpec spec, List<LogLine>? live = null)
    {
        var result = await _runner.RunAsync(spec, line =>
        {
            lock (live ?? [])
            {
                live?.Add(line);
            }
        });
        (await ContainerExistsAsync(spec.JobId)).Should().BeFalse("the runner removes every container it creates");
        return result;
    }

    private async Task<bool> ContainerRunningAsync(string jobId)
    {
        try
        {
            return (await _engine.Client.Containers.InspectContainerAsync(DockerContainerRunner.ContainerName(jobId))).State.Running;
        }
        catch (Docker.DotNet.DockerContainerNotFoundException)
        {
            return false;
        }
    }

    private async Task<bool> ContainerExistsAsync(string jobId)
    {
        try
        {
            await _engine.Client.Containers.InspectContainerAsync(DockerContainerRunner.ContainerName(jobId));
            return true;
        }
        catch (Docker.DotNet.DockerContainerNotFoundException)
        {
            return false;
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task A_well_behaved_container_reads_inputs_writes_outputs_and_runs_as_its_non_root_user(string runtime)
    {
        var live = new List<LogLine>();
        var spec = Spec("happy", runtime);

        var result = await RunAsync(spec, live);

        result.Succeeded.Should().BeTrue(result.FailureMessage);
        result.ExitCode.Should().Be(0);
        result.Stdout.Select(l => l.Text).Should().Contain(["uid=1000", "inputs: value.json ", "tmp writable"]);
        result.Stderr.Select(l => l.Text).Should().Equal("done");
        live.Should().HaveCount(result.Stdout.Count + result.Stderr.Count, "every line is streamed while the container runs");
        result.Outputs.Select(o => o.RelativePath).Should().Equal("echo.json", "images/seg/out.mha", "metrics.json");
        (await File.ReadAllTextAsync(Path.Combine(spec.OutputDirectory, "echo.json"))).Should().Be("{\"answer\": 42}");
        result.Duration.Should().BePositive().And.BeLessThan(TimeSpan.FromSeconds(30));
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task A_container_that_tries_the_network_has_none(string runtime)
    {
        var result = await RunAsync(Spec("network", runtime));

        result.Stdout.Select(l => l.Text).Should().Contain(l => l.StartsWith("interfaces:")).Which.Trim().Should().Be("interfaces: lo");
        result.ExitCode.Should().Be(7);
        result.FailureMessage.Should().Be("network blocked");
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task A_fork_bomb_is_bounded_by_the_pids_limit(string runtime)
    {
        var result = await RunAsync(Spec("forkbomb", runtime));

        result.Succeeded.Should().BeFalse();
        result.ExitCode.Should().Be(2, "busybox sh gives up when the pids limit refuses a fork");
        if (runtime == "runc")
        {
            result.FailureMessage.Should().Contain("can't fork");
        }

        result.Duration.Should().BeLessThan(TimeSpan.FromSeconds(20));
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task A_memory_hog_is_killed_with_the_memory_message(string runtime)
    {
        var result = await RunAsync(Spec("memhog", runtime, memory: 64L << 20));

        result.Succeeded.Should().BeFalse();
        result.FailureMessage.Should().Be("The container was killed as it exceeded its memory limit");
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task A_sleeper_past_its_time_limit_gets_SIGTERM_then_Time_limit_exceeded(string runtime)
    {
        var started = DateTime.UtcNow;

        var result = await RunAsync(Spec("sleeper", runtime, timeLimit: TimeSpan.FromSeconds(3)));

        result.TimedOut.Should().BeTrue();
        result.FailureMessage.Should().Be("Time limit exceeded");
        result.Stderr.Select(l => l.Text).Should().Contain("got SIGTERM, stopping", "the container is asked to stop before it is killed");
        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(30));
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task Writing_to_the_root_filesystem_fails(string runtime)
    {
        var result = await RunAsync(Spec("writer", runtime));

        result.ExitCode.Should().NotBe(0);
        result.FailureMessage.Should().MatchRegex("Read-only file system|Permission denied", "runc reports the read-only mount, gVisor the denied write");
    }

    [Theory]
    [InlineData("symlink", "runc", "The output 'leak' is a symbolic link; outputs must be regular files.")]
    [InlineData("symlinkdir", "runc", "The output 'ok/root' is a symbolic link; outputs must be regular files.")]
    [InlineData("symlink", "runsc", "The output 'leak' is a symbolic link; outputs must be regular files.")]
    public async Task Outputs_that_are_symbolic_links_are_rejected(string behaviour, string runtime, string message)
    {
        var result = await RunAsync(Spec(behaviour, runtime));

        result.ExitCode.Should().Be(0);
        result.Succeeded.Should().BeFalse();
        result.FailureMessage.Should().Be(message);
        result.Outputs.Should().BeEmpty();
    }

    [Fact]
    public async Task Output_beyond_the_cap_stops_the_container()
    {
        var result = await RunAsync(Spec("bigoutput", "runc", maxOutput: 16L << 20));

        result.FailureMessage.Should().Be("The container wrote more than 16 MB to /output.");
        result.Duration.Should().BeLessThan(TimeSpan.FromSeconds(5), "the watch kills the container instead of waiting for it");
    }

    [Fact]
    public async Task Waits_longer_than_the_engine_clients_default_timeout_are_not_cut_short()
    {
        var result = await RunAsync(Spec("sleeper", "runc", timeLimit: TimeSpan.FromSeconds(13)));

        result.TimedOut.Should().BeTrue();
        result.Duration.Should().BeGreaterThan(TimeSpan.FromSeconds(12), "the engine client's 10 s default timeout must not end the wait");
    }

    [Fact]
    public async Task A_failing_container_reports_its_last_non_empty_stderr_line()
    {
        var result = await RunAsync(Spec("fail", "runc"));

        result.ExitCode.Should().Be(2);
        result.FailureMessage.Should().Be("Model weights missing");
    }

    [Fact]
    public async Task A_leftover_container_of_an_earlier_attempt_under_the_jobs_name_is_replaced()
    {
        // A worker died between creating its container and removing it; the job's retry reuses the name.
        var spec = Spec("happy", "runc");
        var leftover = await _engine.Client.Containers.CreateContainerAsync(new Docker.DotNet.Models.CreateContainerParameters
        {
            Name = DockerContainerRunner.ContainerName(spec.JobId),
            Image = _image,
            Env = ["BEHAVIOUR=fail"],
        });

        var result = await RunAsync(spec);

        result.Succeeded.Should().BeTrue(result.FailureMessage);
        result.Stderr.Select(l => l.Text).Should().Equal("done");
        (await ContainerExistsAsync(spec.JobId)).Should().BeFalse();
        var gone = async () => await _engine.Client.Containers.InspectContainerAsync(leftover.ID);
        await gone.Should().ThrowAsync<Docker.DotNet.DockerContainerNotFoundException>();
    }

    [Fact]
    public async Task A_cancellation_that_arrives_while_the_container_is_created_still_reports_cancelled()
    {
        // The owner cancels in the moment between "Executing" and the engine starting the container.
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        var spec = Spec("sleeper", "runc");

        var result = await _runner.RunAsync(spec, ct: cancel.Token);

        result.Cancelled.Should().BeTrue("a cancelled job is Cancelled, not failed by an aborted engine call");
        (await ContainerExistsAsync(spec.JobId)).Should().BeFalse();
    }

    [Fact]
    public async Task Cancelling_stops_the_container_and_reports_cancelled()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var spec = Spec("sleeper", "runc");

        var result = await _runner.RunAsync(spec, ct: cancel.Token);

        result.Cancelled.Should().BeTrue();
        result.FailureMessage.Should().Be("The job was cancelled.");
        (await ContainerExistsAsync(spec.JobId)).Should().BeFalse();
    }

    [Fact]
    public async Task Orphaned_labelled_containers_are_removed()
    {
        var spec = Spec("sleeper", "runc");
        using var cancel = new CancellationTokenSource();
        var running = _runner.RunAsync(spec, ct: cancel.Token);
        await WaitUntilAsync(() => ContainerRunningAsync(spec.JobId));

        var removed = await _runner.RemoveOrphansAsync(job => Task.FromResult(job != spec.JobId));

        removed.Should().BeGreaterThanOrEqualTo(1);
        (await ContainerExistsAsync(spec.JobId)).Should().BeFalse();
        (await running).Succeeded.Should().BeFalse("its container was removed under it");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not become true in 30 s.");
            }

            await Task.Delay(50);
        }
    }
}
