using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Domain.Algorithms;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Algorithms;

/// <summary>The algorithms API as grand-challenge.org's clients use it: field names, field errors, images, models and access requests.</summary>
[Trait("Category", "Integration")]
public sealed class AlgorithmApiTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IAsyncLifetime
{
    private HttpClient _editor = default!;
    private HttpClient _stranger = default!;
    private string _strangerName = "";

    private GrandChallengeAppFactory App => fixture.App;

    public async Task InitializeAsync()
    {
        await DefaultSockets.EnsureAsync(App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        _editor = await App.CreateClientForNewUserAsync($"apied{Guid.NewGuid():N}"[..16]);
        _strangerName = $"apist{Guid.NewGuid():N}"[..16];
        _stranger = await App.CreateClientForNewUserAsync(_strangerName);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static object Interfaces => new[] { new { inputs = new[] { DefaultSockets.GenericMedicalImage }, outputs = new[] { DefaultSockets.GenericOverlay } } };

    private async Task<JsonElement> CreateAsync(object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["title"] = $"Api algorithm {Guid.NewGuid():N}", ["interfaces"] = Interfaces };
        foreach (var property in extra?.GetType().GetProperties() ?? [])
        {
            body[property.Name] = property.GetValue(extra);
        }

        var response = await _editor.PostAsJsonAsync("/api/v1/algorithms/", body);
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static MultipartFormDataContent File(string filename, byte[] content)
    {
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { file, "file", filename } };
    }

    private static string[] Errors(JsonElement problem, string field) =>
        problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()!).ToArray();

