using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Archives;

/// <summary>/api/v1/archives/ through the real host: grand-challenge.org's names and the way its client adds cases.</summary>
[Trait("Category", "Integration")]
public sealed class ArchiveApiTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IAsyncLifetime
{
    private GrandChallengeAppFactory App => fixture.App;

    private HttpClient _editor = default!;
    private Guid _editorId;

    public async Task InitializeAsync()
    {
        await DefaultSockets.EnsureAsync(App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        var user = await App.CreateUserAsync($"apied{Guid.NewGuid():N}"[..16]);
        _editorId = user.Id;
        _editor = App.CreateClientWithToken(await App.CreateTokenAsync(user.Id));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<JsonElement> CreateArchiveAsync(string? slug = null)
    {
        var response = await _editor.PostAsJsonAsync("/api/v1/archives/", new { title = $"Api archive {Guid.NewGuid():N}", slug, description = "Scans" });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<Guid> ImageAsync()
    {
        var session = new UploadSession { CreatorId = _editorId };
        var image = new Image { Name = "case.mha", Width = 2, Height = 2, OriginId = session.Id };
        await using var db = App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();
        db.UploadSessions.Add(session);
        db.Images.Add(image);
        await db.SaveChangesAsync();
        return image.Id;
    }

    [Fact]
    public async Task An_archive_has_grand_challenges_fields_and_is_found_by_slug_or_id()
    {
        var slug = $"api-{Guid.NewGuid():N}"[..20];
        var archive = await CreateArchiveAsync(slug);

        archive.EnumerateObject().Select(p => p.Name).Should().Contain(["pk", "title", "slug", "logo", "description", "api_url", "url", "public"]);
        archive.GetProperty("api_url").GetString().Should().Be($"http://localhost/api/v1/archives/{archive.GetProperty("pk").GetString()}/");
        archive.GetProperty("url").GetString().Should().Be($"http://localhost/archives/{slug}");
        archive.GetProperty("logo").ValueKind.Should().Be(JsonValueKind.Null);

        var page = await _editor.GetFromJsonAsync<JsonElement>($"/api/v1/archives/?slug={slug}");
        page.GetProperty("count").GetInt32().Should().Be(1);
        page.GetProperty("results")[0].GetProperty("pk").GetString().Should().Be(archive.GetProperty("pk").GetString());
        (await _editor.GetAsync(archive.GetProperty("api_url").GetString())).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _editor.GetAsync($"/api/v1/archives/{slug}/")).Content.Headers.ContentType!.ToString().Should().Be("application/json");

        var taken = await _editor.PostAsJsonAsync("/api/v1/archives/", new { title = "Again", slug });
        taken.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await taken.Content.ReadAsStringAsync()).Should().Contain($"An archive with the slug '{slug}' already exists.");
    }

    [Fact]
    public async Task Patch_changes_only_the_fields_given_and_refuses_unknown_ones()
    {
        var archive = await CreateArchiveAsync();
        var url = $"/api/v1/archives/{archive.GetProperty("slug").GetString()}/";

        var changed = await _editor.PatchAsJsonAsync(url, new { description = "Changed", @public = true });
        changed.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await changed.Content.ReadFromJsonAsync<JsonElement>();
        (json.GetProperty("description").GetString(), json.GetProperty("public").GetBoolean(), json.GetProperty("title").GetString())
            .Should().Be(("Changed", true, archive.GetProperty("title").GetString()));

        var bad = await _editor.PatchAsJsonAsync(url, new { colour = "red", slug = "another" });
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("colour")[0].GetString().Should().Be("'colour' is not a field of an archive.");
        problem.GetProperty("errors").GetProperty("slug")[0].GetString().Should().Be("The slug is the archive's address and cannot be changed.");
    }

    [Fact]
    public async Task A_case_is_added_as_grand_challenges_client_does_it_and_bad_values_change_nothing()
    {
        var archive = await CreateArchiveAsync();
        var image = await ImageAsync();

        // gcapi: POST archives/items/ {archive: api_url} then PATCH the values.
        var created = await _editor.PostAsJsonAsync("/api/v1/archives/items/", new { archive = archive.GetProperty("api_url").GetString() });
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var item = await created.Content.ReadFromJsonAsync<JsonElement>();
        item.EnumerateObject().Select(p => p.Name).Should().Contain(["pk", "archive", "values", "hanging_protocol", "optional_hanging_protocols", "view_content", "title"]);
        item.GetProperty("archive").GetString().Should().Be(archive.GetProperty("api_url").GetString());
        var itemUrl = item.GetProperty("api_url").GetString();

        var patched = await _editor.PatchAsJsonAsync(itemUrl, new
        {
            title = "Case 1",
            values = new object[]
            {
                new { @interface = DefaultSockets.GenericMedicalImage, image = $"http://localhost/api/v1/cases/images/{image}/" },
                new { @interface = DefaultSockets.ResultsJsonFile, value = new { score = 0.5 } },
            },
        });
        patched.StatusCode.Should().Be(HttpStatusCode.OK, await patched.Content.ReadAsStringAsync());
        var values = (await patched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("values").EnumerateArray()
            .ToDictionary(v => v.GetProperty("interface").GetProperty("slug").GetString()!);
        values[DefaultSockets.GenericMedicalImage].GetProperty("image").GetString().Should().Be($"http://localhost/api/v1/cases/images/{image}/");
        values[DefaultSockets.GenericMedicalImage].GetProperty("interface").GetProperty("pk").ValueKind.Should().Be(JsonValueKind.Number);
        values[DefaultSockets.ResultsJsonFile].GetProperty("value").GetProperty("score").GetDouble().Should().Be(0.5);

        var bad = await _editor.PatchAsJsonAsync(itemUrl, new
        {
            title = "Renamed",
            values = new object[] { new { @interface = "no-such-socket", value = 1 } },
        });
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).Should().Contain("There is no socket 'no-such-socket'.");
        var unchanged = await _editor.GetFromJsonAsync<JsonElement>(itemUrl);
        unchanged.GetProperty("title").GetString().Should().Be("Case 1");
        unchanged.GetProperty("values").GetArrayLength().Should().Be(2);

        var listed = await _editor.GetFromJsonAsync<JsonElement>($"/api/v1/archives/{archive.GetProperty("slug").GetString()}/items/?search=case");
        listed.GetProperty("count").GetInt32().Should().Be(1);
        var missing = await _editor.PostAsJsonAsync($"/api/v1/archives/{archive.GetProperty("slug").GetString()}/items/",
            new { values = new object[] { new { @interface = DefaultSockets.GenericMedicalImage, image = Guid.NewGuid().ToString() } } });
        missing.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await _editor.GetFromJsonAsync<JsonElement>($"/api/v1/archives/items/?archive={archive.GetProperty("pk").GetString()}"))
            .GetProperty("count").GetInt32().Should().Be(1);
    }

