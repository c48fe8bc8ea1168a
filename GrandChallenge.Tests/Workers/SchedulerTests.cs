using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Maintenance;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace GrandChallenge.Tests.Workers;

/// <summary>Quartz runs in-process on the platform's own database and executes the workers' jobs.</summary>
public abstract class SchedulerTests(AppFixture fixture)
{
    [Fact]
    public async Task The_purge_job_runs_through_the_persistent_scheduler_and_removes_only_stale_tokens()
    {
        var app = fixture.App;
        var user = await app.CreateUserAsync($"purge{Guid.NewGuid():N}"[..16]);
        var stale = await app.CreateTokenAsync(user.Id);
        var fresh = await app.CreateTokenAsync(user.Id);
        await using (var db = app.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext())
        {
            var staleHash = GrandChallenge.Domain.Identity.ApiTokenService.Hash(stale);
            await db.ApiTokens.Where(t => t.TokenHash == staleHash)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, DateTimeOffset.UtcNow.AddDays(-40)));
        }

        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var metadata = await scheduler.GetMetadata();
        metadata.JobStorePersistent.Should().BeTrue();
        metadata.JobStoreClustered.Should().Be(fixture.Provider == DatabaseProvider.PostgreSql);

        await scheduler.TriggerJob(PurgeApiTokensJob.Key);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        int remaining;
        do
        {
            await Task.Delay(100);
            remaining = app.Db(db => db.ApiTokens.Count(t => t.UserId == user.Id));
        }
        while (remaining != 1 && DateTime.UtcNow < deadline);

        remaining.Should().Be(1);
        app.Db(db => db.ApiTokens.Single(t => t.UserId == user.Id).TokenHash).Should().Be(GrandChallenge.Domain.Identity.ApiTokenService.Hash(fresh));
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteSchedulerTests(SqliteAppFixture fixture) : SchedulerTests(fixture), IClassFixture<SqliteAppFixture>;

[Trait("Category", "Postgres")]
public sealed class PostgresSchedulerTests(PostgresAppFixture fixture) : SchedulerTests(fixture), IClassFixture<PostgresAppFixture>;
