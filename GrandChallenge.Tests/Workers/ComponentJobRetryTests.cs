using System.Collections.Concurrent;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Components;
using GrandChallenge.Workers.Containers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrandChallenge.Tests.Workers;

/// <summary>The real engine behind a runner that can make chosen runs fail as an engine does; retries after one second.</summary>
public sealed class FaultyEngineAppFixture() : AppFixture(DatabaseProvider.Sqlite,
    settings: new Dictionary<string, string> { ["Workers:RetryDelaySeconds"] = "1" },
    services: services =>
    {
        services.RemoveAll<IContainerRunner>();
        services.AddSingleton<DockerContainerRunner>();
        services.AddSingleton<FaultInjectingContainerRunner>();
        services.AddSingleton<IContainerRunner>(sp => sp.GetRequiredService<FaultInjectingContainerRunner>());
    });

/// <summary>
/// Passes every call to the real <see cref="DockerContainerRunner"/>, except the first runs of chosen jobs, which
/// throw the given exception before anything reaches the engine, as when the engine's socket fails.
/// </summary>
public sealed class FaultInjectingContainerRunner(DockerContainerRunner real) : IContainerRunner
{
    private readonly ConcurrentDictionary<string, (int Times, Func<Exception> Fault)> _faults = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(DateTimeOffset At, bool Failed)>> _runs = new();

    public void FailRuns(Guid jobId, int times, Func<Exception> fault) => _faults[jobId.ToString("N")] = (times, fault);

    /// <summary>When each run of the job was asked for, and whether it was made to fail.</summary>
    public IReadOnlyList<(DateTimeOffset At, bool Failed)> RunsOf(Guid jobId) =>
        _runs.TryGetValue(jobId.ToString("N"), out var runs) ? runs.ToList() : [];

    public Task<ContainerRunResult> RunAsync(ContainerRunSpec spec, Action<LogLine>? logs = null, CancellationToken ct = default, CancellationToken abandon = default)
    {
        var runs = _runs.GetOrAdd(spec.JobId, _ => new());
        var fail = _faults.TryGetValue(spec.JobId, out var fault) && runs.Count(r => r.Failed) < fault.Times;
        runs.Enqueue((DateTimeOffset.UtcNow, fail));
        return fail ? throw fault.Fault() : real.RunAsync(spec, logs, ct, abandon);
    }

    public Task<ContainerRunResult?> ResumeAsync(ContainerRunSpec spec, DateTimeOffset startedAt, Action<LogLine>? logs = null, CancellationToken ct = default, CancellationToken abandon = default) =>
        real.ResumeAsync(spec, startedAt, logs, ct, abandon);

    public Task<int> RemoveOrphansAsync(Func<string, Task<bool>> isActive, CancellationToken ct = default) => real.RemoveOrphansAsync(isActive, ct);
}

/// <summary>A fault of the engine (not of the user's container) sends the job back to the queue, up to the attempt limit.</summary>
[Trait("Category", "Docker")]
public sealed class ComponentJobRetryTests(FaultyEngineAppFixture fixture) : IClassFixture<FaultyEngineAppFixture>
{
    private const string Waiting = "Waiting for the container engine; the job will be retried.";

    private GrandChallengeAppFactory App => fixture.App;
    private ComponentJobQueue Queue => App.Services.GetRequiredService<ComponentJobQueue>();
    private ComponentJobStore Store => App.Services.GetRequiredService<ComponentJobStore>();
    private FaultInjectingContainerRunner Runner => App.Services.GetRequiredService<FaultInjectingContainerRunner>();