    private async Task<string> ItemWithImageAndJsonAsync(JsonElement archive, Guid image)
    {
        var created = await _editor.PostAsJsonAsync("/api/v1/archives/items/", new { archive = archive.GetProperty("api_url").GetString() });
        var itemUrl = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_url").GetString()!;
        var patched = await _editor.PatchAsJsonAsync(itemUrl, new
        {
            values = new object[]
            {
                new { @interface = DefaultSockets.GenericMedicalImage, image = $"http://localhost/api/v1/cases/images/{image}/" },
                new { @interface = DefaultSockets.ResultsJsonFile, value = new { score = 0.5 } },
            },
        });
        patched.StatusCode.Should().Be(HttpStatusCode.OK, await patched.Content.ReadAsStringAsync());
        return itemUrl;
    }

    private async Task<List<string>> SocketsOfAsync(string itemUrl) =>
        (await _editor.GetFromJsonAsync<JsonElement>(itemUrl)).GetProperty("values").EnumerateArray()
        .Select(v => v.GetProperty("interface").GetProperty("slug").GetString()!).Order().ToList();

    [Fact]
    public async Task An_editor_deletes_an_archive_with_its_items_and_its_images_stay()
    {
        var archive = await CreateArchiveAsync();
        var image = await ImageAsync();
        var itemUrl = await ItemWithImageAndJsonAsync(archive, image);
        var slug = archive.GetProperty("slug").GetString();

        var deleted = await _editor.DeleteAsync($"/api/v1/archives/{slug}/");

        deleted.StatusCode.Should().Be(HttpStatusCode.NoContent, await deleted.Content.ReadAsStringAsync());
        (await _editor.GetAsync($"/api/v1/archives/{slug}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _editor.GetAsync(itemUrl)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _editor.DeleteAsync($"/api/v1/archives/{archive.GetProperty("pk").GetString()}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        App.Db(db => db.Images.Any(i => i.Id == image)).Should().BeTrue("images are not deleted with the archive");
        App.Db(db => db.ObjectRoles.Any(r => r.ObjectId == archive.GetProperty("pk").GetGuid())).Should().BeFalse();
    }

    [Fact]
    public async Task A_null_value_removes_that_sockets_value_from_an_item_and_bad_removals_change_nothing()
    {
        var archive = await CreateArchiveAsync();
        var image = await ImageAsync();
        var itemUrl = await ItemWithImageAndJsonAsync(archive, image);

        var unknown = await _editor.PatchAsJsonAsync(itemUrl, new { values = new object?[] { new { @interface = "no-such-socket", value = (object?)null } } });
        unknown.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadAsStringAsync()).Should().Contain("There is no socket 'no-such-socket'.");
        var unsupported = await _editor.PatchAsJsonAsync(itemUrl, new
        {
            values = new object[] { new { @interface = DefaultSockets.GenericMedicalImage, value = (object?)null, user_uploads = new[] { "x" } } },
        });
        unsupported.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await unsupported.Content.ReadAsStringAsync()).Should().Contain("user_uploads is not taken here");
        (await SocketsOfAsync(itemUrl)).Should().HaveCount(2, "a refused request changes nothing");

        var removed = await _editor.PatchAsJsonAsync(itemUrl, new { values = new object?[] { new { @interface = DefaultSockets.ResultsJsonFile, value = (object?)null } } });
        removed.StatusCode.Should().Be(HttpStatusCode.OK, await removed.Content.ReadAsStringAsync());
        (await SocketsOfAsync(itemUrl)).Should().Equal(DefaultSockets.GenericMedicalImage);

        // As grand-challenge.org's client sends it: every key, the unused ones null.
        var gcapi = await _editor.PatchAsJsonAsync(itemUrl, new
        {
            values = new object?[]
            {
                new
                {
                    @interface = DefaultSockets.GenericMedicalImage, value = (object?)null, file = (object?)null, image = (object?)null,
                    upload_session = (object?)null, user_upload = (object?)null, user_uploads = (object?)null, image_name = (object?)null,
                },
            },
        });
        gcapi.StatusCode.Should().Be(HttpStatusCode.OK, await gcapi.Content.ReadAsStringAsync());
        (await SocketsOfAsync(itemUrl)).Should().BeEmpty();
        App.Db(db => db.Images.Any(i => i.Id == image)).Should().BeTrue("an image no longer on the item stays");
        var again = await _editor.PatchAsJsonAsync(itemUrl, new { values = new object?[] { new { @interface = DefaultSockets.ResultsJsonFile, value = (object?)null } } });
        again.StatusCode.Should().Be(HttpStatusCode.OK, "removing a value the item does not have is no error");
    }

