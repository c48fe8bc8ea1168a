using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Evaluation;

/// <summary>The host of the evaluation page tests: SQLite, and no in-process workers, so seeded jobs stay as they are seeded.</summary>
public sealed class EvaluationPagesFixture() : AppFixture(DatabaseProvider.Sqlite, settings: new Dictionary<string, string> { ["Workers:InProcess"] = "false" });

/// <summary>
/// A challenge with one phase and the people around it (challenge admin, participant, stranger, site admin), seeded
/// through the services and the database as the other tests do; evaluations are seeded in the state a test needs.
/// </summary>
public sealed class EvaluationPagesWorld
{
    private readonly GrandChallengeAppFactory _app;

    private EvaluationPagesWorld(GrandChallengeAppFactory app) => _app = app;

    public Challenge Challenge { get; private set; } = default!;
    public Phase Phase { get; private set; } = default!;
    public ApplicationUser Admin { get; private set; } = default!;
    public ApplicationUser Participant { get; private set; } = default!;
    public ApplicationUser Stranger { get; private set; } = default!;
    public ApplicationUser SiteAdmin { get; private set; } = default!;
    public Guid MethodId { get; private set; }

    public Actor AdminActor => new(Admin.Id, false);
    public Actor ParticipantActor => new(Participant.Id, false);
    public string ShortName => Challenge.ShortName;
    public string PhasePath => $"/challenges/{Challenge.ShortName}/phases/{Phase.Slug}";

    public static async Task<EvaluationPagesWorld> CreateAsync(GrandChallengeAppFactory app, bool hidden = false, Action<PhaseSettingsBuilder>? phase = null)
    {
        var world = new EvaluationPagesWorld(app);
        var tag = Guid.NewGuid().ToString("N")[..8];
        world.Admin = await app.CreateUserAsync($"admin-{tag}");
        world.Participant = await app.CreateUserAsync($"part-{tag}");
        world.Stranger = await app.CreateUserAsync($"stranger-{tag}");
        world.SiteAdmin = await app.CreateUserAsync($"root-{tag}", siteAdmin: true);
        world.Challenge = new Challenge { ShortName = $"ch-{tag}", Title = $"Challenge {tag}", Hidden = hidden };
        await using (var db = world.Db())
        {
            db.Challenges.Add(world.Challenge);
            await db.SaveChangesAsync();
        }

        var permissions = app.Services.GetRequiredService<IPermissionService>();
        await permissions.GrantAsync(ObjectKinds.Challenge, world.Challenge.Id, ObjectRoles.Admin, world.Admin.Id);
        await permissions.GrantAsync(ObjectKinds.Challenge, world.Challenge.Id, ObjectRoles.Participant, world.Participant.Id);

        var settings = new PhaseSettingsBuilder();
        phase?.Invoke(settings);
        world.Phase = await world.CreatePhaseAsync(settings.Settings);
        world.MethodId = await world.AddMethodAsync(world.Phase.Id);
        return world;
    }

    public async Task<Phase> CreatePhaseAsync(PhaseSettings settings)
    {
        var phases = _app.Services.GetRequiredService<IPhaseService>();
        var created = await phases.CreateAsync(AdminActor, ShortName, new PhaseSettings { Title = settings.Title ?? $"Phase {Guid.NewGuid():N}"[..14] });
        created.Succeeded.Should().BeTrue(created.Error);
        var updated = await phases.UpdateAsync(AdminActor, created.Value!.Id, settings with { Title = null });
        updated.Succeeded.Should().BeTrue(updated.Error);
        return updated.Value!;
    }

    /// <summary>A completed, active evaluation method (no image in any engine: the workers do not run here).</summary>
    public async Task<Guid> AddMethodAsync(Guid phaseId)
    {
        var image = new ContainerImage
        {
            Kind = ContainerImageKind.Evaluation,
            OwnerId = phaseId,
            BlobKey = $"container-images/{Guid.NewGuid():N}/method.tar",
            Filename = "method.tar",
            ImportStatus = ContainerImageImportStatus.Completed,
            IsManifestValid = true,
            IsLoaded = true,
            IsDesiredVersion = true,
            ImageSha256 = "sha256:" + new string('e', 64),
        };
        await using var db = Db();
        db.ContainerImages.Add(image);
        await db.SaveChangesAsync();
        return image.Id;
    }

