using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace GrandChallenge.Tests.Web.Evaluation;

/// <summary>Every bad input gets a clear message and changes nothing; people get exactly what their role allows.</summary>
[Trait("Category", "Docker")]
public sealed class EvaluationBadInputTests(EvaluationWorld world) : IClassFixture<EvaluationWorld>, IAsyncLifetime
{
    private string _phase = "";

    public async Task InitializeAsync() => _phase = (await world.CreateReadyPhaseAsync()).GetProperty("pk").GetString()!;

    public Task DisposeAsync() => Task.CompletedTask;

    private int Submissions() => world.App.Db(db => db.Submissions.Count(s => s.PhaseId == Guid.Parse(_phase)));

    private static byte[] Bomb()
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        using (var entry = zip.CreateEntry("predictions.csv", CompressionLevel.SmallestSize).Open())
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 64; i++)
            {
                entry.Write(zeros);
            }
        }

        return output.ToArray();
    }

    public static TheoryData<string, byte[], string> BadPredictions() => new()
    {
        { "predictions.txt", Encoding.UTF8.GetBytes("0.5\n"), "must be a .csv, .json or .zip" },
        { "predictions.csv", [], "empty" },
        { "predictions.csv", [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0, 1, 2], "not a text" },
        { "predictions.json", Encoding.UTF8.GetBytes("{not json"), "JSON" },
        { "predictions.zip", Encoding.UTF8.GetBytes("PK but not a zip"), "zip" },
        { "predictions.zip", EvaluationWorld.Zip(("../escape.csv", [1])), "not a plain relative path" },
        { "predictions.zip", Bomb(), "compressed more than" },
    };

    [Theory]
    [MemberData(nameof(BadPredictions))]
    public async Task Bad_predictions_are_refused_with_a_clear_message_and_nothing_is_stored(string name, byte[] content, string message)
    {
        var before = Submissions();
        var response = await world.Alice.PostAsync($"/api/v1/phases/{_phase}/submissions/", EvaluationWorld.File(name, content, "predictions_file"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString().Should().ContainEquivalentOf(message);
        Submissions().Should().Be(before);
    }

    [Fact]
    public async Task Only_participants_submit_and_only_to_an_open_phase()
    {
        (await world.Anonymous.PostAsync($"/api/v1/phases/{_phase}/submissions/", EvaluationWorld.Predictions("0.5"))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await world.Stranger.PostAsync($"/api/v1/phases/{_phase}/submissions/", EvaluationWorld.Predictions("0.5"))).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        var closed = (await world.CreateReadyPhaseAsync(new { close_at = DateTimeOffset.UtcNow.AddDays(-1), open_at = DateTimeOffset.UtcNow.AddDays(-2) })).GetProperty("pk").GetString();
        var response = await world.Alice.PostAsync($"/api/v1/phases/{closed}/submissions/", EvaluationWorld.Predictions("0.5"));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("closed for submissions");
        Submissions().Should().Be(0);
    }

    private static byte[] TarWith(TarEntryType type, string name, string? link = null)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            var entry = new PaxTarEntry(type, name);
            if (link is not null)
            {
                entry.LinkName = link;
            }
            else if (type == TarEntryType.RegularFile)
            {
                entry.DataStream = new MemoryStream([1, 2, 3]);
            }

            tar.WriteEntry(entry);
        }

        return output.ToArray();
    }

    public static TheoryData<string, byte[], string> BadGroundTruths() => new()
    {
        { "truth.txt", [1, 2, 3], ".tar.gz, .tgz or .zip" },
        { "truth.tar.gz", [1, 2, 3, 4], "could not be read" },
        { "truth.tar.gz", TarWith(TarEntryType.RegularFile, "../../etc/passwd"), "not a plain relative path" },
        { "truth.tar.gz", TarWith(TarEntryType.SymbolicLink, "link", "/etc/passwd"), "link" },
        { "truth.zip", EvaluationWorld.Zip(("a/../../x.csv", [1])), "not a plain relative path" },
        { "truth.tar.gz", TarWith(TarEntryType.Directory, "empty/"), "no files" },
    };

    [Theory]
    [MemberData(nameof(BadGroundTruths))]
    public async Task Bad_ground_truth_is_refused_and_the_active_version_stays(string name, byte[] content, string message)
    {
        var before = await world.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{_phase}/ground-truths/");
        var response = await world.Admin.PostAsync($"/api/v1/phases/{_phase}/ground-truths/", EvaluationWorld.File(name, content));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString().Should().ContainEquivalentOf(message);
        var after = await world.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{_phase}/ground-truths/");
        after.GetProperty("count").GetInt32().Should().Be(before.GetProperty("count").GetInt32());
        after.GetProperty("results").EnumerateArray().Count(g => g.GetProperty("is_desired_version").GetBoolean()).Should().Be(1);
    }

    [Fact]
    public async Task Participants_never_see_ground_truth_methods_or_other_peoples_unpublished_results()
    {
        foreach (var client in new[] { world.Alice, world.Stranger })
        {
            (await client.GetAsync($"/api/v1/phases/{_phase}/ground-truths/")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await client.GetAsync($"/api/v1/phases/{_phase}/methods/")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await client.PostAsync($"/api/v1/phases/{_phase}/ground-truths/", EvaluationWorld.File("t.tar.gz", EvaluationWorld.TarGz(("a", "b")))))
                .StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await client.PatchAsJsonAsync($"/api/v1/phases/{_phase}/", new { title = "Mine now" })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }

        var response = await world.Bob.PostAsync($"/api/v1/phases/{_phase}/submissions/", EvaluationWorld.Predictions("fail secret stack trace"));
        var submission = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pk").GetString()!;
        var failed = await EvaluationWorld.WaitForEvaluationAsync(world.Bob, submission);
        failed.GetProperty("error_message").GetString().Should().Contain("secret stack trace", "the submitter learns why");

        (await world.Alice.GetAsync(failed.GetProperty("api_url").GetString())).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await world.Alice.GetAsync($"/api/v1/submissions/{submission}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await world.Alice.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/?phase={_phase}")).GetProperty("results").EnumerateArray()
            .Should().NotContain(e => e.GetProperty("pk").GetString() == failed.GetProperty("pk").GetString());
        (await world.Admin.GetFromJsonAsync<JsonElement>(failed.GetProperty("api_url").GetString())).GetProperty("stderr").GetString().Should().Contain("secret stack trace");
    }

    [Fact]
    public async Task Phase_settings_that_break_the_rules_are_refused_field_by_field()
    {
        var cases = new (object Body, string Field)[]
        {
            (new { evaluation_time_limit_seconds = 10 }, "evaluation_time_limit_seconds"),
            (new { evaluation_memory_gb = 64 }, "evaluation_memory_gb"),
            (new { score_jsonpath = "a..b" }, "score_jsonpath"),
            (new { score_default_sort = "sideways" }, "score_default_sort"),
            (new { scoring_method_choice = 3 }, "scoring_method_choice"),
            (new { open_at = "2026-01-02T00:00:00Z", close_at = "2026-01-01T00:00:00Z" }, "close_at"),
            (new { no_such_field = 1 }, "no_such_field"),
            (new { submission_kind = "algorithm" }, "submission_kind"),
        };
        foreach (var (body, field) in cases)
        {
            var response = await world.Admin.PatchAsJsonAsync($"/api/v1/phases/{_phase}/", body);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, field);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue(field);
        }

        var phase = await world.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/phases/{_phase}/");
        phase.GetProperty("evaluation_time_limit_seconds").GetInt32().Should().Be(300, "nothing changed");
    }
}
