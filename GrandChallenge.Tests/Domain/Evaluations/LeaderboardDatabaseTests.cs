using System.Globalization;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Domain.Evaluations;

/// <summary>Re-ranking stores a phase's ranks in one row, skips unchanged ones and serialises per phase, on each real database.</summary>
public abstract class LeaderboardDatabaseTests(AppFixture fixture)
{
    private GrandChallengeAppFactory App => fixture.App;

    private AppDbContextFactory Factory => App.Services.GetRequiredService<AppDbContextFactory>();

    [Fact]
    public async Task Ranks_follow_new_results_and_setting_changes_and_concurrent_recomputations_agree()
    {
        var (phaseId, methodId, users) = await SeedPhaseAsync();
        var first = await AddResultAsync(phaseId, methodId, users[0], 0.9);
        var second = await AddResultAsync(phaseId, methodId, users[1], 0.5);
        var third = await AddResultAsync(phaseId, methodId, users[2], 0.7);
        var failed = await AddResultAsync(phaseId, methodId, users[2], 0.99, ComponentJobStatus.Failed);
        var leaderboards = App.Services.GetRequiredService<ILeaderboardService>();

        await leaderboards.RecomputeAsync(phaseId);
        (await RanksAsync(phaseId)).Should().Equal(new Dictionary<Guid, int> { [first] = 1, [second] = 3, [third] = 2, [failed] = 0 });
        var stored = await StoredRanksAsync(phaseId);
        stored.TryGet(third, out var entry).Should().BeTrue();
        entry.Score.Should().Be(2, "an absolute ranking scores by position on the score");
        entry.PerMetric.Should().Equal(new Dictionary<string, int> { ["score"] = 2 });
        var version = App.Db(db => db.PhaseRankings.Single(r => r.PhaseId == phaseId).Version);
        await leaderboards.RecomputeAsync(phaseId);
        App.Db(db => db.PhaseRankings.Single(r => r.PhaseId == phaseId).Version).Should().Be(version, "unchanged ranks are not written again");

        // A new result in the middle moves everyone below it.
        var fourth = await AddResultAsync(phaseId, methodId, users[3], 0.8);
        await leaderboards.RecomputeAsync(phaseId);
        (await RanksAsync(phaseId)).Should().Equal(new Dictionary<Guid, int> { [first] = 1, [second] = 4, [third] = 3, [failed] = 0, [fourth] = 2 });

        await using (var db = Factory.CreateDbContext())
        {
            await db.Phases.Where(p => p.Id == phaseId).ExecuteUpdateAsync(s => s.SetProperty(p => p.ScoreOrder, SortOrder.Ascending));
        }

        // Two services stand for two processes: each has its own gate and cache, the phase's row lock orders them.
        var other = ActivatorUtilities.CreateInstance<LeaderboardService>(App.Services);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => (i % 2 == 0 ? leaderboards : other).RecomputeAsync(phaseId))));
        (await RanksAsync(phaseId)).Should().Equal(new Dictionary<Guid, int> { [first] = 4, [second] = 1, [third] = 2, [failed] = 0, [fourth] = 3 });
    }

    /// <summary>Every evaluation's rank as another process would read it (a store with nothing cached).</summary>
    private async Task<Dictionary<Guid, int>> RanksAsync(Guid phaseId)
    {
        var ranks = await StoredRanksAsync(phaseId);
        await using var db = Factory.CreateDbContext();
        var ids = await db.Evaluations.Where(e => e.PhaseId == phaseId).Select(e => e.Id).ToListAsync();
        return ids.ToDictionary(id => id, ranks.RankOf);
    }

    private async Task<PhaseRanks> StoredRanksAsync(Guid phaseId)
    {
        await using var db = Factory.CreateDbContext();
        return (await new PhaseRankStore().GetAsync(db, phaseId, CancellationToken.None))!;
    }

    private async Task<(Guid Phase, Guid Method, List<Guid> Users)> SeedPhaseAsync()
    {
        var users = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            users.Add((await App.CreateUserAsync($"lb{i}{Guid.NewGuid():N}"[..16])).Id);
        }

        await using var db = Factory.CreateDbContext();
        var challenge = new Challenge { ShortName = $"lb{Guid.NewGuid():N}"[..20], Title = "Ranking" };
        var phase = new Phase { ChallengeId = challenge.Id, Title = "Final", Slug = "final", ScorePath = "score" };
        var method = new ContainerImage
        {
            Kind = ContainerImageKind.Evaluation,
            OwnerId = phase.Id,
            BlobKey = "container-images/lb/m.tar",
            Filename = "m.tar",
            ImportStatus = ContainerImageImportStatus.Completed,
            IsDesiredVersion = true,
        };
        db.AddRange(challenge, phase, method);
        await db.SaveChangesAsync();
        return (phase.Id, method.Id, users);
    }

    private async Task<Guid> AddResultAsync(Guid phaseId, Guid methodId, Guid user, double score, ComponentJobStatus status = ComponentJobStatus.Succeeded)
    {
        await using var db = Factory.CreateDbContext();
        var submission = new Submission { PhaseId = phaseId, CreatorId = user, PredictionsFilename = "p.csv" };
        var job = new ComponentJob { Kind = ComponentJobKind.Evaluation, ImageReference = "lb", Status = status, CreatorId = user };
        var evaluation = new Evaluation
        {
            SubmissionId = submission.Id,
            PhaseId = phaseId,
            CreatorId = user,
            MethodId = methodId,
            JobId = job.Id,
            Published = true,
            MetricsJson = status == ComponentJobStatus.Succeeded ? $$"""{"score": {{score.ToString(CultureInfo.InvariantCulture)}}}""" : null,
        };
        db.AddRange(submission, job, evaluation);
        await db.SaveChangesAsync();
        return evaluation.Id;
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteLeaderboardDatabaseTests(SqliteAppFixture fixture) : LeaderboardDatabaseTests(fixture), IClassFixture<SqliteAppFixture>;

[Trait("Category", "Postgres")]
public sealed class PostgresLeaderboardDatabaseTests(PostgresAppFixture fixture) : LeaderboardDatabaseTests(fixture), IClassFixture<PostgresAppFixture>;
