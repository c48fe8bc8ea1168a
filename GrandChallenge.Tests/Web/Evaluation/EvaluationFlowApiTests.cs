using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace GrandChallenge.Tests.Web.Evaluation;

/// <summary>The challenge loop through the API on the real engine: method, ground truth, submissions, evaluations, leaderboard.</summary>
[Trait("Category", "Docker")]
public sealed class EvaluationFlowApiTests(EvaluationWorld world) : EvaluationFlowApiTestsBase(world), IClassFixture<EvaluationWorld>;

/// <summary>The same loop with PostgreSQL as the database (re-ranking, the phase row lock and limits are provider-specific paths).</summary>
[Trait("Category", "Docker")]
[Trait("Category", "Postgres")]
public sealed class PostgresEvaluationFlowApiTests(PostgresEvaluationWorld world) : EvaluationFlowApiTestsBase(world), IClassFixture<PostgresEvaluationWorld>;

public abstract class EvaluationFlowApiTestsBase(EvaluationWorld world)
{
    private static string Id(JsonElement e) => e.GetProperty("pk").GetString()!;

    private static async Task<string> SubmitAsync(HttpClient client, string phaseId, string firstLine, string name = "predictions.csv")
    {
        var response = await client.PostAsync($"/api/v1/phases/{phaseId}/submissions/", EvaluationWorld.Predictions(firstLine, name));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return Id(await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task Two_participants_submit_and_the_leaderboard_ranks_them_with_their_metrics()
    {
        var phase = Id(await world.CreateReadyPhaseAsync(new
        {
            extra_results_columns = new[] { new { path = "aggregates.hausdorff.mean", title = "Hausdorff", order = "asc", exclude_from_ranking = true } },
            score_error_jsonpath = "aggregates.dice.std",
        }));

        var alice = await SubmitAsync(world.Alice, phase, "0.8");
        var aliceEvaluation = await EvaluationWorld.WaitForEvaluationAsync(world.Alice, alice);
        aliceEvaluation.GetProperty("status").GetString().Should().Be("Succeeded", aliceEvaluation.GetProperty("error_message").ToString());
        aliceEvaluation.GetProperty("metrics").GetProperty("score").GetDouble().Should().Be(0.8);
        aliceEvaluation.GetProperty("metrics").GetProperty("aggregates").GetProperty("ground_truth_files").GetInt32().Should().Be(2, "the ground truth is unpacked for the method");
        aliceEvaluation.GetProperty("rank").GetInt32().Should().Be(1);
        aliceEvaluation.GetProperty("stdout").ValueKind.Should().Be(JsonValueKind.Null, "participants do not see logs unless the phase allows it");

        var bob = await SubmitAsync(world.Bob, phase, "0.9");
        (await EvaluationWorld.WaitForEvaluationAsync(world.Bob, bob)).GetProperty("rank").GetInt32().Should().Be(1);

        var board = await world.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/leaderboard/");
        var rows = board.GetProperty("results").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("username").GetString()).Should().Equal(world.BobUser.UserName, world.AliceUser.UserName);
        rows.Select(r => r.GetProperty("rank").GetInt32()).Should().Equal(1, 2);
        rows[0].GetProperty("score").GetDouble().Should().Be(0.9);
        rows[0].GetProperty("score_error").GetDouble().Should().Be(0.01);
        rows[1].GetProperty("submission_id").GetString().Should().Be(alice);

        var csv = await world.Anonymous.GetStringAsync($"/api/v1/phases/{phase}/leaderboard/?format=csv");
        csv.Split('\n')[0].Should().Contain("rank").And.Contain("Score").And.Contain("Hausdorff");
        csv.Should().Contain(world.BobUser.UserName).And.Contain("0.9");

        var adminView = await world.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/{rows[0].GetProperty("evaluation_id").GetString()}/");
        adminView.GetProperty("stdout").GetString().Should().Contain("Done: score 0.9", "challenge admins read the logs");

        var history = await world.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/leaderboard/history/{world.AliceUser.Id}/");
        history.GetArrayLength().Should().Be(1);
        var charts = await world.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/leaderboard/charts/");
        charts.GetProperty("best_over_time").EnumerateArray().Select(p => p.GetProperty("value").GetDouble()).Should().Equal(0.8, 0.9);

        // Sorting ascending instead turns the board round at once.
        var patched = await world.Admin.PatchAsJsonAsync($"/api/v1/phases/{phase}/", new { score_default_sort = "asc" });
        patched.StatusCode.Should().Be(HttpStatusCode.OK, await patched.Content.ReadAsStringAsync());
        board = await world.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/leaderboard/");
        board.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("username").GetString()).Should().Equal(world.AliceUser.UserName, world.BobUser.UserName);

        // Hiding a result takes it off the board; publishing puts it back.
        var bobEvaluation = rows[0].GetProperty("evaluation_id").GetString();
        (await world.Admin.PatchAsJsonAsync($"/api/v1/evaluations/{bobEvaluation}/", new { published = false })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await world.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/leaderboard/")).GetProperty("count").GetInt32().Should().Be(1);
        (await world.Alice.PatchAsJsonAsync($"/api/v1/evaluations/{alice}/", new { published = true })).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_board_as_of_a_day_before_any_submission_is_empty_and_a_bad_date_is_refused()
    {
        var phase = Id(await world.CreateReadyPhaseAsync());
        var alice = await SubmitAsync(world.Alice, phase, "0.5");
        await EvaluationWorld.WaitForEvaluationAsync(world.Alice, alice);

        var yesterday = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        (await world.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/leaderboard/?date={yesterday}")).GetProperty("count").GetInt32().Should().Be(0);
        (await world.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/leaderboard/?date={today}")).GetProperty("count").GetInt32().Should().Be(1);
        (await world.Anonymous.GetAsync($"/api/v1/phases/{phase}/leaderboard/?date=27-11-2026")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("fail The predictions are malformed", "The predictions are malformed")]
    [InlineData("nometrics", "metrics.json")]
    [InlineData("notjson", "JSON")]
    public async Task A_failing_evaluation_tells_the_participant_why_and_does_not_use_up_a_submission(string firstLine, string message)
    {
        var phase = Id(await world.CreateReadyPhaseAsync(new { submission_limit = 1 }));
        var submission = await SubmitAsync(world.Alice, phase, firstLine);
        var evaluation = await EvaluationWorld.WaitForEvaluationAsync(world.Alice, submission);

        evaluation.GetProperty("status").GetString().Should().Be("Failed");
        evaluation.GetProperty("error_message").GetString().Should().ContainEquivalentOf(message);
        evaluation.GetProperty("rank").GetInt32().Should().Be(0);
        var allowance = await world.Alice.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/submission-allowance/");
        allowance.GetProperty("remaining_submissions").GetInt32().Should().Be(1, "failed evaluations do not count");
        (await world.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/leaderboard/")).GetProperty("count").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task Metrics_without_the_score_succeed_but_are_not_ranked()
    {
        var phase = Id(await world.CreateReadyPhaseAsync());
        var submission = await SubmitAsync(world.Alice, phase, "noscore");
        var evaluation = await EvaluationWorld.WaitForEvaluationAsync(world.Alice, submission);

        evaluation.GetProperty("status").GetString().Should().Be("Succeeded");
        evaluation.GetProperty("rank").GetInt32().Should().Be(0);
        (await world.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/leaderboard/")).GetProperty("count").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task A_zip_of_predictions_is_unpacked_into_input_for_the_method()
    {
        var phase = Id(await world.CreateReadyPhaseAsync());
        var zip = EvaluationWorld.Zip(("results/case1.csv", Encoding.UTF8.GetBytes("0.65\n")));
        var response = await world.Alice.PostAsync($"/api/v1/phases/{phase}/submissions/", EvaluationWorld.File("predictions.zip", zip, "predictions_file"));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var evaluation = await EvaluationWorld.WaitForEvaluationAsync(world.Alice, Id(await response.Content.ReadFromJsonAsync<JsonElement>()));
        evaluation.GetProperty("metrics").GetProperty("score").GetDouble().Should().Be(0.65);
    }

    [Fact]
    public async Task The_limit_counts_submissions_and_one_evaluation_at_a_time_is_allowed()
    {
        var phase = Id(await world.CreateReadyPhaseAsync(new { submission_limit = 1 }));
        var first = await SubmitAsync(world.Alice, phase, "sleep 3 0.4");
        var second = await world.Alice.PostAsync($"/api/v1/phases/{phase}/submissions/", EvaluationWorld.Predictions("0.5"));
        second.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await second.Content.ReadAsStringAsync()).Should().MatchRegex("in progress|used your");

        await EvaluationWorld.WaitForEvaluationAsync(world.Alice, first);
        var third = await world.Alice.PostAsync($"/api/v1/phases/{phase}/submissions/", EvaluationWorld.Predictions("0.5"));
        third.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await third.Content.ReadAsStringAsync()).Should().Contain("used your 1 submission");
        var allowance = await world.Alice.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{phase}/submission-allowance/");
        allowance.GetProperty("can_submit").GetBoolean().Should().BeFalse();
        allowance.GetProperty("next_submission_at").ValueKind.Should().Be(JsonValueKind.String);

        // Admins are held to no limit.
        var admin = await world.Admin.PostAsync($"/api/v1/phases/{phase}/submissions/", EvaluationWorld.Predictions("0.3"));
        admin.StatusCode.Should().Be(HttpStatusCode.Created, await admin.Content.ReadAsStringAsync());
        await EvaluationWorld.WaitForEvaluationAsync(world.Admin, Id(await admin.Content.ReadFromJsonAsync<JsonElement>()));
    }

    [Fact]
    public async Task Reevaluation_with_a_new_ground_truth_adds_an_evaluation_per_submission()
    {
        var phase = Id(await world.CreateReadyPhaseAsync());
        var submission = await SubmitAsync(world.Alice, phase, "0.7");
        await EvaluationWorld.WaitForEvaluationAsync(world.Alice, submission);

        (await world.Admin.PostAsJsonAsync($"/api/v1/phases/{phase}/reevaluate/", new { })).StatusCode.Should().Be(HttpStatusCode.Conflict,
            "nothing changed, so there is nothing to evaluate again");
        var truth = await world.Admin.PostAsync($"/api/v1/phases/{phase}/ground-truths/", EvaluationWorld.File("v2.tar.gz", EvaluationWorld.TarGz(("only.csv", "1\n"))));
        truth.StatusCode.Should().Be(HttpStatusCode.Created);
        var again = await world.Admin.PostAsJsonAsync($"/api/v1/phases/{phase}/reevaluate/", new { submission });
        again.StatusCode.Should().Be(HttpStatusCode.Accepted, await again.Content.ReadAsStringAsync());

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var list = await world.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/?submission={submission}");
            var evaluations = list.GetProperty("results").EnumerateArray().ToList();
            if (evaluations.Count == 2 && evaluations.All(e => e.GetProperty("status").GetString() == "Succeeded"))
            {
                evaluations[0].GetProperty("metrics").GetProperty("aggregates").GetProperty("ground_truth_files").GetInt32().Should().Be(1);
                break;
            }

            DateTime.UtcNow.Should().BeBefore(deadline);
            await Task.Delay(250);
        }
    }
}
