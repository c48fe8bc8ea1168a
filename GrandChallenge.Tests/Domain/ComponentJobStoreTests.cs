using System.Data.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace GrandChallenge.Tests.Domain;

/// <summary>Claiming is fair and every status change is a compare-and-set.</summary>
[Trait("Category", "Unit")]
public sealed class ComponentJobStoreTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryDatabase _db;
    private readonly ComponentJobStore _store;

    public ComponentJobStoreTests()
    {
        _db = new InMemoryDatabase(_clock);
        _store = new ComponentJobStore(_db, _clock);
    }

    public void Dispose() => _db.Dispose();

    private Guid User()
    {
        using var db = _db.CreateDbContext();
        var user = new ApplicationUser { UserName = Guid.NewGuid().ToString("N") };
        db.Users.Add(user);
        db.SaveChanges();
        return user.Id;
    }

    private ComponentJob Job(Guid? creator, ComponentJobStatus status = ComponentJobStatus.Pending, string? group = null)
    {
        using var db = _db.CreateDbContext();
        var job = new ComponentJob { ImageReference = "img", CreatorId = creator, Status = status, FairnessGroup = group };
        db.ComponentJobs.Add(job);
        db.SaveChanges();
        _clock.Advance(TimeSpan.FromSeconds(1));
        return job;
    }

    [Fact]
    public async Task A_user_with_nothing_running_goes_before_a_busy_users_older_jobs()
    {
        var busy = User();
        var quiet = User();
        Job(busy, ComponentJobStatus.Executing);
        var busyOld = Job(busy);
        Job(busy);
        var quietNew = Job(quiet);

        (await _store.ClaimNextAsync("t1", "node", 10))!.Id.Should().Be(quietNew.Id);
        (await _store.ClaimNextAsync("t2", "node", 10))!.Id.Should().Be(busyOld.Id, "then the oldest among equals");
    }

    [Fact]
    public async Task The_fairness_group_breaks_ties_between_users()
    {
        var a = User();
        var b = User();
        Job(User(), ComponentJobStatus.Executing, group: "busy-challenge");
        Job(a, group: "busy-challenge");
        var other = Job(b, group: "quiet-challenge");

        (await _store.ClaimNextAsync("t", "node", 10))!.Id.Should().Be(other.Id);
    }

    [Fact]
    public async Task A_user_at_the_cap_waits_and_others_still_run()
    {
        var capped = User();
        Job(capped, ComponentJobStatus.Executing);
        Job(capped, ComponentJobStatus.Provisioned);
        Job(capped);

        (await _store.ClaimNextAsync("t1", "node", maxRunningPerUser: 2)).Should().BeNull();
        var other = Job(User());
        (await _store.ClaimNextAsync("t2", "node", maxRunningPerUser: 2))!.Id.Should().Be(other.Id);
    }

    [Fact]
    public async Task A_job_waiting_after_a_fault_is_claimed_only_when_its_time_comes()
    {
        var job = Job(null);
        using (var db = _db.CreateDbContext())
        {
            db.ComponentJobs.Single(j => j.Id == job.Id).RetryAfter = _clock.GetUtcNow().AddSeconds(10);
            db.SaveChanges();
        }

        (await _store.ClaimNextAsync("t1", "node", 4)).Should().BeNull();
        _clock.Advance(TimeSpan.FromSeconds(11));
        (await _store.ClaimNextAsync("t2", "node", 4))!.Id.Should().Be(job.Id);
    }

    [Fact]
    public async Task A_job_put_back_to_wait_between_reading_the_queue_and_claiming_it_is_not_claimed_early()
    {
        var meanwhile = new BeforeFirstJobUpdate();
        using var database = new InMemoryDatabase(_clock, meanwhile);
        var store = new ComponentJobStore(database, _clock);
        var job = new ComponentJob { ImageReference = "img" };
        using (var db = database.CreateDbContext())
        {
            db.ComponentJobs.Add(job);
            db.SaveChanges();
        }

        // Another worker claimed the job after this one read the queue, hit an engine fault and put it back to wait.
        meanwhile.Action = () =>
        {
            using var db = database.CreateDbContext();
            db.ComponentJobs.Where(j => j.Id == job.Id).ExecuteUpdate(s => s.SetProperty(j => j.RetryAfter, _clock.GetUtcNow().AddSeconds(10)).SetProperty(j => j.Attempt, 1));
        };

        (await store.ClaimNextAsync("t1", "node", 4)).Should().BeNull("the job waits until its RetryAfter");
        meanwhile.Ran.Should().BeTrue();
        (await store.FindAsync(job.Id))!.Status.Should().Be(ComponentJobStatus.Pending);
        _clock.Advance(TimeSpan.FromSeconds(11));
        (await store.ClaimNextAsync("t2", "node", 4))!.Id.Should().Be(job.Id);
    }

    [Fact]
    public async Task Transitions_are_compare_and_set()
    {
        var job = Job(null);

        (await _store.TransitionAsync(job.Id, ComponentJobStatus.Pending, ComponentJobStatus.Provisioned)).Should().BeTrue();
        (await _store.TransitionAsync(job.Id, ComponentJobStatus.Pending, ComponentJobStatus.Provisioned)).Should().BeFalse("it is no longer pending");
        (await _store.TransitionAsync(job.Id, ComponentJobStatus.Provisioned, ComponentJobStatus.Failed)).Should().BeTrue();
        var done = (await _store.FindAsync(job.Id))!;
        done.Status.Should().Be(ComponentJobStatus.Failed);
        done.CompletedAt.Should().Be(_clock.GetUtcNow());
    }

    [Fact]
    public async Task Two_claimers_racing_never_take_the_same_job()
    {
        for (var i = 0; i < 20; i++)
        {
            Job(null);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _store.ClaimNextAsync($"t{i}", "node", 100)));

        claims.Where(c => c is not null).Select(c => c!.Id).Should().OnlyHaveUniqueItems();
    }

    /// <summary>Runs <see cref="Action"/> once, just before the first UPDATE of a job reaches the database.</summary>
    private sealed class BeforeFirstJobUpdate : DbCommandInterceptor
    {
        private int _ran;

        public Action Action { get; set; } = () => { };

        public bool Ran => _ran == 1;

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.TrimStart().StartsWith("UPDATE \"ComponentJobs\"", StringComparison.Ordinal) && Interlocked.Exchange(ref _ran, 1) == 0)
            {
                Action();
            }

            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
