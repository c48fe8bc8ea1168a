using System.Net.Http.Json;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Evaluation;

/// <summary>
/// Every phase, method, ground-truth, submission, evaluation and leaderboard endpoint asked by anonymous, a stranger, a
/// participant, a challenge admin and a site admin, on a public challenge, a non-public phase and a hidden challenge.
/// <see cref="PermissionMatrixTests"/> counts these rows as covering the routes.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EvaluationPermissionMatrixTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IAsyncLifetime
{
    private const int Anonymous = 0, Stranger = 1, Participant = 2, ChallengeAdmin = 3, SiteAdmin = 4;
    private static readonly string[] Personas = ["anonymous", "stranger", "participant", "challenge admin", "site admin"];

    private readonly HttpClient[] _clients = new HttpClient[5];
    private ApplicationUser _participant = default!;
    private Challenge _public = default!;
    private Challenge _hidden = default!;
    private Phase _phase = default!;
    private Phase _nonPublic = default!;
    private Phase _hiddenPhase = default!;
    private Phase _noMethod = default!;
    private Guid _method;

    private GrandChallengeAppFactory App => fixture.App;

    public sealed record Row(string Method, string Route, Func<Task<string>> Url, int[] Expected, Func<HttpContent>? Body = null);

    public async Task InitializeAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        _clients[Anonymous] = App.CreateClient();
        _clients[Stranger] = await App.CreateClientForNewUserAsync($"pstranger{suffix}");
        _participant = await App.CreateUserAsync($"pparticipant{suffix}");
        _clients[Participant] = App.CreateClientWithToken(await App.CreateTokenAsync(_participant.Id));
        var admin = await App.CreateUserAsync($"padmin{suffix}");
        _clients[ChallengeAdmin] = App.CreateClientWithToken(await App.CreateTokenAsync(admin.Id));
        _clients[SiteAdmin] = await App.CreateClientForNewUserAsync($"psite{suffix}", siteAdmin: true);

        _public = new Challenge { ShortName = $"pm-{suffix}", Title = "Matrix public" };
        _hidden = new Challenge { ShortName = $"pmh-{suffix}", Title = "Matrix hidden", Hidden = true };
        _phase = NewPhase(_public, "Open");
        _nonPublic = NewPhase(_public, "Not public", isPublic: false);
        _noMethod = NewPhase(_public, "No method");
        _hiddenPhase = NewPhase(_hidden, "Hidden");
        var method = new ContainerImage
        {
            Kind = ContainerImageKind.Evaluation,
            OwnerId = _phase.Id,
            BlobKey = "container-images/matrix/m.tar",
            Filename = "m.tar",
            ImportStatus = ContainerImageImportStatus.Completed,
            IsManifestValid = true,
            IsLoaded = true,
            IsDesiredVersion = true,
            ImageSha256 = "sha256:" + new string('0', 64),
        };
        _method = method.Id;
        await using (var db = Db())
        {
            db.Challenges.AddRange(_public, _hidden);
            db.Phases.AddRange(_phase, _nonPublic, _noMethod, _hiddenPhase);
            db.ContainerImages.Add(method);
            await db.SaveChangesAsync();
        }

        var permissions = App.Services.GetRequiredService<IPermissionService>();
        foreach (var challenge in new[] { _public, _hidden })
        {
            await permissions.GrantAsync(ObjectKinds.Challenge, challenge.Id, ObjectRoles.Participant, _participant.Id);
            await permissions.GrantAsync(ObjectKinds.Challenge, challenge.Id, ObjectRoles.Admin, admin.Id);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private AppDbContext Db() => App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();

    private static Phase NewPhase(Challenge challenge, string title, bool isPublic = true) => new()
    {
        ChallengeId = challenge.Id,
        Title = title,
        Slug = PhaseService.Slugify(title),
        Public = isPublic,
        SubmissionLimit = 100,
        ScorePath = "score",
    };

    private async Task<Guid> SeedGroundTruthAsync()
    {
        await using var db = Db();
        var truth = new GroundTruth { PhaseId = _phase.Id, Filename = "t.tar.gz", BlobKey = "ground-truths/matrix/t.tar.gz", Sha256 = Guid.NewGuid().ToString("N") };
        db.GroundTruths.Add(truth);
        await db.SaveChangesAsync();
        return truth.Id;
    }

    /// <summary>A submission of the participant with an evaluation; a pending one waits far in the future so no worker takes it.</summary>
    private async Task<(Guid Submission, Guid Evaluation)> SeedEvaluationAsync(bool succeeded, bool published)
    {
        await using var db = Db();
        var submission = new Submission { PhaseId = _phase.Id, CreatorId = _participant.Id, PredictionsFilename = "p.csv" };
        var job = new ComponentJob
        {
            Kind = ComponentJobKind.Evaluation,
            ImageReference = "matrix",
            CreatorId = _participant.Id,
            Status = succeeded ? ComponentJobStatus.Succeeded : ComponentJobStatus.Pending,
            RetryAfter = DateTimeOffset.UtcNow.AddDays(1),
        };
        var evaluation = new GrandChallenge.Domain.Evaluations.Evaluation
        {
            SubmissionId = submission.Id,
            PhaseId = _phase.Id,
            CreatorId = _participant.Id,
            MethodId = _method,
            JobId = job.Id,
            Published = published,
            MetricsJson = succeeded ? """{"score": 0.5}""" : null,
        };
        db.Submissions.Add(submission);
        db.ComponentJobs.Add(job);
        db.Evaluations.Add(evaluation);
        await db.SaveChangesAsync();
        return (submission.Id, evaluation.Id);
    }

    public IEnumerable<Row> Rows()
    {
        Task<string> Fixed(string url) => Task.FromResult(url);
        const string Phases = "/api/v1/phases/{id:guid}";
        int[] everyone = [200, 200, 200, 200, 200], admins = [401, 403, 403, 200, 200], members = [404, 404, 200, 200, 200];

        yield return new("GET", "/api/v1/challenges/{shortName}/phases/", () => Fixed($"/api/v1/challenges/{_public.ShortName}/phases/"), everyone);
        yield return new("GET", "/api/v1/challenges/{shortName}/phases/", () => Fixed($"/api/v1/challenges/{_hidden.ShortName}/phases/"), members);
        yield return new("POST", "/api/v1/challenges/{shortName}/phases/", () => Fixed($"/api/v1/challenges/{_public.ShortName}/phases/"), [401, 403, 403, 201, 201],
            () => JsonContent.Create(new { title = $"New {Guid.NewGuid():N}"[..20] }));
        yield return new("GET", $"{Phases}/", () => Fixed($"/api/v1/phases/{_phase.Id}/"), everyone);
        yield return new("GET", $"{Phases}/", () => Fixed($"/api/v1/phases/{_nonPublic.Id}/"), [404, 404, 404, 200, 200]);
        yield return new("GET", $"{Phases}/", () => Fixed($"/api/v1/phases/{_hiddenPhase.Id}/"), members);
        yield return new("PATCH", $"{Phases}/", () => Fixed($"/api/v1/phases/{_phase.Id}/"), admins, () => JsonContent.Create(new { score_title = "Dice" }));

        yield return new("POST", $"{Phases}/methods/", () => Fixed($"/api/v1/phases/{_noMethod.Id}/methods/"), [401, 403, 403, 201, 201],
            () => EvaluationWorld.File("method.tar", new byte[64]));
        yield return new("GET", $"{Phases}/methods/", () => Fixed($"/api/v1/phases/{_phase.Id}/methods/"), admins);
        yield return new("GET", "/api/v1/methods/{id:guid}/", () => Fixed($"/api/v1/methods/{_method}/"), [401, 404, 404, 200, 200]);

        yield return new("POST", $"{Phases}/ground-truths/", () => Fixed($"/api/v1/phases/{_phase.Id}/ground-truths/"), [401, 403, 403, 201, 201],
            () => EvaluationWorld.File("t.tar.gz", EvaluationWorld.TarGz(("truth.csv", Guid.NewGuid().ToString()))));
        yield return new("GET", $"{Phases}/ground-truths/", () => Fixed($"/api/v1/phases/{_phase.Id}/ground-truths/"), admins);
        yield return new("PATCH", "/api/v1/ground-truths/{id:guid}/", async () => $"/api/v1/ground-truths/{await SeedGroundTruthAsync()}/", [401, 404, 404, 200, 200],
            () => JsonContent.Create(new { is_desired_version = true }));

        yield return new("POST", $"{Phases}/submissions/", () => Fixed($"/api/v1/phases/{_phase.Id}/submissions/"), [401, 403, 201, 201, 201],
            () => EvaluationWorld.Predictions("0.5"));
        yield return new("POST", $"{Phases}/submissions/", () => Fixed($"/api/v1/phases/{_hiddenPhase.Id}/submissions/"), [401, 404, 400, 400, 400],
            () => EvaluationWorld.Predictions("0.5"));
        yield return new("GET", $"{Phases}/submissions/", () => Fixed($"/api/v1/phases/{_phase.Id}/submissions/"), [401, 200, 200, 200, 200]);
        yield return new("GET", $"{Phases}/submission-allowance/", () => Fixed($"/api/v1/phases/{_phase.Id}/submission-allowance/"), [401, 200, 200, 200, 200]);
        yield return new("GET", "/api/v1/submissions/{id:guid}/", async () => $"/api/v1/submissions/{(await SeedEvaluationAsync(true, true)).Submission}/",
            [401, 404, 200, 200, 200]);
        yield return new("POST", $"{Phases}/reevaluate/", () => Fixed($"/api/v1/phases/{_noMethod.Id}/reevaluate/"), [401, 403, 403, 409, 409]);

        yield return new("GET", "/api/v1/evaluations/", () => Fixed($"/api/v1/evaluations/?phase={_phase.Id}"), everyone);
        yield return new("GET", "/api/v1/evaluations/{id:guid}/", async () => $"/api/v1/evaluations/{(await SeedEvaluationAsync(true, true)).Evaluation}/", everyone);
        yield return new("GET", "/api/v1/evaluations/{id:guid}/", async () => $"/api/v1/evaluations/{(await SeedEvaluationAsync(true, false)).Evaluation}/",
            [404, 404, 200, 200, 200]);
        yield return new("PATCH", "/api/v1/evaluations/{id:guid}/", async () => $"/api/v1/evaluations/{(await SeedEvaluationAsync(true, true)).Evaluation}/",
            admins, () => JsonContent.Create(new { published = false }));
        yield return new("POST", "/api/v1/evaluations/{id:guid}/cancel/", async () => $"/api/v1/evaluations/{(await SeedEvaluationAsync(false, true)).Evaluation}/cancel/",
            [401, 404, 403, 202, 202]);

        yield return new("GET", $"{Phases}/leaderboard/", () => Fixed($"/api/v1/phases/{_phase.Id}/leaderboard/"), everyone);
        yield return new("GET", $"{Phases}/leaderboard/", () => Fixed($"/api/v1/phases/{_hiddenPhase.Id}/leaderboard/"), members);
        yield return new("GET", $"{Phases}/leaderboard/history/{{userId:guid}}/", () => Fixed($"/api/v1/phases/{_phase.Id}/leaderboard/history/{_participant.Id}/"), everyone);
        yield return new("GET", $"{Phases}/leaderboard/charts/", () => Fixed($"/api/v1/phases/{_phase.Id}/leaderboard/charts/"), everyone);
    }

    /// <summary>The routes these rows cover, for the check that every mapped endpoint has a row somewhere.</summary>
    public static IEnumerable<string> CoveredRoutes() =>
        new EvaluationPermissionMatrixTests(null!).Rows().Select(r => $"{r.Method} {r.Route.TrimEnd('/')}");

    [Fact]
    public async Task Each_persona_gets_exactly_what_it_should_from_each_evaluation_endpoint()
    {
        var failures = new List<string>();
        foreach (var row in Rows())
        {
            for (var persona = 0; persona < Personas.Length; persona++)
            {
                var request = new HttpRequestMessage(new HttpMethod(row.Method), await row.Url()) { Content = row.Body?.Invoke() };
                var response = await _clients[persona].SendAsync(request);
                if ((int)response.StatusCode != row.Expected[persona])
                {
                    failures.Add($"{row.Method} {request.RequestUri} ({row.Route}) as {Personas[persona]}: {(int)response.StatusCode}, expected {row.Expected[persona]}: "
                                 + (await response.Content.ReadAsStringAsync())[..Math.Min(200, (int)(response.Content.Headers.ContentLength ?? 200))]);
                }
            }
        }

        failures.Should().BeEmpty();
    }
}
