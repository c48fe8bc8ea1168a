using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Tests.Domain.Imaging;
using GrandChallenge.Tests.Domain.Imaging.Import;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SkiaSharp;

namespace GrandChallenge.Tests.Web.Cases;

/// <summary>The web host with <see cref="TestImageDestination"/> taking sessions sent to archives.</summary>
public sealed class ImportAppFixture() : AppFixture(DatabaseProvider.Sqlite, services: services =>
{
    services.AddSingleton<TestImageDestination>();
    services.TryAddEnumerable(ServiceDescriptor.Singleton<IUploadSessionDestination, TestImageDestination>(sp => sp.GetRequiredService<TestImageDestination>()));
});

[Trait("Category", "Integration")]
public sealed class UploadSessionApiTests(ImportAppFixture fixture) : IClassFixture<ImportAppFixture>, IDisposable
{
    private readonly string _files = TestImages.TempDir();

    private GrandChallengeAppFactory App => fixture.App;

    public void Dispose() => Directory.Delete(_files, recursive: true);

    private async Task<Archive> ArchiveAsync()
    {
        var archive = new Archive { Title = "Scans", Slug = $"scans-{Guid.NewGuid():N}"[..20] };
        await using var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        db.Archives.Add(archive);
        await db.SaveChangesAsync();
        return archive;
    }

    private static MultipartFormDataContent Form(IEnumerable<(string Field, string Value)> fields, params string[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (field, value) in fields)
        {
            form.Add(new StringContent(value), field);
        }

        foreach (var file in files)
        {
            form.Add(new ByteArrayContent(File.ReadAllBytes(file)), "files", Path.GetFileName(file));
        }

        return form;
    }