    [Fact]
    public async Task An_algorithm_created_through_the_api_answers_with_grand_challenge_field_names()
    {
        var created = await CreateAsync(new { description = "Segments", job_requires_memory_gb = 16, job_requires_gpu_type = "T4", time_limit = 600, @public = true });

        var slug = created.GetProperty("slug").GetString()!;
        var pk = created.GetProperty("pk").GetGuid();
        created.GetProperty("api_url").GetString().Should().EndWith($"/api/v1/algorithms/{pk}/");
        created.GetProperty("url").GetString().Should().EndWith($"/algorithms/{slug}");
        created.GetProperty("description").GetString().Should().Be("Segments");
        created.GetProperty("public").GetBoolean().Should().BeTrue();
        created.GetProperty("time_limit").GetInt32().Should().Be(600);
        created.GetProperty("job_requires_memory_gb").GetInt32().Should().Be(16);
        created.GetProperty("job_requires_gpu_type").GetString().Should().Be("T4");
        created.GetProperty("access_request_handling").GetString().Should().Be("MANUAL_REVIEW");
        created.GetProperty("average_duration").ValueKind.Should().Be(JsonValueKind.Null);
        var face = created.GetProperty("interfaces").EnumerateArray().Single();
        face.GetProperty("inputs").EnumerateArray().Single().GetProperty("slug").GetString().Should().Be(DefaultSockets.GenericMedicalImage);
        face.GetProperty("inputs").EnumerateArray().Single().GetProperty("kind").GetString().Should().Be("Image");
        face.GetProperty("outputs").EnumerateArray().Single().GetProperty("slug").GetString().Should().Be(DefaultSockets.GenericOverlay);

        (await _stranger.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/{pk}/")).GetProperty("slug").GetString().Should().Be(slug);
        (await _stranger.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/{slug}/")).GetProperty("pk").GetGuid().Should().Be(pk);
        var listed = await _stranger.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/?slug={slug}");
        listed.GetProperty("count").GetInt32().Should().Be(1);
        listed.GetProperty("results")[0].GetProperty("pk").GetGuid().Should().Be(pk);
    }

    [Fact]
    public async Task Bad_fields_answer_400_naming_them_and_create_nothing()
    {
        var before = App.Db(db => db.Algorithms.Count());
        var cases = new (object Body, string Field)[]
        {
            (new { title = "Too short", interfaces = Interfaces, time_limit = 10 }, "time_limit"),
            (new { title = "Too much", interfaces = Interfaces, job_requires_memory_gb = 64 }, "job_requires_memory_gb"),
            (new { title = "Not a number", interfaces = Interfaces, time_limit = "soon" }, "time_limit"),
            (new { title = "No interfaces", interfaces = Array.Empty<object>() }, "interfaces"),
            (new { title = "Bad interfaces", interfaces = "image in, overlay out" }, "interfaces"),
            (new { title = "Unknown", interfaces = Interfaces, colour = "blue" }, "colour"),
            (new { title = "Handling", interfaces = Interfaces, access_request_handling = "WHENEVER" }, "access_request_handling"),
            (new { title = "", interfaces = Interfaces }, "title"),
        };

        foreach (var (body, field) in cases)
        {
            var response = await _editor.PostAsJsonAsync("/api/v1/algorithms/", body);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, field);
            Errors(await response.Content.ReadFromJsonAsync<JsonElement>(), field).Should().NotBeEmpty(field);
        }

        App.Db(db => db.Algorithms.Count()).Should().Be(before);
    }

    [Fact]
    public async Task Deleting_answers_409_with_the_reason_while_a_job_waits_and_204_once_it_has_ended()
    {
        var created = await CreateAsync();
        var slug = created.GetProperty("slug").GetString()!;
        var algorithm = App.Db(db => db.Algorithms.Single(a => a.Slug == slug));
        var job = new ComponentJob { Kind = ComponentJobKind.Algorithm, ImageReference = "sha256:" + new string('e', 64), RetryAfter = DateTimeOffset.UtcNow.AddHours(1) };
        var image = new ContainerImage { Kind = ContainerImageKind.Algorithm, OwnerId = algorithm.Id, BlobKey = "container-images/delete/a.tar", Filename = "a.tar" };
        await using (var db = App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext())
        {
            db.ContainerImages.Add(image);
            db.ComponentJobs.Add(job);
            db.AlgorithmJobs.Add(new AlgorithmJob { JobId = job.Id, AlgorithmId = algorithm.Id, AlgorithmImageId = image.Id, InterfaceId = algorithm.InterfaceIds[0], InputsKey = "" });
            await db.SaveChangesAsync();
        }

        var refused = await _editor.DeleteAsync($"/api/v1/algorithms/{slug}/");

        refused.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()
            .Should().Be("The algorithm cannot be deleted while 1 of its jobs are waiting or running; delete it when they have ended.");
        (await _editor.GetAsync($"/api/v1/algorithms/{slug}/")).StatusCode.Should().Be(HttpStatusCode.OK);

        await using (var db = App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext())
        {
            await db.ComponentJobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, ComponentJobStatus.Cancelled));
        }

