using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.ContainerImages;

public sealed class SmallArchivesAppFixture() : AppFixture(DatabaseProvider.Sqlite, settings: new Dictionary<string, string>
{
    ["ContainerImages:MaxArchiveBytes"] = "65536",
});

/// <summary>The container-image API through the real host. The archives here are rejected at validation, so no engine is needed.</summary>
[Trait("Category", "Integration")]
public sealed class ContainerImageApiTests(SmallArchivesAppFixture fixture) : IClassFixture<SmallArchivesAppFixture>, IAsyncLifetime
{
    private HttpClient _admin = default!;

    private GrandChallengeAppFactory App => fixture.App;

    public async Task InitializeAsync() => _admin = await App.CreateClientForNewUserAsync($"apiadmin{Guid.NewGuid():N}"[..16], siteAdmin: true);

    public Task DisposeAsync() => Task.CompletedTask;

    public static MultipartFormDataContent Upload(string? kind, string filename, byte[] content, string? comment = null, bool fileFirst = false)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        if (fileFirst)
        {
            form.Add(file, "file", filename);
        }

        if (kind is not null)
        {
            form.Add(new StringContent(kind), "kind");
        }

        if (comment is not null)
        {
            form.Add(new StringContent(comment), "comment");
        }

        if (!fileFirst)
        {
            form.Add(file, "file", filename);
        }

