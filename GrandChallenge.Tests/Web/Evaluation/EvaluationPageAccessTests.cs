using System.Net;
using GrandChallenge.Domain.Components;
using GrandChallenge.Tests.Infrastructure;

namespace GrandChallenge.Tests.Web.Evaluation;

/// <summary>
/// The evaluation pages as each kind of visitor gets them from the server (the prerendered page): the right people see
/// them, the others get the login page, 403 or — where they may not know the thing exists — 404.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EvaluationPageAccessTests(EvaluationPagesFixture fixture) : IClassFixture<EvaluationPagesFixture>, IAsyncLifetime
{
    private const int Anonymous = 0, Stranger = 1, Participant = 2, ChallengeAdmin = 3, SiteAdmin = 4;
    private static readonly string[] Personas = ["anonymous", "stranger", "participant", "challenge admin", "site admin"];

    private GrandChallengeAppFactory App => fixture.App;

    private EvaluationPagesWorld _public = default!;
    private EvaluationPagesWorld _hidden = default!;
    private HttpClient[] _publicClients = default!;
    private HttpClient[] _hiddenClients = default!;

    public async Task InitializeAsync()
    {
        _public = await EvaluationPagesWorld.CreateAsync(App, phase: p => p.Settings = p.Settings with { SubmissionPageMarkdown = "Upload *one* CSV file." });
        _hidden = await EvaluationPagesWorld.CreateAsync(App, hidden: true);
        _publicClients = await ClientsAsync(_public);
        _hiddenClients = await ClientsAsync(_hidden);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<HttpClient[]> ClientsAsync(EvaluationPagesWorld world) =>
    [
        App.CreateClient(new() { AllowAutoRedirect = false }),
        App.CreateClientWithToken(await App.CreateTokenAsync(world.Stranger.Id)),
        App.CreateClientWithToken(await App.CreateTokenAsync(world.Participant.Id)),
        App.CreateClientWithToken(await App.CreateTokenAsync(world.Admin.Id)),
        App.CreateClientWithToken(await App.CreateTokenAsync(world.SiteAdmin.Id)),
    ];

    private static async Task<(HttpStatusCode Status, string Html, Uri? Location)> GetAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location);
    }

    /// <summary>Asks every persona; <paramref name="expected"/> per persona, <paramref name="marker"/> in the page when it is 200.</summary>
    private static async Task ExpectAsync(HttpClient[] clients, string path, int[] expected, string marker)
    {
        var failures = new List<string>();
        for (var persona = 0; persona < clients.Length; persona++)
        {
            var (status, html, location) = await GetAsync(clients[persona], path);
            if ((int)status != expected[persona])
            {
                failures.Add($"{Personas[persona]}: {(int)status}, expected {expected[persona]}");
            }
            else if (status == HttpStatusCode.OK && !html.Contains(marker))
            {
                failures.Add($"{Personas[persona]}: the page lacks '{marker}'");
            }
            else if (status == HttpStatusCode.NotFound && (html.Contains(marker) || !html.Contains("We could not find that page.")))
            {
                failures.Add($"{Personas[persona]}: a 404 that is not the friendly page, or that shows '{marker}'");
            }
            else if (status == HttpStatusCode.Redirect && location?.ToString().Contains("account/login") != true)
            {
                failures.Add($"{Personas[persona]}: redirected to {location}, not the login page");
            }
        }

        failures.Should().BeEmpty($"GET {path}");
    }

    [Fact]
    public async Task Everyone_who_sees_the_challenge_sees_its_phases_and_a_hidden_challenge_is_404_for_strangers()
    {
        await ExpectAsync(_publicClients, $"/challenges/{_public.ShortName}/phases", [200, 200, 200, 200, 200], _public.Phase.Title);
        await ExpectAsync(_hiddenClients, $"/challenges/{_hidden.ShortName}/phases", [404, 404, 200, 200, 200], _hidden.Phase.Title);

        var admin = (await GetAsync(_publicClients[ChallengeAdmin], $"/challenges/{_public.ShortName}/phases")).Html;
        admin.Should().Contain("new-phase", "challenge admins may add phases");
        var participant = (await GetAsync(_publicClients[Participant], $"/challenges/{_public.ShortName}/phases")).Html;
        participant.Should().NotContain("new-phase").And.Contain("Open");
    }

    [Fact]
    public async Task Only_challenge_admins_and_site_admins_open_a_phases_admin_page()
    {
        await ExpectAsync(_publicClients, $"{_public.PhasePath}/admin", [302, 403, 403, 200, 200], "phase-admin-tabs");
        await ExpectAsync(_hiddenClients, $"{_hidden.PhasePath}/admin", [404, 404, 403, 200, 200], "phase-admin-tabs");

        var denied = (await GetAsync(_publicClients[Participant], $"{_public.PhasePath}/admin")).Html;
        denied.Should().Contain("Access denied").And.NotContain("phase-score-path");
        var admin = (await GetAsync(_publicClients[ChallengeAdmin], $"{_public.PhasePath}/admin")).Html;
        admin.Should().Contain("Settings").And.Contain("Evaluation method").And.Contain("Ground truth").And.Contain("Evaluations");
    }

    [Fact]
    public async Task The_submission_page_tells_each_visitor_whether_they_may_submit()
    {
        var path = $"{_public.PhasePath}/submit";
        await ExpectAsync(_publicClients, path, [200, 200, 200, 200, 200], "Upload <em>one</em> CSV file.");
        await ExpectAsync(_hiddenClients, $"{_hidden.PhasePath}/submit", [404, 404, 200, 200, 200], "id=\"allowance\"");

        (await GetAsync(_publicClients[Anonymous], path)).Html.Should().Contain("Sign in to submit.").And.NotContain("submission-form");
        (await GetAsync(_publicClients[Stranger], path)).Html.Should().Contain("Register first").And.NotContain("submission-form");
        var participant = (await GetAsync(_publicClients[Participant], path)).Html;
        participant.Should().Contain("You can submit now.").And.Contain("You have 5 submissions left in the current day.").And.Contain("submission-form");
        (await GetAsync(_publicClients[ChallengeAdmin], path)).Html.Should().Contain("held to neither the submission limit nor the window");
    }

    [Fact]
    public async Task The_leaderboard_is_public_with_the_challenge_and_a_hidden_phase_exists_only_for_admins()
    {
        await ExpectAsync(_publicClients, $"{_public.PhasePath}/leaderboard", [200, 200, 200, 200, 200], "leaderboard-table");
        await ExpectAsync(_hiddenClients, $"{_hidden.PhasePath}/leaderboard", [404, 404, 200, 200, 200], "leaderboard-table");

        var hiddenPhase = await _public.CreatePhaseAsync(new GrandChallenge.Domain.Evaluations.PhaseSettings { Title = $"Secret {Guid.NewGuid():N}"[..16], Public = false });
        await ExpectAsync(_publicClients, $"/challenges/{_public.ShortName}/phases/{hiddenPhase.Slug}/leaderboard", [404, 404, 404, 200, 200], "leaderboard-table");
        (await GetAsync(_publicClients[Participant], $"/challenges/{_public.ShortName}/phases")).Html.Should().NotContain(hiddenPhase.Title);
    }

    [Fact]
    public async Task An_evaluation_is_seen_by_its_submitter_and_admins_and_once_published_and_successful_by_everyone()
    {
        var failed = await _public.AddEvaluationAsync(_public.Participant, ComponentJobStatus.Failed, error: "Prediction file has 3 rows, expected 4",
            stdout: "reading predictions", stderr: "Prediction file has 3 rows, expected 4");
        var path = $"/challenges/{_public.ShortName}/evaluations/{failed.Id}";
        await ExpectAsync(_publicClients, path, [404, 404, 200, 200, 200], "Prediction file has 3 rows, expected 4");

        var participant = (await GetAsync(_publicClients[Participant], path)).Html;
        participant.Should().NotContain("evaluation-stdout", "participants read no logs unless the phase allows it");
        var admin = (await GetAsync(_publicClients[ChallengeAdmin], path)).Html;
        admin.Should().Contain("evaluation-stdout").And.Contain("reading predictions");

        var succeeded = await _public.AddEvaluationAsync(_public.Participant, ComponentJobStatus.Succeeded, EvaluationPagesWorld.Metrics(0.75));
        await ExpectAsync(_publicClients, $"/challenges/{_public.ShortName}/evaluations/{succeeded.Id}", [200, 200, 200, 200, 200], "0.7500");
        await ExpectAsync(_publicClients, $"/challenges/other-{_public.ShortName}/evaluations/{succeeded.Id}", [404, 404, 404, 404, 404], "0.7500");

        var hidden = await _hidden.AddEvaluationAsync(_hidden.Participant, ComponentJobStatus.Succeeded, EvaluationPagesWorld.Metrics(0.5));
        await ExpectAsync(_hiddenClients, $"/challenges/{_hidden.ShortName}/evaluations/{hidden.Id}", [404, 404, 200, 200, 200], "0.5000");
    }
}
