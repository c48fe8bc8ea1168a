using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Algorithms;

/// <summary>Algorithm jobs through <c>/api/v1/algorithms/jobs/</c> on the real engine with <c>algorithm-threshold</c>.</summary>
[Trait("Category", "Docker")]
public sealed class AlgorithmJobApiTests(AlgorithmJobWorld world) : IClassFixture<AlgorithmJobWorld>
{
    private static object Image(string socket, string id) => new { @interface = socket, image = id };

    private static object Value(string socket, object? value) => new { @interface = socket, value };

    private static string Pk(JsonElement e) => e.GetProperty("pk").GetString()!;

    private static JsonElement Output(JsonElement job, string socket) =>
        job.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("interface").GetProperty("slug").GetString() == socket);

    private async Task<JsonElement> CreatedAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.Created)
    {
        response.StatusCode.Should().Be(expected, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>())!;
    }

    [Fact]
    public async Task A_user_runs_the_algorithm_on_an_uploaded_image_and_gets_a_segmentation_and_a_float()
    {
        var image = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.User));

        var created = await CreatedAsync(await world.RunAsync(world.User, world.Algorithm.Slug, Image(AlgorithmJobWorld.InputSocket, image)));
        created.GetProperty("status").GetString().Should().BeOneOf("Pending", "Provisioned", "Executing", "Executed", "Succeeded");
        created.GetProperty("algorithm_slug").GetString().Should().Be(world.Algorithm.Slug);
        var job = await AlgorithmJobWorld.WaitForJobAsync(world.User, created.GetProperty("api_url").GetString()!);

        job.GetProperty("status").GetString().Should().Be("Succeeded", job.GetProperty("error_message").ToString());
        job.GetProperty("inputs").EnumerateArray().Single().GetProperty("image").GetString().Should().EndWith($"/api/v1/cases/images/{image}/");
        Output(job, AlgorithmJobWorld.FractionSocket).GetProperty("value").GetDouble().Should().BeApproximately(127 / 128.0, 1e-5,
            "every voxel but the first is above the default threshold 0.5");
        var maskUrl = Output(job, AlgorithmJobWorld.MaskSocket).GetProperty("image").GetString()!;
        var mask = await world.User.GetFromJsonAsync<JsonElement>(maskUrl);
        var input = await world.User.GetFromJsonAsync<JsonElement>($"/api/v1/cases/images/{image}/");
        mask.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).Should().Equal(input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        job.GetProperty("stdout").ValueKind.Should().Be(JsonValueKind.Null, "the creator is not an editor and reads no logs");
        job.GetProperty("exec_duration").GetString().Should().NotBeNullOrEmpty();

        var editorView = await world.Editor.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/jobs/{Pk(job)}/");
        editorView.GetProperty("stdout").GetString().Should().Contain("threshold=0.5", "editors read the logs");
        (await world.Editor.GetAsync(maskUrl)).StatusCode.Should().Be(HttpStatusCode.OK, "editors see the images of their algorithm's jobs");

        // The creator was told, and the algorithm's average run time is known.
        var notified = world.App.Db(db => db.Notifications.Any(n => n.UserId == world.UserUser.Id && n.Link == $"/algorithms/jobs/{Pk(job)}"));
        notified.Should().BeTrue();
        world.App.Db(db => db.Algorithms.Single(a => a.Id == world.Algorithm.Id).AverageDurationSeconds).Should().BeGreaterThan(0);

        // The same inputs again on the same image and model: the earlier result, not a new job.
        var again = await CreatedAsync(await world.RunAsync(world.User, world.Algorithm.Slug, Image(AlgorithmJobWorld.InputSocket, image)), HttpStatusCode.OK);
        Pk(again).Should().Be(Pk(job));

        // A re-run is a new job with the same inputs.
        var rerun = await CreatedAsync(await world.User.PostAsync($"/api/v1/algorithms/jobs/{Pk(job)}/rerun/", null));
        Pk(rerun).Should().NotBe(Pk(job));
        rerun = await AlgorithmJobWorld.WaitForJobAsync(world.User, rerun.GetProperty("api_url").GetString()!);
        rerun.GetProperty("status").GetString().Should().Be("Succeeded");
        rerun.GetProperty("inputs").EnumerateArray().Single().GetProperty("pk").GetInt64()
            .Should().Be(job.GetProperty("inputs").EnumerateArray().Single().GetProperty("pk").GetInt64());

        var list = await world.User.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/jobs/?algorithm={world.Algorithm.Slug}&status=Succeeded");
        list.GetProperty("results").EnumerateArray().Select(Pk).Should().Contain([Pk(job), Pk(rerun)]);
        (await world.User.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/jobs/?algorithm={world.Algorithm.Slug}&status=Failed"))
            .GetProperty("results").EnumerateArray().Select(Pk).Should().NotContain(Pk(job));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_upload_session_still_importing_is_waited_for_and_becomes_the_input(bool forJobInput)
    {
        var session = await world.UploadImageAsync(world.User, wait: false, forJobInput: forJobInput);

        var created = await CreatedAsync(await world.RunAsync(world.User, world.Algorithm.Slug,
            new { @interface = AlgorithmJobWorld.InputSocket, upload_session = session.GetProperty("api_url").GetString() }));
        var job = await AlgorithmJobWorld.WaitForJobAsync(world.User, created.GetProperty("api_url").GetString()!);

        job.GetProperty("status").GetString().Should().Be("Succeeded", job.GetProperty("error_message").ToString());
        job.GetProperty("inputs").EnumerateArray().Single().GetProperty("image").GetString().Should().NotBeNull();
        Output(job, AlgorithmJobWorld.FractionSocket).GetProperty("value").GetDouble().Should().BeApproximately(127 / 128.0, 1e-5);
    }

    [Fact]
    public async Task Jobs_left_waiting_for_their_uploads_by_a_restart_move_on_from_the_reconcile_pass()
    {
        // A restart loses the in-process watch: the jobs below wait with no watcher, their sessions already ended.
        var good = await world.UploadImageAsync(world.User, forJobInput: true);
        var bad = await world.UploadImageAsync(world.User, wait: false, forJobInput: true, content: "not an image"u8.ToArray(), name: "notes.txt");
        for (var i = 0; i < 600 && (await world.User.GetFromJsonAsync<JsonElement>(bad.GetProperty("api_url").GetString())).GetProperty("status").GetString() != "Failed"; i++)
        {
            await Task.Delay(100);
        }

        var waitingOnGood = await WaitingJobAsync(good.GetProperty("pk").GetGuid());
        var waitingOnBad = await WaitingJobAsync(bad.GetProperty("pk").GetGuid());

        var moved = await world.App.Services.GetRequiredService<AlgorithmJobService>().AdvanceAllValidatingAsync();

        moved.Should().BeGreaterThanOrEqualTo(2);
        var succeeded = await AlgorithmJobWorld.WaitForJobAsync(world.User, $"/api/v1/algorithms/jobs/{waitingOnGood}/");
        succeeded.GetProperty("status").GetString().Should().Be("Succeeded", succeeded.GetProperty("error_message").ToString());
        succeeded.GetProperty("inputs").EnumerateArray().Single().GetProperty("image").GetString().Should().NotBeNull();
        var key = world.App.Db(db => db.AlgorithmJobs.Single(j => j.JobId == waitingOnGood).InputsKey);
        key.Should().MatchRegex("^[0-9]+$", "the inputs key is the value's id once the upload became the input");
        var failed = await AlgorithmJobWorld.WaitForJobAsync(world.User, $"/api/v1/algorithms/jobs/{waitingOnBad}/");
        failed.GetProperty("status").GetString().Should().Be("Failed");
        failed.GetProperty("error_message").GetString().Should().Contain(AlgorithmJobWorld.InputSocket).And.Contain("could not be imported as an image");
        (await world.App.Services.GetRequiredService<AlgorithmJobService>().AdvanceAllValidatingAsync()).Should().Be(0, "nothing waits any more");
    }

    /// <summary>A job of the user's waiting in Validating inputs for the given upload session, as a restart leaves it.</summary>
    private async Task<Guid> WaitingJobAsync(Guid sessionId)
    {
        await using var db = world.App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        var socket = await db.Sockets.SingleAsync(s => s.Slug == AlgorithmJobWorld.InputSocket);
        var interfaceId = (await db.AlgorithmInterfaces.Where(i => world.Algorithm.InterfaceIds.Contains(i.Id)).ToListAsync())
            .Single(i => i.InputSocketIds.SequenceEqual([socket.Id])).Id;
        var job = new ComponentJob
        {
            Kind = ComponentJobKind.Algorithm,
            Status = ComponentJobStatus.ValidatingInputs,
            ImageReference = world.ImageSha,
            CreatorId = world.UserUser.Id,
            OutputSocketIds = [.. (await db.AlgorithmInterfaces.SingleAsync(i => i.Id == interfaceId)).OutputSocketIds],
        };
        db.ComponentJobs.Add(job);
        db.AlgorithmJobs.Add(new AlgorithmJob
        {
            JobId = job.Id,
            AlgorithmId = world.Algorithm.Id,
            AlgorithmImageId = (await AlgorithmQueries.ActiveImageAsync(db, world.Algorithm.Id))!.Id,
            InterfaceId = interfaceId,
            CreatorId = world.UserUser.Id,
            InputsKey = "",
        });
        db.AlgorithmJobUploads.Add(new AlgorithmJobUpload { JobId = job.Id, SocketId = socket.Id, UploadSessionId = sessionId });
        await db.SaveChangesAsync();
        return job.Id;
    }

    [Fact]
    public async Task A_job_whose_upload_makes_no_image_fails_and_says_why()
    {
        var session = await world.UploadImageAsync(world.User, wait: false, forJobInput: true, content: "not an image"u8.ToArray(), name: "notes.txt");

        var response = await world.RunAsync(world.User, world.Algorithm.Slug,
            new { @interface = AlgorithmJobWorld.InputSocket, upload_session = session.GetProperty("pk").GetString() });

        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            // The import failed before the request arrived: the job is refused at once.
            (await response.Content.ReadAsStringAsync()).Should().Contain(AlgorithmJobWorld.InputSocket).And.Contain("could not be imported as an image");
        }
        else
        {
            var created = await CreatedAsync(response);
            var job = await AlgorithmJobWorld.WaitForJobAsync(world.User, created.GetProperty("api_url").GetString()!);
            job.GetProperty("status").GetString().Should().Be("Failed");
            job.GetProperty("error_message").GetString().Should().Contain(AlgorithmJobWorld.InputSocket).And.Contain("could not be imported as an image");
        }

        // A session of someone else's cannot be used.
        var theirs = await world.UploadImageAsync(world.Editor, wait: false, forJobInput: true);
        var refused = await world.RunAsync(world.User, world.Algorithm.Slug, new { @interface = AlgorithmJobWorld.InputSocket, upload_session = theirs.GetProperty("pk").GetString() });
        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).Should().Contain("no such upload session of yours");
    }

    [Fact]
    public async Task The_active_model_tarball_is_unpacked_at_opt_ml_model_and_changes_the_result()
    {
        var algorithm = await world.CreateAlgorithmAsync($"model-{world.Suffix}", "With model");
        var model = await world.ActivateModelAsync(algorithm.Id, threshold: 100);
        var image = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.User));

        var created = await CreatedAsync(await world.RunAsync(world.User, algorithm.Slug, Image(AlgorithmJobWorld.InputSocket, image)));
        var job = await AlgorithmJobWorld.WaitForJobAsync(world.User, created.GetProperty("api_url").GetString()!);

        job.GetProperty("status").GetString().Should().Be("Succeeded", job.GetProperty("error_message").ToString());
        job.GetProperty("algorithm_model").GetGuid().Should().Be(model.Id);
        Output(job, AlgorithmJobWorld.FractionSocket).GetProperty("value").GetDouble().Should().BeApproximately(77 / 128.0, 1e-5,
            "voxels 102..254 are above the model's threshold 100");

        // A new model means a new result for the same inputs: no reuse across models.
        await world.ActivateModelAsync(algorithm.Id, threshold: 200);
        var second = await CreatedAsync(await world.RunAsync(world.User, algorithm.Slug, Image(AlgorithmJobWorld.InputSocket, image)));
        Pk(second).Should().NotBe(Pk(job));
        second = await AlgorithmJobWorld.WaitForJobAsync(world.User, second.GetProperty("api_url").GetString()!);
        Output(second, AlgorithmJobWorld.FractionSocket).GetProperty("value").GetDouble().Should().BeApproximately(27 / 128.0, 1e-5);
    }

    [Theory]
    [InlineData("two-images", "Only 1 image should be produced")]
    [InlineData("bad-json", "is not valid json")]
    [InlineData("wrong-kind", "is not valid")]
    public async Task An_output_that_violates_its_socket_fails_the_job_with_a_clear_message(string mode, string message)
    {
        var image = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.User));

        var created = await CreatedAsync(await world.RunAsync(world.User, world.Algorithm.Slug,
            Image(AlgorithmJobWorld.InputSocket, image), Value(AlgorithmJobWorld.ModeSocket, mode)));
        var job = await AlgorithmJobWorld.WaitForJobAsync(world.User, created.GetProperty("api_url").GetString()!);

        job.GetProperty("status").GetString().Should().Be("Failed");
        var details = job.GetProperty("detailed_error_message").EnumerateObject().Select(p => $"{p.Name}: {p.Value.GetString()}").ToList();
        (job.GetProperty("error_message").GetString() + string.Join(" ", details)).Should().Contain(message);
        job.GetProperty("outputs").GetArrayLength().Should().Be(0, "a failed job stores no outputs");
    }

    [Fact]
    public async Task Bad_inputs_are_refused_with_a_message_and_create_nothing()
    {
        var image = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.User));
        var editorImage = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.Editor));
        var before = world.App.Db(db => db.AlgorithmJobs.Count());

        async Task<string> RefusedAsync(object body)
        {
            var response = await world.User.PostAsJsonAsync("/api/v1/algorithms/jobs/", body);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        }

        (await RefusedAsync(new { algorithm = world.Algorithm.Slug, inputs = new[] { Value(AlgorithmJobWorld.ModeSocket, "x") } }))
            .Should().Contain("match none of the algorithm's interfaces").And.Contain(AlgorithmJobWorld.InputSocket);
        (await RefusedAsync(new { algorithm = world.Algorithm.Slug, inputs = new[] { Image(AlgorithmJobWorld.InputSocket, image), Value(AlgorithmJobWorld.ModeSocket, 3) } }))
            .Should().Contain(AlgorithmJobWorld.ModeSocket);
        (await RefusedAsync(new { algorithm = world.Algorithm.Slug, inputs = new[] { Image(AlgorithmJobWorld.InputSocket, editorImage) } }))
            .Should().Contain("hidden from you");
        (await RefusedAsync(new { algorithm = world.Algorithm.Slug, inputs = new[] { Value(AlgorithmJobWorld.InputSocket, 1) } }))
            .Should().Contain("not a JSON value");
        (await RefusedAsync(new { algorithm = world.Algorithm.Slug, inputs = "nope" })).Should().Contain("inputs must be a list");
        (await RefusedAsync(new { algorithm = world.Algorithm.Slug, inputs = new object[] { new { @interface = AlgorithmJobWorld.InputSocket } } }))
            .Should().Contain("exactly one of");

        world.App.Db(db => db.AlgorithmJobs.Count()).Should().Be(before);
    }

    [Fact]
    public async Task Users_run_out_of_jobs_per_period_but_editors_do_not()
    {
        var algorithm = await world.CreateAlgorithmAsync($"quota-{world.Suffix}", "Quota", quota: 1);
        var image = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.User));

        await CreatedAsync(await world.RunAsync(world.User, algorithm.Slug, Image(AlgorithmJobWorld.InputSocket, image), Value(AlgorithmJobWorld.ModeSocket, "a")));
        var refused = await world.RunAsync(world.User, algorithm.Slug, Image(AlgorithmJobWorld.InputSocket, image), Value(AlgorithmJobWorld.ModeSocket, "b"));

        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).Should().Contain("You have run out of jobs for this algorithm");
        var editorImage = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.Editor));
        await CreatedAsync(await world.RunAsync(world.Editor, algorithm.Slug, Image(AlgorithmJobWorld.InputSocket, editorImage), Value(AlgorithmJobWorld.ModeSocket, "a")));
        await CreatedAsync(await world.RunAsync(world.Editor, algorithm.Slug, Image(AlgorithmJobWorld.InputSocket, editorImage), Value(AlgorithmJobWorld.ModeSocket, "b")));
    }

    [Fact]
    public async Task Who_may_run_see_cancel_and_share_a_job()
    {
        var image = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.User));
        var strangerImage = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.Stranger));

        // Only the algorithm's users and editors run it: it does not exist for a stranger, anonymous callers must sign in.
        (await world.RunAsync(world.Stranger, world.Algorithm.Slug, Image(AlgorithmJobWorld.InputSocket, strangerImage))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await world.RunAsync(world.Anonymous, world.Algorithm.Slug, Image(AlgorithmJobWorld.InputSocket, image))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        // A public algorithm is visible to the stranger, who still may not run it.
        var open = await world.CreateAlgorithmAsync($"open-{world.Suffix}", "Open");
        await using (var db = world.App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext())
        {
            await db.Algorithms.Where(a => a.Id == open.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.Public, true));
        }

        var forbidden = await world.RunAsync(world.Stranger, open.Slug, Image(AlgorithmJobWorld.InputSocket, strangerImage));
        forbidden.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await forbidden.Content.ReadAsStringAsync()).Should().Contain("ask its editors for access");

        var created = await CreatedAsync(await world.RunAsync(world.User, world.Algorithm.Slug, Image(AlgorithmJobWorld.InputSocket, image), Value(AlgorithmJobWorld.ModeSocket, "perm")));
        var url = created.GetProperty("api_url").GetString()!;
        var job = await AlgorithmJobWorld.WaitForJobAsync(world.User, url);
        job.GetProperty("status").GetString().Should().Be("Succeeded", job.GetProperty("error_message").ToString());
        var maskUrl = Output(job, AlgorithmJobWorld.MaskSocket).GetProperty("image").GetString()!;

        (await world.Stranger.GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await world.Anonymous.GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await world.Stranger.GetAsync(maskUrl)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await world.Stranger.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/jobs/?algorithm={world.Algorithm.Slug}")).GetProperty("count").GetInt32().Should().Be(0);
        (await world.Stranger.PostAsync($"{url}cancel/", null)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await world.Stranger.PostAsJsonAsync($"{url}viewers/", new { username = world.StrangerUser.UserName })).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await world.Stranger.PostAsync($"{url}rerun/", null)).StatusCode.Should().Be(HttpStatusCode.NotFound);

        // Shared with the stranger: they see the job and its images, not its logs, and cannot share it further.
        var shared = await CreatedAsync(await world.User.PostAsJsonAsync($"{url}viewers/", new { username = world.StrangerUser.UserName }), HttpStatusCode.OK);
        shared.GetProperty("viewers").EnumerateArray().Select(v => v.GetString()).Should().Equal(world.StrangerUser.UserName);
        var seen = await world.Stranger.GetFromJsonAsync<JsonElement>(url);
        seen.GetProperty("stdout").ValueKind.Should().Be(JsonValueKind.Null);
        seen.GetProperty("viewers").GetArrayLength().Should().Be(0, "viewers do not learn who else sees it");
        (await world.Stranger.GetAsync(maskUrl)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await world.Stranger.PostAsJsonAsync($"{url}viewers/", new { username = world.EditorUser.UserName })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await world.Stranger.PostAsync($"{url}rerun/", null)).StatusCode.Should().Be(HttpStatusCode.Forbidden, "seeing a job is not permission to run the algorithm");
        (await world.User.PostAsJsonAsync($"{url}viewers/", new { username = "nobody-of-that-name" })).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await world.User.DeleteAsync($"{url}viewers/{world.StrangerUser.UserName}/")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await world.Stranger.GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.NotFound);

        // Public: everyone sees it.
        (await world.Stranger.PatchAsJsonAsync(url, new { @public = true })).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await world.User.PatchAsJsonAsync(url, new { @public = true })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await world.Anonymous.GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await world.Anonymous.GetFromJsonAsync<JsonElement>(url)).GetProperty("stdout").ValueKind.Should().Be(JsonValueKind.Null);

        // A job that has ended cannot be cancelled; one that fails cannot be made public.
        (await world.User.PostAsync($"{url}cancel/", null)).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var failing = await CreatedAsync(await world.RunAsync(world.User, world.Algorithm.Slug, Image(AlgorithmJobWorld.InputSocket, image), Value(AlgorithmJobWorld.ModeSocket, "fail")));
        var failed = await AlgorithmJobWorld.WaitForJobAsync(world.User, failing.GetProperty("api_url").GetString()!);
        failed.GetProperty("status").GetString().Should().Be("Failed");
        var refusal = await world.User.PatchAsJsonAsync(failing.GetProperty("api_url").GetString(), new { @public = true });
        refusal.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await refusal.Content.ReadAsStringAsync()).Should().Contain("Only successful jobs can be made public");
        (await world.Editor.GetFromJsonAsync<JsonElement>(failing.GetProperty("api_url").GetString())).GetProperty("stderr").GetString().Should().Contain("asked to fail");
    }

    [Fact]
    public async Task A_waiting_job_is_cancelled_by_its_creator()
    {
        var service = world.App.Services.GetRequiredService<IAlgorithmJobService>();
        var session = await world.UploadImageAsync(world.User, wait: false);
        var actor = new GrandChallenge.Domain.Identity.Actor(world.UserUser.Id, false);
        // Created directly with an import still running, so the job is certainly not yet running.
        var created = await service.CreateAsync(actor, world.Algorithm.Id,
            [JobInputDraft.OfUploadSession(AlgorithmJobWorld.InputSocket, session.GetProperty("pk").GetGuid()), JobInputDraft.OfValue(AlgorithmJobWorld.ModeSocket, "cancel-me")]);
        created.Succeeded.Should().BeTrue(created.Error);
        var url = $"/api/v1/algorithms/jobs/{created.Value!.Job.Id}/";

        var cancelled = await world.User.PostAsync($"{url}cancel/", null);

        if (cancelled.StatusCode == HttpStatusCode.OK && (await cancelled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == "Cancelled")
        {
            (await AlgorithmJobWorld.WaitForJobAsync(world.User, url)).GetProperty("status").GetString().Should().Be("Cancelled");
        }
        else if (cancelled.StatusCode == HttpStatusCode.OK)
        {
            // Already running: the worker stops the container when it sees the request, unless the run ends first.
            (await AlgorithmJobWorld.WaitForJobAsync(world.User, url)).GetProperty("status").GetString().Should().BeOneOf("Cancelled", "Succeeded");
        }
        else
        {
            // The import and the run were faster than the request: the job ended on its own.
            (await world.User.GetFromJsonAsync<JsonElement>(url)).GetProperty("status").GetString().Should().Be("Succeeded");
        }
    }
}