        return form;
    }

    [Fact]
    public async Task An_upload_answers_201_at_once_and_its_import_status_then_shows_why_it_failed()
    {
        var response = await _admin.PostAsync("/api/v1/container-images/", Upload("algorithm", "broken.tar", new byte[5000], "api test"));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var pk = created.GetProperty("pk").GetGuid();
        response.Headers.Location!.ToString().Should().EndWith($"/api/v1/container-images/{pk}/");
        created.GetProperty("kind").GetString().Should().Be("algorithm");
        created.GetProperty("import_status").GetString().Should().BeOneOf("Queued", "Started", "Failed");
        created.GetProperty("size_in_storage").GetInt64().Should().Be(5000);
        created.GetProperty("comment").GetString().Should().Be("api test");
        created.GetProperty("is_desired_version").GetBoolean().Should().BeFalse();
        created.GetProperty("is_removed").GetBoolean().Should().BeFalse();

        JsonElement image;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(100);
            image = await _admin.GetFromJsonAsync<JsonElement>($"/api/v1/container-images/{pk}/");
        }
        while (image.GetProperty("import_status").GetString() != "Failed" && DateTime.UtcNow < deadline);

        image.GetProperty("import_status").GetString().Should().Be("Failed");
        image.GetProperty("status").GetString().Should().Be("Could not decompress the container image file.");
        image.GetProperty("is_manifest_valid").GetBoolean().Should().BeFalse();
        image.GetProperty("image_sha256").ValueKind.Should().Be(JsonValueKind.Null);
        image.GetProperty("owner").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_finished_resumable_upload_becomes_a_container_image_by_upload_id_and_is_then_deleted()
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[4096]), "file", "from-upload.tar" } };
        var upload = await (await _admin.PostAsync("/api/v1/uploads/", form)).Content.ReadFromJsonAsync<JsonElement>();
        upload.GetProperty("status").GetString().Should().Be("Completed");
        var uploadId = upload.GetProperty("pk").GetString()!;

        var response = await _admin.PostAsync("/api/v1/container-images/", new MultipartFormDataContent
        {
            { new StringContent("algorithm"), "kind" },
            { new StringContent(uploadId), "upload_id" },
        });

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        created.GetProperty("size_in_storage").GetInt64().Should().Be(4096);
        (await _admin.GetAsync($"/api/v1/uploads/{uploadId}/")).StatusCode.Should().Be(HttpStatusCode.NotFound, "the upload was moved into the image store");

        var again = await _admin.PostAsync("/api/v1/container-images/", new MultipartFormDataContent
        {
            { new StringContent("algorithm"), "kind" },
            { new StringContent(uploadId), "upload_id" },
        });
        again.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("upload_id").EnumerateArray().Should().NotBeEmpty();
    }

    [Fact]
    public async Task The_list_is_paginated_newest_first()
    {
        for (var i = 0; i < 3; i++)
        {
            (await _admin.PostAsync("/api/v1/container-images/", Upload("workstation", $"w{i}.tar", new byte[100]))).EnsureSuccessStatusCode();
        }

        var page = await _admin.GetFromJsonAsync<JsonElement>("/api/v1/container-images/?limit=2");

        page.GetProperty("count").GetInt32().Should().BeGreaterThanOrEqualTo(3);
        page.GetProperty("results").GetArrayLength().Should().Be(2);
        page.GetProperty("next").GetString().Should().Contain("limit=2").And.Contain("offset=2");
        page.GetProperty("previous").ValueKind.Should().Be(JsonValueKind.Null);
        var created = page.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("created").GetDateTimeOffset()).ToList();
        created.Should().BeInDescendingOrder();
    }

    [Theory]
    [InlineData("algorithm", "image.zip", false, "file", "The file must be a .tar, .tar.gz or .tar.xz docker save archive.")]
    [InlineData(null, "image.tar", false, "kind", "Send the field kind (evaluation, algorithm or workstation) before the file.")]
    [InlineData("phase", "image.tar", false, "kind", "Send the field kind (evaluation, algorithm or workstation) before the file.")]
    [InlineData("algorithm", "image.tar", true, "kind", "Send the field kind (evaluation, algorithm or workstation) before the file.")]
    public async Task Bad_uploads_get_a_400_naming_the_field_and_nothing_is_created(string? kind, string filename, bool fileFirst, string field, string message)
    {
        var before = Count();

        var response = await _admin.PostAsync("/api/v1/container-images/", Upload(kind, filename, new byte[100], fileFirst: fileFirst));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty(field)[0].GetString().Should().Be(message);
        Count().Should().Be(before);
    }

    [Fact]
    public async Task An_archive_over_the_limit_is_refused_and_nothing_is_kept()
    {
        var before = Count();

        var response = await _admin.PostAsync("/api/v1/container-images/", Upload("algorithm", "big.tar", new byte[100_000]));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("file")[0].GetString()
            .Should().Be("The container image file is larger than 64 KiB, the most this platform accepts.");
        Count().Should().Be(before);
        Directory.GetFileSystemEntries(Path.Combine(App.DataDirectory, "blobs"), "*.partial", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task A_body_that_is_not_multipart_is_unsupported()
    {
        var response = await _admin.PostAsync("/api/v1/container-images/", JsonContent.Create(new { kind = "algorithm" }));

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_browser_session_must_send_the_antiforgery_header()
    {
        var username = $"cookieadmin{Guid.NewGuid():N}"[..16];
        await App.CreateUserAsync(username, siteAdmin: true);
        var browser = App.CreateBrowserlikeClient();
        var login = await FormPoster.SubmitAsync(browser, "/account/login", "login",
            new Dictionary<string, string> { ["Input.Login"] = username, ["Input.Password"] = "Passw0rd-test" });
        login.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await browser.GetAsync("/api/v1/container-images/")).StatusCode.Should().Be(HttpStatusCode.OK, "the cookie signs the browser in");

        var response = await browser.PostAsync("/api/v1/container-images/", Upload("algorithm", "a.tar", new byte[100]));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString().Should().Contain("antiforgery");
    }

    [Fact]
    public async Task Removing_answers_204_and_the_image_shows_as_removed_but_the_active_version_is_refused_with_409()
    {
        var removable = await SeedAsync(desired: false);
        var active = await SeedAsync(desired: true);

        (await _admin.DeleteAsync($"/api/v1/container-images/{removable}/")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var refused = await _admin.DeleteAsync($"/api/v1/container-images/{active}/");
        var unknown = await _admin.DeleteAsync($"/api/v1/container-images/{Guid.NewGuid()}/");

        (await _admin.GetFromJsonAsync<JsonElement>($"/api/v1/container-images/{removable}/")).GetProperty("is_removed").GetBoolean().Should().BeTrue();
        refused.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()
            .Should().Be("This container image is the active version; activate another version before removing it.");
        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Activation_of_a_completed_image_makes_it_the_only_active_version_and_of_a_failed_one_is_refused()
    {
        var owner = Guid.NewGuid();
        var old = await SeedAsync(desired: true, owner: owner);
        var next = await SeedAsync(desired: false, owner: owner);
        var failed = await SeedAsync(desired: false, owner: owner, status: ContainerImageImportStatus.Failed);

        var activated = await _admin.PostAsync($"/api/v1/container-images/{next}/activate/", null);
        var refused = await _admin.PostAsync($"/api/v1/container-images/{failed}/activate/", null);

        activated.StatusCode.Should().Be(HttpStatusCode.OK);
        (await activated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("is_desired_version").GetBoolean().Should().BeTrue();
        (await _admin.GetFromJsonAsync<JsonElement>($"/api/v1/container-images/{old}/")).GetProperty("is_desired_version").GetBoolean().Should().BeFalse();
        refused.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()
            .Should().Be("Only a container image whose import completed can be activated; this one is Failed.");
    }

    private int Count() => App.Db(db => db.ContainerImages.Count());

    private async Task<Guid> SeedAsync(bool desired, Guid? owner = null, ContainerImageImportStatus status = ContainerImageImportStatus.Completed)
    {
        await using var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        var image = new ContainerImage
        {
            Kind = ContainerImageKind.Evaluation,
            OwnerId = owner ?? Guid.NewGuid(),
            BlobKey = "container-images/seeded/a.tar",
            Filename = "a.tar",
            ImportStatus = status,
            IsManifestValid = status == ContainerImageImportStatus.Completed,
            IsDesiredVersion = desired,
            IsLoaded = status == ContainerImageImportStatus.Completed,
        };
        db.ContainerImages.Add(image);
        await db.SaveChangesAsync();
        return image.Id;
    }
}