    private static async Task<JsonElement> PollAsync(HttpClient client, string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var session = await client.GetFromJsonAsync<JsonElement>(url);
            var status = session.GetProperty("status").GetString();
            if (status is "Succeeded" or "Failed" or "Cancelled")
            {
                return session;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The session is still {status}.");
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Files_sent_to_an_archive_are_imported_and_the_session_reports_them()
    {
        // A site admin: the archives' own destination (when registered) lets them send images anywhere too.
        var client = await App.CreateClientForNewUserAsync($"imp{Guid.NewGuid():N}"[..16], siteAdmin: true);
        var archive = await ArchiveAsync();
        var mha = ImportTestFiles.WriteMha(_files);
        var png = ImportTestFiles.WriteRaster(_files, "photo.png", SKEncodedImageFormat.Png);
        var text = Path.Combine(_files, "notes.txt");
        File.WriteAllText(text, "no image");

        var response = await client.PostAsync("/api/v1/cases/upload-sessions/", Form([("archive", archive.Slug)], mha, png, text));

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        created.GetProperty("status").GetString().Should().Be("Queued");
        var url = created.GetProperty("api_url").GetString()!;
        response.Headers.Location!.ToString().Should().Be(url);

        var session = await PollAsync(client, url);

        session.GetProperty("status").GetString().Should().Be("Succeeded");
        session.GetProperty("error_message").GetString().Should().BeEmpty();
        session.GetProperty("file_errors").GetProperty("notes.txt").GetString().Should().Be(ImageImporter.NotSupportedMessage);
        session.GetProperty("file_errors").EnumerateObject().Should().HaveCount(1);
        var images = session.GetProperty("images").EnumerateArray().Select(e => e.GetGuid()).ToList();
        images.Should().HaveCount(2);
        session.GetProperty("created").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        App.Services.GetRequiredService<TestImageDestination>().Accepted[session.GetProperty("pk").GetGuid()].Should().BeEquivalentTo(images);

        var stored = App.Db(db => db.ImageFiles.Include(f => f.Image).Where(f => images.Contains(f.ImageId)).ToList());
        var file = stored.Single(f => f.Image!.Name == "scan.mha");
        using var volume = MetaImageReader.Read(App.Services.GetRequiredService<IBlobStore>().LocalPath(file.BlobKey));
        using var expected = ImportTestFiles.Volume();
        volume.Pixels.ToArray().Should().Equal(expected.Pixels.ToArray());
        volume.Origin.Should().Equal(expected.Origin);

        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/cases/upload-sessions/");
        list.GetProperty("results").EnumerateArray().Select(s => s.GetProperty("pk").GetGuid()).Should().Contain(session.GetProperty("pk").GetGuid());
        var stranger = await App.CreateClientForNewUserAsync($"str{Guid.NewGuid():N}"[..16]);
        (await stranger.GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await stranger.GetFromJsonAsync<JsonElement>("/api/v1/cases/upload-sessions/")).GetProperty("count").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task Only_bad_files_fail_the_session()
    {
        var client = await App.CreateClientForNewUserAsync($"bad{Guid.NewGuid():N}"[..16], siteAdmin: true);
        var archive = await ArchiveAsync();
        var cut = ImportTestFiles.WriteNifti(_files, "cut.nii.gz", gzip: true);
        ImportTestFiles.Truncate(cut);

        var response = await client.PostAsync("/api/v1/cases/upload-sessions/", Form([("archive", archive.Id.ToString())], cut));
        var session = await PollAsync(client, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_url").GetString()!);

        session.GetProperty("status").GetString().Should().Be("Failed");
        session.GetProperty("error_message").GetString().Should().NotBeEmpty();
        session.GetProperty("file_errors").GetProperty("cut.nii.gz").GetString().Should().NotBeNullOrEmpty();
        session.GetProperty("images").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_finished_upload_can_be_imported_by_its_id_as_json()
    {
        var client = await App.CreateClientForNewUserAsync($"json{Guid.NewGuid():N}"[..16], siteAdmin: true);
        var archive = await ArchiveAsync();
        var upload = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(ImportTestFiles.WriteNifti(_files))), "file", "brain.nii" } };
        var uploaded = await (await client.PostAsync("/api/v1/uploads/", upload)).Content.ReadFromJsonAsync<JsonElement>();

        var response = await client.PostAsJsonAsync("/api/v1/cases/upload-sessions/",
            new { uploads = new[] { uploaded.GetProperty("api_url").GetString() }, archive = archive.Slug });

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var session = await PollAsync(client, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_url").GetString()!);
        session.GetProperty("status").GetString().Should().Be("Succeeded");
        session.GetProperty("images").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task Bad_requests_get_clear_errors()
    {
        var client = await App.CreateClientForNewUserAsync($"req{Guid.NewGuid():N}"[..16]);
        var mha = ImportTestFiles.WriteMha(_files);

        var noTarget = await client.PostAsync("/api/v1/cases/upload-sessions/", Form([], mha));
        var unknown = await client.PostAsync("/api/v1/cases/upload-sessions/", Form([("archive", "no-such-archive")], mha));
        // A site admin may send to any archive, so what is missing is the files.
        var admin = await App.CreateClientForNewUserAsync($"reqa{Guid.NewGuid():N}"[..16], siteAdmin: true);
        var noFiles = await admin.PostAsync("/api/v1/cases/upload-sessions/", Form([("archive", (await ArchiveAsync()).Slug)]));

        noTarget.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await noTarget.Content.ReadAsStringAsync()).Should().Contain("archive");
        unknown.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadAsStringAsync()).Should().Contain("no-such-archive");
        noFiles.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await noFiles.Content.ReadAsStringAsync()).Should().Contain("Attach at least one file");
        (await App.CreateClient().PostAsync("/api/v1/cases/upload-sessions/", Form([], mha))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_queued_session_is_cancelled_once_and_a_user_with_too_many_active_sessions_is_told_so()
    {
        var user = await App.CreateUserAsync($"canc{Guid.NewGuid():N}"[..16], siteAdmin: true);
        var client = App.CreateClientWithToken(await App.CreateTokenAsync(user.Id));
        var queued = new List<Guid>();
        await using (var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext())
        {
            // Queued sessions nobody imports (no job was scheduled for them): as many as a user may have.
            for (var i = 0; i < 4; i++)
            {
                var session = new UploadSession { CreatorId = user.Id };
                db.UploadSessions.Add(session);
                queued.Add(session.Id);
            }

            await db.SaveChangesAsync();
        }

        var mha = ImportTestFiles.WriteMha(_files);
        var refused = await client.PostAsync("/api/v1/cases/upload-sessions/", Form([("archive", (await ArchiveAsync()).Slug)], mha));
        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).Should().Contain("You already have 4 upload sessions queued or importing");

        var cancelled = await client.PostAsync($"/api/v1/cases/upload-sessions/{queued[0]}/cancel/", null);
        cancelled.StatusCode.Should().Be(HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
        var body = await cancelled.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().Should().Be("Cancelled");
        body.GetProperty("error_message").GetString().Should().Be(UploadSessionService.CancelledMessage);
        var again = await client.PostAsync($"/api/v1/cases/upload-sessions/{queued[0]}/cancel/", null);
        again.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await again.Content.ReadAsStringAsync()).Should().Contain("already ended (Cancelled)");
        (await client.PostAsync($"/api/v1/cases/upload-sessions/{Guid.NewGuid()}/cancel/", null)).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var accepted = await client.PostAsync("/api/v1/cases/upload-sessions/", Form([("archive", (await ArchiveAsync()).Slug)], mha));
        accepted.StatusCode.Should().Be(HttpStatusCode.Created, "a cancelled session no longer counts");
        var done = await PollAsync(client, (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_url").GetString()!);
        done.GetProperty("status").GetString().Should().Be("Succeeded");
        var blobs = App.Services.GetRequiredService<IBlobStore>();
        var files = App.Db(db => db.UploadSessions.Single(s => s.Id == done.GetProperty("pk").GetGuid()).Files);
        // The import deletes it right after recording the outcome, so it may take a moment longer than the status.
        var key = files.Should().ContainSingle().Subject.BlobKey;
        for (var i = 0; i < 100 && blobs.Exists(key); i++)
        {
            await Task.Delay(50);
        }

        blobs.Exists(key).Should().BeFalse("the uploaded file is deleted once the session ended");
    }
}
