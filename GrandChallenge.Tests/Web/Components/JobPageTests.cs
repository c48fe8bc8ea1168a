using System.Security.Claims;
using Bunit;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Web.Features.Jobs;
using GrandChallenge.Workers.Components;
using GrandChallenge.Workers.Containers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace GrandChallenge.Tests.Web.Components;

[Trait("Category", "Unit")]
public sealed class JobPageTests : BunitContextBase
{
    /// <summary>Generous: the suite runs test classes in parallel on two cores.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly InMemoryDatabase _db = new();
    private readonly ChangeNotifier _notifier = new();
    private readonly Guid _jobId;

    public JobPageTests()
    {
        var admin = new ApplicationUser { UserName = "root" };
        var job = new ComponentJob { Kind = ComponentJobKind.Algorithm, ImageReference = "gc-test/job-slow:latest", Status = ComponentJobStatus.Executing };
        using (var db = _db.CreateDbContext())
        {
            db.Users.Add(admin);
            job.CreatorId = admin.Id;
            db.ComponentJobs.Add(job);
            db.SaveChanges();
        }

        _jobId = job.Id;
        var store = new ComponentJobStore(_db, TimeProvider.System);
        Services.AddSingleton(new JobQueries(_db));
        Services.AddSingleton(new ComponentJobQueue(_db, store, new NoScheduler(), _notifier, TimeProvider.System));
        Services.AddSingleton<IChangeNotifier>(_notifier);
        var auth = AddAuthorization();
        auth.SetAuthorized("root");
        auth.SetRoles(SiteRoles.SiteAdmin);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, admin.Id.ToString()));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _db.Dispose();
    }

    [Fact]
    public async Task Live_lines_survive_a_status_change_and_give_way_to_the_recorded_logs_once_the_run_is_stored()
    {
        var page = Render<JobPage>(p => p.Add(c => c.Id, _jobId));
        var at = DateTimeOffset.Parse("2026-01-02T03:04:05Z");

        _notifier.Publish(ComponentJobExecutor.LogTopic(_jobId), new LogLine(at, LogSource.Stdout, "start"));
        page.WaitForAssertion(() => page.Find("#job-log").TextContent.Should().Contain("start"), Wait);

        // A status announcement that reaches the page after the first line (the run is not recorded yet).
        await UpdateAsync(s => s.SetProperty(j => j.StartedAt, at));
        _notifier.Publish(ComponentJobExecutor.Topic(_jobId), new ComponentJobUpdate(_jobId, ComponentJobStatus.Executing, null));
        page.WaitForAssertion(() => page.Find("table").TextContent.Should().Contain("2026-01-02 03:04:05Z"), Wait);
        page.Find("#job-log").TextContent.Should().Contain("start", "nothing replaced the line shown live");

        await UpdateAsync(s => s
            .SetProperty(j => j.Status, ComponentJobStatus.Succeeded)
            .SetProperty(j => j.Stdout, "recorded start\nrecorded end")
            .SetProperty(j => j.ExitCode, 0));
        _notifier.Publish(ComponentJobExecutor.Topic(_jobId), new ComponentJobUpdate(_jobId, ComponentJobStatus.Succeeded, null));
        page.WaitForAssertion(() => page.Find("#job-status").TextContent.Should().Be("Succeeded"), Wait);
        page.Find("#job-log").TextContent.Should().Be("recorded start\nrecorded end");
    }

    private async Task UpdateAsync(Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<ComponentJob>> set)
    {
        await using var db = _db.CreateDbContext();
        await db.ComponentJobs.Where(j => j.Id == _jobId).ExecuteUpdateAsync(set);
    }

    /// <summary>The page never needs the scheduler: cancelling a running job only marks the request.</summary>
    private sealed class NoScheduler : ISchedulerFactory
    {
        public ValueTask<List<IScheduler>> GetAllSchedulers(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<IScheduler> GetScheduler(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<IScheduler?> LookupScheduler(string schedName, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