        (await _editor.DeleteAsync($"/api/v1/algorithms/{algorithm.Id}/")).StatusCode.Should().Be(HttpStatusCode.NoContent, "by id as well as by slug");
        (await _editor.GetAsync($"/api/v1/algorithms/{slug}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        App.Db(db => db.ComponentJobs.Count(j => j.Id == job.Id)).Should().Be(0);
        App.Db(db => db.ContainerImages.Single(i => i.Id == image.Id).IsRemoved).Should().BeTrue();
    }

    [Fact]
    public async Task Editors_patch_settings_but_not_the_slug()
    {
        var created = await CreateAsync();
        var slug = created.GetProperty("slug").GetString()!;

        var patched = await _editor.PatchAsJsonAsync($"/api/v1/algorithms/{slug}/", new { job_requires_memory_gb = 12, access_request_handling = "ACCEPT_ALL", detail = "# Hello" });
        patched.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await patched.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("job_requires_memory_gb").GetInt32().Should().Be(12);
        body.GetProperty("access_request_handling").GetString().Should().Be("ACCEPT_ALL");
        body.GetProperty("detail").GetString().Should().Be("# Hello");

        var renamed = await _editor.PatchAsJsonAsync($"/api/v1/algorithms/{slug}/", new { slug = "another-slug", job_requires_memory_gb = 20 });
        renamed.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        Errors(await renamed.Content.ReadFromJsonAsync<JsonElement>(), "slug").Should().NotBeEmpty();
        App.Db(db => db.Algorithms.Single(a => a.Slug == slug).MemoryGb).Should().Be(12, "a refused patch changes nothing");
    }

    [Fact]
    public async Task An_image_upload_answers_201_and_its_import_status_then_shows_why_it_failed()
    {
        var slug = (await CreateAsync()).GetProperty("slug").GetString()!;

        var wrong = await _editor.PostAsync($"/api/v1/algorithms/{slug}/images/", File("image.zip", new byte[100]));
        wrong.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        Errors(await wrong.Content.ReadFromJsonAsync<JsonElement>(), "file").Should().Contain(ContainerImageService.BadFilename);

        var response = await _editor.PostAsync($"/api/v1/algorithms/{slug}/images/", File("broken.tar", new byte[5000]));
        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var pk = created.GetProperty("pk").GetGuid();
        response.Headers.Location!.ToString().Should().EndWith($"/api/v1/algorithms/images/{pk}/");
        created.GetProperty("algorithm").GetString().Should().EndWith($"/api/v1/algorithms/{App.Db(db => db.Algorithms.Single(a => a.Slug == slug).Id)}/");
        created.GetProperty("is_desired_version").GetBoolean().Should().BeFalse();

        JsonElement image;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(100);
            image = await _editor.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/images/{pk}/");
        }
        while (image.GetProperty("import_status").GetString() != "Failed" && DateTime.UtcNow < deadline);

        image.GetProperty("import_status").GetString().Should().Be("Failed");
        image.GetProperty("is_manifest_valid").GetBoolean().Should().BeFalse();
        image.GetProperty("status").GetString().Should().NotBeNullOrEmpty();

        var list = await _editor.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/images/?algorithm={slug}");
        list.GetProperty("results").EnumerateArray().Select(i => i.GetProperty("pk").GetGuid()).Should().Equal(pk);
        (await _editor.GetFromJsonAsync<JsonElement>("/api/v1/algorithms/images/")).GetProperty("results").EnumerateArray()
            .Should().Contain(i => i.GetProperty("pk").GetGuid() == pk, "without a filter the images of every algorithm the caller edits are listed");
        (await _stranger.GetFromJsonAsync<JsonElement>("/api/v1/algorithms/images/")).GetProperty("count").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task An_image_comes_from_a_finished_upload_named_in_json_and_a_completed_one_is_activated()
    {
        var created = await CreateAsync();
        var slug = created.GetProperty("slug").GetString()!;
        var upload = await (await _editor.PostAsync("/api/v1/uploads/", File("from-upload.tar", new byte[4096]))).Content.ReadFromJsonAsync<JsonElement>();

        var response = await _editor.PostAsJsonAsync($"/api/v1/algorithms/{slug}/images/", new { upload_id = upload.GetProperty("api_url").GetString() });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("size_in_storage").GetInt64().Should().Be(4096);
        var missing = await _editor.PostAsJsonAsync($"/api/v1/algorithms/{slug}/images/", new { upload_id = Guid.NewGuid().ToString() });
        Errors(await missing.Content.ReadFromJsonAsync<JsonElement>(), "upload_id").Should().NotBeEmpty();

        var algorithmId = created.GetProperty("pk").GetGuid();
        var completed = new ContainerImage
        {
            Kind = ContainerImageKind.Algorithm,
            OwnerId = algorithmId,
            Filename = "done.tar",
            BlobKey = "container-images/x/done.tar",
            ImportStatus = ContainerImageImportStatus.Completed,
            IsManifestValid = true,
            IsLoaded = true,
            ImageSha256 = "sha256:" + new string('b', 64),
        };
        await using (var db = App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext())
        {
            db.ContainerImages.Add(completed);
            await db.SaveChangesAsync();
        }

        var activated = await _editor.PostAsync($"/api/v1/algorithms/images/{completed.Id}/activate/", null);
        activated.StatusCode.Should().Be(HttpStatusCode.OK);
        (await activated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("is_desired_version").GetBoolean().Should().BeTrue();
        await using var check = App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();
        (await AlgorithmQueries.ActiveImageAsync(check, algorithmId))!.Id.Should().Be(completed.Id);
    }

    [Fact]
    public async Task A_model_is_uploaded_read_and_deactivated_and_a_corrupt_one_is_refused()
    {
        var slug = (await CreateAsync()).GetProperty("slug").GetString()!;

        var corrupt = await _editor.PostAsync($"/api/v1/algorithms/{slug}/models/", File("model.tar.gz", "not gzip"u8.ToArray()));
        corrupt.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        Errors(await corrupt.Content.ReadFromJsonAsync<JsonElement>(), "file").Single().Should().Contain("not a readable .tar.gz");
        var traversal = await _editor.PostAsync($"/api/v1/algorithms/{slug}/models/", File("model.tar.gz", AlgorithmModelServiceTests.TarGz(("../x", "1")).ToArray()));
        traversal.StatusCode.Should().Be(HttpStatusCode.BadRequest);

        var response = await _editor.PostAsync($"/api/v1/algorithms/{slug}/models/", File("model.tar.gz", AlgorithmModelServiceTests.TarGz(("w.bin", "api")).ToArray()));
        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var model = await response.Content.ReadFromJsonAsync<JsonElement>();
        var pk = model.GetProperty("pk").GetGuid();
        model.GetProperty("is_desired_version").GetBoolean().Should().BeTrue();
        model.GetProperty("sha256").GetString().Should().HaveLength(64);

        (await _editor.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/models/{pk}/")).GetProperty("filename").GetString().Should().Be("model.tar.gz");
        var deactivated = await (await _editor.PostAsync($"/api/v1/algorithms/models/{pk}/deactivate/", null)).Content.ReadFromJsonAsync<JsonElement>();
        deactivated.GetProperty("is_desired_version").GetBoolean().Should().BeFalse();
        var list = await _editor.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/{slug}/models/");
        list.GetProperty("count").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task A_stranger_asks_for_access_to_a_public_algorithm_and_an_editor_accepts()
    {
        var slug = (await CreateAsync(new { @public = true })).GetProperty("slug").GetString()!;

        var asked = await _stranger.PostAsync($"/api/v1/algorithms/{slug}/access-requests/", null);
        asked.StatusCode.Should().Be(HttpStatusCode.Created);
        var request = await asked.Content.ReadFromJsonAsync<JsonElement>();
        request.GetProperty("status").GetString().Should().Be("pending");
        (await _stranger.PostAsync($"/api/v1/algorithms/{slug}/access-requests/", null)).StatusCode.Should().Be(HttpStatusCode.BadRequest);

        var pending = await _editor.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/{slug}/access-requests/");
        pending.EnumerateArray().Single().GetProperty("username").GetString().Should().Be(_strangerName);
        var bad = await _editor.PatchAsJsonAsync($"/api/v1/algorithms/access-requests/{request.GetProperty("pk").GetGuid()}/", new { status = "maybe" });
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var decided = await _editor.PatchAsJsonAsync($"/api/v1/algorithms/access-requests/{request.GetProperty("pk").GetGuid()}/", new { status = "accepted" });
        (await decided.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().Should().Be("accepted");

        var members = await _editor.GetFromJsonAsync<JsonElement>($"/api/v1/algorithms/{slug}/members/");
        members.EnumerateArray().Should().Contain(m => m.GetProperty("username").GetString() == _strangerName && m.GetProperty("role").GetString() == "user");
    }
}
