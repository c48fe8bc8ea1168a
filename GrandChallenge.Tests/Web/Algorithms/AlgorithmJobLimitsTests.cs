using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Algorithms;

/// <summary>A host on which a user may have at most <see cref="MaxActive"/> algorithm jobs waiting or running.</summary>
public sealed class LimitedAlgorithmJobWorld() : AlgorithmJobWorld(new LimitedJobsAppFixture())
{
    public const int MaxActive = 2;

    private sealed class LimitedJobsAppFixture()
        : AppFixture(DatabaseProvider.Sqlite, settings: new Dictionary<string, string> { ["Algorithms:MaxActiveJobsPerUser"] = MaxActive.ToString() });
}

/// <summary>
/// The limits on starting algorithm jobs, on the real engine: the per-user cap on jobs waiting or running, the per-algorithm
/// quota, and that an identical job that already succeeded is handed back before either limit is applied.
/// </summary>
[Trait("Category", "Docker")]
public sealed class AlgorithmJobLimitsTests(LimitedAlgorithmJobWorld world) : IClassFixture<LimitedAlgorithmJobWorld>
{
    private static object Image(string id) => new { @interface = AlgorithmJobWorld.InputSocket, image = id };

    private static object Mode(string mode) => new { @interface = AlgorithmJobWorld.ModeSocket, value = mode };

    private static string Pk(JsonElement e) => e.GetProperty("pk").GetString()!;

    private int JobCount() => world.App.Db(db => db.AlgorithmJobs.Count());

    private static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        response.StatusCode.Should().Be(expected, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> SucceededJobAsync(string algorithm, string image, string mode)
    {
        var created = await ExpectAsync(await world.RunAsync(world.User, algorithm, Image(image), Mode(mode)), HttpStatusCode.Created);
        var job = await AlgorithmJobWorld.WaitForJobAsync(world.User, created.GetProperty("api_url").GetString()!);
        job.GetProperty("status").GetString().Should().Be("Succeeded", job.GetProperty("error_message").ToString());
        return job;
    }

    /// <summary>Algorithm jobs of the user's that count as waiting, and that no worker claims for the next hour.</summary>
    private async Task<List<Guid>> ParkActiveJobsAsync(int count)
    {
        var jobs = Enumerable.Range(0, count).Select(_ => new ComponentJob
        {
            Kind = ComponentJobKind.Algorithm,
            Status = ComponentJobStatus.Pending,
            ImageReference = world.ImageSha,
            CreatorId = world.UserUser.Id,
            RetryAfter = DateTimeOffset.UtcNow.AddHours(1),
        }).ToList();
        await using var db = world.App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        db.ComponentJobs.AddRange(jobs);
        await db.SaveChangesAsync();
        return jobs.Select(j => j.Id).ToList();
    }

    private async Task EndJobsAsync(IReadOnlyCollection<Guid> ids)
    {
        await using var db = world.App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        await db.ComponentJobs.Where(j => ids.Contains(j.Id)).ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, ComponentJobStatus.Cancelled));
    }

    [Fact]
    public async Task A_user_with_the_maximum_of_jobs_waiting_is_refused_until_one_ends_but_gets_an_identical_earlier_job_back()
    {
        var algorithm = await world.CreateAlgorithmAsync($"busy-{world.Suffix}", "Busy");
        var image = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.User));
        var earlier = await SucceededJobAsync(algorithm.Slug, image, "busy-earlier");
        var parked = await ParkActiveJobsAsync(LimitedAlgorithmJobWorld.MaxActive);
        var before = JobCount();

        var refused = await ExpectAsync(await world.RunAsync(world.User, algorithm.Slug, Image(image), Mode("busy-new")), HttpStatusCode.BadRequest);
        refused.GetProperty("detail").GetString().Should()
            .Be($"You already have {LimitedAlgorithmJobWorld.MaxActive} jobs waiting or running (at most {LimitedAlgorithmJobWorld.MaxActive}); start more when some have finished.");
        var reused = await ExpectAsync(await world.RunAsync(world.User, algorithm.Slug, Image(image), Mode("busy-earlier")), HttpStatusCode.OK);
        Pk(reused).Should().Be(Pk(earlier), "an identical job that already succeeded starts nothing, so the limit does not apply to it");
        JobCount().Should().Be(before, "neither request started a job");

        // Another user is not held back by this user's jobs.
        var editorImage = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.Editor));
        await ExpectAsync(await world.RunAsync(world.Editor, algorithm.Slug, Image(editorImage), Mode("busy-editor")), HttpStatusCode.Created);

        await EndJobsAsync([parked[0]]);
        await ExpectAsync(await world.RunAsync(world.User, algorithm.Slug, Image(image), Mode("busy-new")), HttpStatusCode.Created);
        await EndJobsAsync(parked);
    }

    [Fact]
    public async Task A_user_whose_quota_is_spent_gets_an_identical_successful_job_back_instead_of_a_refusal()
    {
        var algorithm = await world.CreateAlgorithmAsync($"spent-{world.Suffix}", "Spent", quota: 1);
        var image = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.User));
        var earlier = await SucceededJobAsync(algorithm.Slug, image, "spent");
        var before = JobCount();

        var reused = await ExpectAsync(await world.RunAsync(world.User, algorithm.Slug, Image(image), Mode("spent")), HttpStatusCode.OK);
        Pk(reused).Should().Be(Pk(earlier));
        reused.GetProperty("status").GetString().Should().Be("Succeeded");

        var refused = await ExpectAsync(await world.RunAsync(world.User, algorithm.Slug, Image(image), Mode("spent-other")), HttpStatusCode.BadRequest);
        refused.GetProperty("detail").GetString().Should().StartWith("You have run out of jobs for this algorithm. You may run 1 job(s) every 30 day(s)");
        // A re-run never reuses, so the spent quota refuses it.
        (await world.User.PostAsync($"/api/v1/algorithms/jobs/{Pk(earlier)}/rerun/", null)).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        JobCount().Should().Be(before, "no request made a job");
    }
}
