using System.Diagnostics;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Components;
using GrandChallenge.Workers.Containers;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Workers;

/// <summary>
/// GrandChallenge.Workers as separate processes on one PostgreSQL database, the way a multi-node set-up runs:
/// a worker killed in the middle of a job picks it up again after a restart, and two workers never run the
/// same job twice.
/// </summary>
[Trait("Category", "Docker")]
public sealed class WorkerProcessTests : IAsyncLifetime
{
    private readonly List<Process> _workers = [];
    private TestDatabase _database = default!;
    private GrandChallengeAppFactory _web = default!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSql);
        _web = new GrandChallengeAppFactory(_database, settings: new Dictionary<string, string> { ["Workers:InProcess"] = "false" });
        _ = _web.Services;
    }

    public async Task DisposeAsync()
    {
        foreach (var worker in _workers.Where(w => !w.HasExited))
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
        }

        await _web.DisposeAsync();
        await _database.DisposeAsync();
    }

    private Process StartWorker(string node, IReadOnlyDictionary<string, string>? environment = null)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(TestEnvironment.RepositoryRoot, "GrandChallenge.Workers", "bin", configuration, "net10.0", "GrandChallenge.Workers.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.Environment["Database__Provider"] = "PostgreSql";
        start.Environment["ConnectionStrings__Default"] = _database.ConnectionString;
        start.Environment["GC_DATA_DIR"] = Path.Combine(_database.Directory, node);
        start.Environment["Workers__NodeId"] = node;
        start.Environment["Workers__Slots"] = "2";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var log = Path.Combine(TestEnvironment.ArtifactsDirectory, $"worker-{node}.log");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (_workers) { File.AppendAllText(log, e.Data + "\n"); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (_workers) { File.AppendAllText(log, e.Data + "\n"); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _workers.Add(process);
        return process;
    }

    private async Task<ComponentJob> EnqueueAsync(string image) =>
        await _web.Services.GetRequiredService<ComponentJobQueue>().EnqueueAsync(new ComponentJob
        {
            Kind = ComponentJobKind.Algorithm,
            ImageReference = await DockerTestImages.BuildAsync(image),
            TimeLimitSeconds = 300,
            MemoryGb = 1,
        });

    private Task<ComponentJob> WaitForAsync(Guid jobId, Func<ComponentJob, bool> condition, int seconds) =>
        JobWaiting.WaitForAsync(_web.Services.GetRequiredService<ComponentJobStore>(), jobId, condition, seconds);

    [Fact]
    public async Task A_worker_killed_mid_job_finishes_it_after_a_restart_and_leaves_no_container()
    {
        var worker = StartWorker("node-kill");
        var job = await EnqueueAsync("job-slow");
        await WaitForAsync(job.Id, j => j.Status == ComponentJobStatus.Executing, seconds: 90);
        await JobWaiting.WaitForContainerAsync(job.Id);

        worker.Kill(entireProcessTree: true);
        await worker.WaitForExitAsync();
        (await JobWaiting.ContainersOfAsync(job.Id)).Should().NotBeEmpty("the container outlives its worker");

        StartWorker("node-kill");
        var done = await WaitForAsync(job.Id, j => j.IsFinal, seconds: 120);

        done.Status.Should().BeOneOf(ComponentJobStatus.Succeeded, ComponentJobStatus.Failed);
        if (done.Status == ComponentJobStatus.Failed)
        {
            done.ErrorMessage.Should().NotBeNullOrWhiteSpace();
        }

        done.Status.Should().Be(ComponentJobStatus.Succeeded, "the restarted worker re-attaches to the still running container");
        done.Stdout.Should().Contain("end");
        (await JobWaiting.ContainersOfAsync(job.Id)).Should().BeEmpty();
    }

    [Fact]
    public async Task Two_workers_on_one_database_never_run_the_same_job_twice()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds();
        StartWorker("node-a");
        StartWorker("node-b");
        var jobs = new List<ComponentJob>();
        for (var i = 0; i < 50; i++)
        {
            jobs.Add(await EnqueueAsync("hello"));
        }

        foreach (var job in jobs)
        {
            var done = await WaitForAsync(job.Id, j => j.IsFinal, seconds: 300);
            done.Status.Should().Be(ComponentJobStatus.Succeeded, done.ErrorMessage);
        }

        var until = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds();
        var created = (await DockerTestImages.RunAsync("docker", "events", "--since", since.ToString(), "--until", until.ToString(),
                "--filter", "type=container", "--filter", "event=create", "--filter", $"label={DockerContainerRunner.ManagedLabel}=true",
                "--format", $"{{{{index .Actor.Attributes \"{DockerContainerRunner.JobLabel}\"}}}}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var ours = jobs.Select(j => j.Id.ToString("N")).ToHashSet();
        var executions = created.Where(ours.Contains).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());

        executions.Should().HaveCount(50, "every job ran");
        executions.Values.Should().AllBeEquivalentTo(1, "no job ran twice");
        var nodes = _web.Db(db => db.ComponentJobs.Select(j => j.WorkerNode).Distinct().ToList());
        nodes.Should().BeEquivalentTo(["node-a", "node-b"], "both workers took jobs");
    }

    [Fact]
    public async Task A_separate_worker_sends_statuses_and_log_lines_to_the_web_hosts_pages()
    {
        const string key = "test-events-key";
        await using var web = new GrandChallengeAppFactory(_database, kestrel: true,
            settings: new Dictionary<string, string> { ["Workers:InProcess"] = "false", ["Workers:EventsKey"] = key });
        var address = web.ServerAddress;
        StartWorker("node-live", new Dictionary<string, string> { ["Workers__WebUrl"] = address.ToString(), ["Workers__EventsKey"] = key });
        var notifier = web.Services.GetRequiredService<GrandChallenge.Domain.Common.IChangeNotifier>();
        var job = new ComponentJob { Kind = ComponentJobKind.Algorithm, ImageReference = await DockerTestImages.BuildAsync("hello"), TimeLimitSeconds = 120, MemoryGb = 1 };
        var succeeded = new TaskCompletionSource();
        var lines = new List<string>();
        using var statuses = notifier.Subscribe(ComponentJobExecutor.Topic(job.Id), payload =>
        {
            if (payload is ComponentJobUpdate { Status: ComponentJobStatus.Succeeded })
            {
                succeeded.TrySetResult();
            }

            return Task.CompletedTask;
        });
        using var logs = notifier.Subscribe(ComponentJobExecutor.LogTopic(job.Id), payload =>
        {
            lock (lines)
            {
                lines.Add(((LogLine)payload!).Text);
            }

            return Task.CompletedTask;
        });

        await web.Services.GetRequiredService<ComponentJobQueue>().EnqueueAsync(job);

        await succeeded.Task.WaitAsync(TimeSpan.FromSeconds(90));
        // Statuses and log lines are separate topics, each delivered in order but not in step with the other.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            lock (lines)
            {
                if (lines.Contains("hello from the container"))
                {
                    break;
                }
            }

            await Task.Delay(50);
        }

        lock (lines)
        {
            lines.Should().Contain("hello from the container", "log lines reach the web host while the job runs");
        }
    }

    [Fact]
    public async Task The_worker_events_hub_drops_callers_without_the_key()
    {
        await using var web = new GrandChallengeAppFactory(_database, kestrel: true,
            settings: new Dictionary<string, string> { ["Workers:InProcess"] = "false", ["Workers:EventsKey"] = "right-key" });
        var heard = false;
        using var subscription = web.Services.GetRequiredService<GrandChallenge.Domain.Common.IChangeNotifier>().Subscribe("intruder", _ =>
        {
            heard = true;
            return Task.CompletedTask;
        });
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(web.ServerAddress, GrandChallenge.Workers.Events.WorkerEvents.HubPath), o => o.Headers["X-Worker-Key"] = "wrong-key")
            .Build();
        var closed = new TaskCompletionSource();
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        try
        {
            await connection.StartAsync();
            await connection.SendAsync("Publish", "intruder", "Guid", $"\"{Guid.NewGuid()}\"");
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
        {
            closed.TrySetResult();
        }

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(200);
        heard.Should().BeFalse();
    }
}