    /// <summary>A submission of <paramref name="user"/> with one evaluation in <paramref name="status"/>; the phase is re-ranked.</summary>
    public async Task<GrandChallenge.Domain.Evaluations.Evaluation> AddEvaluationAsync(
        ApplicationUser user, ComponentJobStatus status, string? metricsJson = null, bool published = true, string? error = null,
        string stdout = "", string stderr = "", string comment = "", Guid? phaseId = null)
    {
        var evaluations = await AddEvaluationsAsync([(user.Id, status, metricsJson, published, error, stdout, stderr, comment)], phaseId);
        return evaluations[0];
    }

    /// <summary>Many evaluations in one transaction (the leaderboard's performance test seeds ten thousand), then one re-ranking.</summary>
    public async Task<List<GrandChallenge.Domain.Evaluations.Evaluation>> AddEvaluationsAsync(
        IReadOnlyList<(Guid UserId, ComponentJobStatus Status, string? MetricsJson, bool Published, string? Error, string Stdout, string Stderr, string Comment)> rows,
        Guid? phaseId = null)
    {
        var phase = phaseId ?? Phase.Id;
        var created = new List<GrandChallenge.Domain.Evaluations.Evaluation>();
        await using (var db = Db())
        {
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            foreach (var row in rows)
            {
                var submission = new Submission { PhaseId = phase, CreatorId = row.UserId, PredictionsFilename = "predictions.csv", Comment = row.Comment };
                var final = row.Status is ComponentJobStatus.Succeeded or ComponentJobStatus.Failed or ComponentJobStatus.Cancelled;
                var job = new ComponentJob
                {
                    Kind = ComponentJobKind.Evaluation,
                    Status = row.Status,
                    ImageReference = "sha256:" + new string('e', 64),
                    ContainerImageId = MethodId,
                    CreatorId = row.UserId,
                    ErrorMessage = row.Error,
                    Stdout = row.Stdout,
                    Stderr = row.Stderr,
                    CompletedAt = final ? DateTimeOffset.UtcNow : null,
                    // Never picked up by a worker, should one run.
                    RetryAfter = DateTimeOffset.UtcNow.AddDays(1),
                };
                var evaluation = new GrandChallenge.Domain.Evaluations.Evaluation
                {
                    SubmissionId = submission.Id,
                    PhaseId = phase,
                    CreatorId = row.UserId,
                    MethodId = MethodId,
                    JobId = job.Id,
                    Published = row.Published,
                    MetricsJson = row.Status == ComponentJobStatus.Succeeded ? row.MetricsJson ?? "null" : null,
                };
                db.Submissions.Add(submission);
                db.ComponentJobs.Add(job);
                db.Evaluations.Add(evaluation);
                created.Add(evaluation);
            }

            await db.SaveChangesAsync();
        }

        await _app.Services.GetRequiredService<ILeaderboardService>().RecomputeAsync(phase);
        return created;
    }

    public async Task SetJobAsync(Guid jobId, ComponentJobStatus status, string? error = null)
    {
        await using var db = Db();
        await db.ComponentJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, status)
            .SetProperty(j => j.ErrorMessage, error));
    }

    public AppDbContext Db() => _app.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();

    public static string Metrics(double score, double? std = null) =>
        std is null
            ? $$"""{"score": {{score.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}"""
            : $$"""{"score": {{score.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "std": {{std.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "other": {{(1 - score).ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""";
}

/// <summary>The phase settings a test starts from: open, scored at "score", five submissions a day.</summary>
public sealed class PhaseSettingsBuilder
{
    public PhaseSettings Settings { get; set; } = new() { ScorePath = "score", SubmissionLimit = 5 };
}
