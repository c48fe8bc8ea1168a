using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Domain.Imaging;
using GrandChallenge.Tests.Domain.Imaging.Dicom;
using GrandChallenge.Tests.Domain.Imaging.Import;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Archives;

/// <summary>
/// The whole images path through the real host, with the real archive destination and every builder: an archive is
/// created, a zipped DICOM series with an .mha and bad files is uploaded into it, the import job turns them into items,
/// and the images are served with metadata and slices, de-identified, and hidden from strangers.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ArchiveImportFlowTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IDisposable
{
    private readonly string _files = TestImages.TempDir();

    private GrandChallengeAppFactory App => fixture.App;

    public void Dispose() => Directory.Delete(_files, recursive: true);

    private static async Task<JsonElement> PollAsync(HttpClient client, string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var session = await client.GetFromJsonAsync<JsonElement>(url);
            if (session.GetProperty("status").GetString() is "Succeeded" or "Failed" or "Cancelled")
            {
                return session;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The session is still {session.GetProperty("status").GetString()}.");
            }

            await Task.Delay(100);
        }
    }

    private string ZippedDicomSeries()
    {
        var series = Directory.CreateDirectory(Path.Combine(_files, "series")).FullName;
        DicomTestData.WriteSeries(series, slices: 4, spacing: 2.5, value: (x, y, z) => (100 * z) + (10 * y) + x);
        var zip = Path.Combine(_files, "pacs-export.zip");
        ZipFile.CreateFromDirectory(series, zip);
        return zip;
    }

    [Fact]
    public async Task A_zipped_dicom_series_and_an_mha_become_archive_items_with_served_deidentified_images()
    {
        var editor = await App.CreateClientForNewUserAsync($"arced{Guid.NewGuid():N}"[..16]);
        var created = await editor.PostAsJsonAsync("/api/v1/archives/", new { title = "Lung CT", slug = $"lung-{Guid.NewGuid():N}"[..16] });
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var slug = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("slug").GetString()!;

        var mha = ImportTestFiles.WriteMha(_files);
        var corrupt = Path.Combine(_files, "broken.mha");
        File.WriteAllText(corrupt, "ObjectType = Image\nNDims = 3\nDimSize = 4 4 4\nElementType = MET_SHORT\nElementDataFile = LOCAL\n");
        var notes = Path.Combine(_files, "notes.txt");
        File.WriteAllText(notes, "no image here");
        using var form = new MultipartFormDataContent { { new StringContent(slug), "archive" } };
        foreach (var file in new[] { ZippedDicomSeries(), mha, corrupt, notes })
        {
            form.Add(new ByteArrayContent(File.ReadAllBytes(file)), "files", Path.GetFileName(file));
        }

        var posted = await editor.PostAsync("/api/v1/cases/upload-sessions/", form);
        posted.StatusCode.Should().Be(HttpStatusCode.Created, await posted.Content.ReadAsStringAsync());
        var session = await PollAsync(editor, (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_url").GetString()!);

        session.GetProperty("status").GetString().Should().Be("Succeeded", session.ToString());
        var errors = session.GetProperty("file_errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        errors.Keys.Should().BeEquivalentTo(["broken.mha", "notes.txt"], "the good files import and each bad one says why");
        var images = session.GetProperty("images").EnumerateArray().Select(e => e.GetGuid()).ToList();
        images.Should().HaveCount(2);

        var items = await editor.GetFromJsonAsync<JsonElement>($"/api/v1/archives/{slug}/items/");
        var itemImages = items.GetProperty("results").EnumerateArray()
            .SelectMany(i => i.GetProperty("values").EnumerateArray())
            .Select(v => v.GetProperty("image").GetString()!)
            .ToList();
        itemImages.Should().HaveCount(2, "each image becomes an item of the archive");
        itemImages.Should().OnlyContain(url => images.Any(id => url.Contains(id.ToString())));

        JsonElement? dicom = null;
        foreach (var id in images)
        {
            var metadata = await editor.GetFromJsonAsync<JsonElement>($"/api/v1/cases/images/{id}/");
            if (metadata.GetProperty("modality").ValueKind == JsonValueKind.Object)
            {
                dicom = metadata;
            }
        }

        dicom.Should().NotBeNull("the DICOM series is one image with its modality");
        var ct = dicom!.Value;
        ct.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(4, 3, 4);
        ct.GetProperty("voxel_depth_mm").GetDouble().Should().BeApproximately(2.5, 1e-6, "spacing comes from the slice positions");
        ct.GetProperty("modality").GetProperty("modality").GetString().Should().Be("CT", "grand-challenge.org nests the modality");
        var ctId = ct.GetProperty("pk").GetString();
        var slice = await editor.GetAsync($"/api/v1/cases/images/{ctId}/slices/z/3.png?window_center=200&window_width=400");
        slice.StatusCode.Should().Be(HttpStatusCode.OK);
        slice.Content.Headers.ContentType!.MediaType.Should().Be("image/png");

        // De-identified: the stored row and the stored .mha hold a pseudonym, never the patient's name or id.
        await using (var db = App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext())
        {
            var row = await db.Images.Include(i => i.Files).SingleAsync(i => i.Id == Guid.Parse(ctId!));
            row.PatientName.Should().NotContain("Test").And.NotContain("Patient");
            row.PatientId.Should().NotBe("TEST-1");
            var mhaFile = row.Files.Single(f => f.ImageType == ImageFileType.Mhd);
            await using var stored = App.Services.GetRequiredService<IBlobStore>().OpenRead(mhaFile.BlobKey);
            using var reader = new StreamReader(stored);
            var header = new string(reader.ReadToEnd().TakeWhile(c => c != '\0').Take(64 * 1024).ToArray());
            header.Should().NotContain("Test^Patient").And.NotContain("TEST-1");
        }

        var stranger = await App.CreateClientForNewUserAsync($"arcst{Guid.NewGuid():N}"[..16]);
        (await stranger.GetAsync($"/api/v1/archives/{slug}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await stranger.GetAsync($"/api/v1/cases/images/{ctId}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await stranger.GetAsync($"/api/v1/cases/images/{ctId}/slices/z/0.png")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var refused = new MultipartFormDataContent { { new StringContent(slug), "archive" }, { new ByteArrayContent(File.ReadAllBytes(mha)), "files", "scan.mha" } };
        (await stranger.PostAsync("/api/v1/cases/upload-sessions/", refused)).StatusCode.Should().BeOneOf(HttpStatusCode.NotFound, HttpStatusCode.Forbidden);
    }
}