    [Fact]
    public async Task A_file_value_carries_a_file_url_that_streams_it_with_range_and_etag_support()
    {
        var archive = await CreateArchiveAsync();
        var content = "case,score\n1,0.5\n2,0.75\n"u8.ToArray();
        var item = await App.Services.GetRequiredService<IArchiveItemService>().CreateAsync(new Actor(_editorId, false), archive.GetProperty("pk").GetGuid(), "",
            [ItemValueDraft.OfFile(DefaultSockets.PredictionsCsvFile, new MemoryStream(content), "predictions.csv")]);
        item.Succeeded.Should().BeTrue(item.Error);
        var itemUrl = $"/api/v1/archives/items/{item.Value!.Id}/";

        var value = (await _editor.GetFromJsonAsync<JsonElement>(itemUrl)).GetProperty("values").EnumerateArray().Single();
        var fileUrl = value.GetProperty("file").GetString()!;
        fileUrl.Should().Be($"http://localhost/api/v1/archives/items/{item.Value.Id}/values/{value.GetProperty("pk").GetInt64()}/file/");
        value.GetProperty("value").ValueKind.Should().Be(JsonValueKind.Null);

        var whole = await _editor.GetAsync(fileUrl);
        whole.StatusCode.Should().Be(HttpStatusCode.OK);
        (await whole.Content.ReadAsByteArrayAsync()).Should().Equal(content);
        whole.Content.Headers.ContentType!.MediaType.Should().Be("application/octet-stream");
        whole.Content.Headers.ContentDisposition!.FileName.Should().Contain("predictions.csv");
        whole.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");

        var range = new HttpRequestMessage(HttpMethod.Get, fileUrl);
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 3);
        var part = await _editor.SendAsync(range);
        part.StatusCode.Should().Be(HttpStatusCode.PartialContent);
        (await part.Content.ReadAsStringAsync()).Should().Be("case");

        var cached = new HttpRequestMessage(HttpMethod.Get, fileUrl);
        cached.Headers.IfNoneMatch.Add(whole.Headers.ETag!);
        (await _editor.SendAsync(cached)).StatusCode.Should().Be(HttpStatusCode.NotModified);

        (await _editor.GetAsync($"{itemUrl}values/{value.GetProperty("pk").GetInt64() + 100000}/file/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var other = await App.CreateClientForNewUserAsync($"fstr{Guid.NewGuid():N}"[..16]);
        (await other.GetAsync(fileUrl)).StatusCode.Should().Be(HttpStatusCode.NotFound, "the archive is private");

        (await _editor.PatchAsJsonAsync(itemUrl, new { values = new object?[] { new { @interface = DefaultSockets.PredictionsCsvFile, value = (object?)null } } }))
            .StatusCode.Should().Be(HttpStatusCode.OK);
        (await _editor.GetAsync(fileUrl)).StatusCode.Should().Be(HttpStatusCode.NotFound, "the value is no longer the item's");
    }
}