    [Theory]
    [InlineData("io")]
    [InlineData("http")]
    public async Task A_job_whose_engine_call_fails_once_is_requeued_for_later_and_then_succeeds_on_the_real_engine(string fault)
    {
        var job = await NewJobAsync();
        Runner.FailRuns(job.Id, times: 1, () => fault == "io"
            ? new IOException("Broken pipe")
            : new HttpRequestException("Connection refused (/var/run/docker.sock)"));
        var heard = new ConcurrentQueue<ComponentJobUpdate>();
        using var subscription = Listen(job.Id, heard);

        await Queue.EnqueueAsync(job);
        var requeued = await JobWaiting.WaitForAsync(Store, job.Id, j => j.Attempt == 1, seconds: 30);
        var done = await JobWaiting.WaitForAsync(Store, job.Id, j => j.IsFinal, seconds: 60);

        requeued.RetryAfter.Should().NotBeNull();
        done.Status.Should().Be(ComponentJobStatus.Succeeded, done.ErrorMessage);
        done.Attempt.Should().Be(1);
        done.ErrorMessage.Should().BeNull();
        done.ExitCode.Should().Be(0);
        done.Stdout.Should().Contain("hello from the container", "the retry ran the image on the real engine");
        var runs = Runner.RunsOf(job.Id);
        runs.Select(r => r.Failed).Should().Equal(true, false);
        runs[1].At.Should().BeOnOrAfter(requeued.RetryAfter!.Value, "the retry waits until RetryAfter")
            .And.BeBefore(requeued.RetryAfter.Value.AddSeconds(10), "the retry is woken when it is due, not by the sweeper's next round");
        await Task.Delay(200);
        heard.Should().ContainInOrder(
            new ComponentJobUpdate(job.Id, ComponentJobStatus.Provisioned, null),
            new ComponentJobUpdate(job.Id, ComponentJobStatus.Pending, Waiting),
            new ComponentJobUpdate(job.Id, ComponentJobStatus.Provisioned, null),
            new ComponentJobUpdate(job.Id, ComponentJobStatus.Executing, null),
            new ComponentJobUpdate(job.Id, ComponentJobStatus.Succeeded, null));
        (await JobWaiting.ContainersOfAsync(job.Id)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_job_whose_engine_keeps_failing_fails_after_the_last_attempt_with_the_engines_error()
    {
        var job = await NewJobAsync();
        Runner.FailRuns(job.Id, times: int.MaxValue, () => new HttpRequestException("Connection refused (/var/run/docker.sock)"));
        var heard = new ConcurrentQueue<ComponentJobUpdate>();
        using var subscription = Listen(job.Id, heard);

        await Queue.EnqueueAsync(job);
        var done = await JobWaiting.WaitForAsync(Store, job.Id, j => j.IsFinal, seconds: 60);

        done.Status.Should().Be(ComponentJobStatus.Failed);
        done.ErrorMessage.Should().Be("The platform could not run the container: Connection refused (/var/run/docker.sock)");
        done.Attempt.Should().Be(ComponentJobExecutor.MaxInfrastructureAttempts - 1);
        done.ExitCode.Should().BeNull("no container ever ran");
        var runs = Runner.RunsOf(job.Id);
        runs.Should().HaveCount(ComponentJobExecutor.MaxInfrastructureAttempts).And.OnlyContain(r => r.Failed);
        (runs[2].At - runs[1].At).Should().BeGreaterThan(runs[1].At - runs[0].At, "each retry waits longer than the one before");
        await Task.Delay(200);
        heard.Count(u => u.Status == ComponentJobStatus.Pending && u.Message == Waiting).Should().Be(ComponentJobExecutor.MaxInfrastructureAttempts - 1);
        heard.Last().Should().Be(new ComponentJobUpdate(job.Id, ComponentJobStatus.Failed, done.ErrorMessage));
        (await JobWaiting.ContainersOfAsync(job.Id)).Should().BeEmpty();
    }

    private static async Task<ComponentJob> NewJobAsync() => new()
    {
        Kind = ComponentJobKind.Algorithm,
        ImageReference = await DockerTestImages.BuildAsync("hello"),
        TimeLimitSeconds = 120,
        MemoryGb = 1,
    };

    private IDisposable Listen(Guid jobId, ConcurrentQueue<ComponentJobUpdate> heard) =>
        App.Services.GetRequiredService<IChangeNotifier>().Subscribe(ComponentJobExecutor.Topic(jobId), payload =>
        {
            heard.Enqueue((ComponentJobUpdate)payload!);
            return Task.CompletedTask;
        });
}
