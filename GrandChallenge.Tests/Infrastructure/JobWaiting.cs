using GrandChallenge.Domain.Components;
using GrandChallenge.Workers.Containers;

namespace GrandChallenge.Tests.Infrastructure;

/// <summary>Polling helpers for tests that watch component jobs and their containers.</summary>
public static class JobWaiting
{
    public static async Task<ComponentJob> WaitForAsync(ComponentJobStore store, Guid jobId, Func<ComponentJob, bool> condition, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var job = (await store.FindAsync(jobId))!;
            if (condition(job))
            {
                return job;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Job {jobId} is still {job.Status} after {seconds} s.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Ids of the containers (running or not) the platform labelled with this job.</summary>
    public static Task<string> ContainersOfAsync(Guid jobId) =>
        DockerTestImages.RunAsync("docker", "ps", "-aq", "--filter", $"label={DockerContainerRunner.JobLabel}={jobId:N}");

    /// <summary>Executing is recorded just before the container is created: waits until it exists.</summary>
    public static async Task WaitForContainerAsync(Guid jobId, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while ((await ContainersOfAsync(jobId)).Length == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }
}
