using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace GrandChallenge.Tests.Web.Uploads;

/// <summary>The uploads API the way gcapi drives it, through the real host; run on SQLite and on PostgreSQL.</summary>
public abstract class UploadApiTests(AppFixture fixture)
{
    private static readonly string[] UploadKeys = ["pk", "created", "filename", "key", "s3_upload_id", "status", "api_url", "size", "sha256", "mime_type"];

    private GrandChallengeAppFactory App => fixture.App;

    private IBlobStore Blobs => App.Services.GetRequiredService<IBlobStore>();

    private async Task<(UploadClient Client, ApplicationUser User)> NewUserAsync(string prefix = "up", bool siteAdmin = false)
    {
        var user = await App.CreateUserAsync($"{prefix}{Guid.NewGuid():N}"[..16], siteAdmin);
        var client = App.CreateClientWithToken(await App.CreateTokenAsync(user.Id));
        return (new UploadClient(client, App.CreateClient(new() { AllowAutoRedirect = false })), user);
    }

    [Fact]
    public async Task Parts_sent_out_of_order_with_one_sent_again_complete_into_the_file()
    {
        var (uploads, user) = await NewUserAsync();
        var parts = Enumerable.Range(1, 3).Select(i => UploadClient.RandomBytes(100_000 + i, seed: i)).ToArray();
        parts[0][0] = 0x1F;
        parts[0][1] = 0x8B;
        var whole = parts.SelectMany(p => p).ToArray();

        var created = await uploads.Http.PostAsJsonAsync("/api/v1/uploads/", new { filename = "model.tar.gz", size = whole.Length, sha256 = UploadClient.Sha256Hex(whole) });
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        created.Content.Headers.ContentType!.ToString().Should().Be("application/json");
        var upload = await created.Content.ReadFromJsonAsync<JsonElement>();
        upload.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(UploadKeys);
        upload.GetProperty("status").GetString().Should().Be("Initialized");
        upload.GetProperty("filename").GetString().Should().Be("model.tar.gz");
        var pk = upload.GetProperty("pk").GetString();
        upload.GetProperty("api_url").GetString().Should().Be($"http://localhost/api/v1/uploads/{pk}/");
        created.Headers.Location!.ToString().Should().Be($"http://localhost/api/v1/uploads/{pk}/");

        var urls = await uploads.PartUrlsAsync(upload, 1, 2, 3);
        urls.Keys.Should().BeEquivalentTo([1, 2, 3]);
        urls.Values.Should().AllSatisfy(u => u.Should().StartWith($"http://localhost/api/v1/uploads/{pk}/"));

        var etag3 = await uploads.PutPartAsync(urls[3], parts[2]);
        var etag1 = await uploads.PutPartAsync(urls[1], parts[0]);
        await uploads.PutPartAsync(urls[2], UploadClient.RandomBytes(5_000, seed: 99));
        var etag2 = await uploads.PutPartAsync(urls[2], parts[1]);

        var listed = await uploads.ListPartsAsync(upload);
        var listedParts = listed.GetProperty("parts").EnumerateArray().ToList();
        listedParts.Should().HaveCount(3, "sending part 2 again replaced it");
        listedParts[0].EnumerateObject().Select(p => p.Name).Should().Equal("ETag", "PartNumber", "LastModified", "Size");
        listedParts.Select(p => (p.GetProperty("PartNumber").GetInt32(), p.GetProperty("ETag").GetString(), p.GetProperty("Size").GetInt64()))
            .Should().Equal((1, etag1, parts[0].Length), (2, etag2, parts[1].Length), (3, etag3, parts[2].Length));

        var complete = await uploads.CompleteAsync(upload, (1, etag1.Trim('"')), (2, etag2), (3, etag3));

        complete.StatusCode.Should().Be(HttpStatusCode.OK, await complete.Content.ReadAsStringAsync());
        var done = await complete.Content.ReadFromJsonAsync<JsonElement>();
        done.GetProperty("status").GetString().Should().Be("Completed");
        done.GetProperty("size").GetInt64().Should().Be(whole.Length);
        done.GetProperty("sha256").GetString().Should().Be(UploadClient.Sha256Hex(whole));
        done.GetProperty("mime_type").GetString().Should().Be("application/gzip");
        (await uploads.GetAsync(upload)).GetProperty("status").GetString().Should().Be("Completed");

        var list = await uploads.Http.GetFromJsonAsync<JsonElement>("/api/v1/uploads/");
        list.GetProperty("count").GetInt32().Should().Be(1);
        list.GetProperty("results")[0].GetProperty("pk").GetString().Should().Be(pk);

        var service = App.Services.GetRequiredService<IUploadService>();
        await using (var opened = (await service.OpenCompletedAsync(new Actor(user.Id, false), Guid.Parse(pk!))).Value!)
        {
            using var copy = new MemoryStream();
            await opened.Content.CopyToAsync(copy);
            copy.ToArray().Should().Equal(whole);
        }

        Directory.Exists(Blobs.LocalPath(UserUpload.PartsPrefixOf(user.Id, Guid.Parse(pk!)))).Should().BeFalse("parts are deleted once assembled");
        App.Db(db => db.UploadParts.Count(p => p.UploadId == Guid.Parse(pk!))).Should().Be(0);
    }

    [Fact]
    public async Task A_wrong_sha256_or_size_is_refused_with_a_clear_message_and_the_parts_stay_for_a_retry()
    {
        var (uploads, user) = await NewUserAsync();
        var right = UploadClient.RandomBytes(2000, seed: 1);
        var wrong = UploadClient.RandomBytes(2000, seed: 2);
        var upload = await uploads.CreateAsync("scan.mha", right.Length, UploadClient.Sha256Hex(right));
        var url = (await uploads.PartUrlsAsync(upload, 1))[1];
        var wrongEtag = await uploads.PutPartAsync(url, wrong);

        var refused = await uploads.CompleteAsync(upload, (1, wrongEtag));

        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await UploadClient.DetailAsync(refused)).Should().Contain($"SHA-256 is {UploadClient.Sha256Hex(wrong)}").And.Contain("parts are kept");
        (await uploads.GetAsync(upload)).GetProperty("status").GetString().Should().Be("Initialized");
        (await uploads.ListPartsAsync(upload)).GetProperty("parts")[0].GetProperty("ETag").GetString().Should().Be(wrongEtag);
        Blobs.Exists(UserUpload.FileKeyOf(user.Id, Guid.Parse(upload.GetProperty("pk").GetString()!))).Should().BeFalse();

        var rightEtag = await uploads.PutPartAsync(url, right);
        var completed = await uploads.CompleteAsync(upload, (1, rightEtag));
        completed.StatusCode.Should().Be(HttpStatusCode.OK);

        var sized = await uploads.CreateAsync("short.bin", right.Length + 1);
        var sizedEtag = await uploads.PutPartAsync((await uploads.PartUrlsAsync(sized, 1))[1], right);
        var sizeRefused = await uploads.CompleteAsync(sized, (1, sizedEtag));
        sizeRefused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await UploadClient.DetailAsync(sizeRefused)).Should().Contain($"add up to {right.Length} bytes").And.Contain($"size of {right.Length + 1} bytes");
        (await uploads.GetAsync(sized)).GetProperty("status").GetString().Should().Be("Initialized");
        (await uploads.ListPartsAsync(sized)).GetProperty("parts").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task Completing_with_a_wrong_etag_or_a_missing_part_is_refused_and_changes_nothing()
    {
        var (uploads, _) = await NewUserAsync();
        var upload = await uploads.CreateAsync("two-parts.bin");
        var urls = await uploads.PartUrlsAsync(upload, 1, 2);
        var etag1 = await uploads.PutPartAsync(urls[1], [1, 2, 3]);
        var etag2 = await uploads.PutPartAsync(urls[2], [4, 5, 6]);

        var wrongEtag = await uploads.CompleteAsync(upload, (1, etag1), (2, "\"0123456789abcdef0123456789abcdef\""));
        var notUploaded = await uploads.CompleteAsync(upload, (1, etag1), (2, etag2), (3, etag2));
        var partLeftOut = await uploads.CompleteAsync(upload, (1, etag1));
        var noParts = await uploads.Http.PatchAsJsonAsync(UploadClient.Path(upload, "complete-multipart-upload"), new { });

        (await UploadClient.DetailAsync(wrongEtag)).Should().StartWith("Part 2 is listed with ETag");
        (await UploadClient.DetailAsync(notUploaded)).Should().StartWith("Part 3 has not been uploaded");
        (await UploadClient.DetailAsync(partLeftOut)).Should().Contain("missing from the list: part 2");
        (await UploadClient.DetailAsync(noParts)).Should().StartWith("List the parts to complete");
        foreach (var response in new[] { wrongEtag, notUploaded, partLeftOut, noParts })
        {
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        }

        (await uploads.GetAsync(upload)).GetProperty("status").GetString().Should().Be("Initialized");
        (await uploads.ListPartsAsync(upload)).GetProperty("parts").GetArrayLength().Should().Be(2);
    }

    [Fact]
    public async Task Abort_deletes_the_parts_and_the_upload_takes_no_more()
    {
        var (uploads, user) = await NewUserAsync();
        var upload = await uploads.CreateAsync("abandoned.bin");
        var urls = await uploads.PartUrlsAsync(upload, 1, 2);
        await uploads.PutPartAsync(urls[1], [1, 2, 3]);

        var aborted = await uploads.AbortAsync(upload);

        aborted.StatusCode.Should().Be(HttpStatusCode.OK);
        (await aborted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().Should().Be("Aborted");
        var listed = await uploads.ListPartsAsync(upload);
        listed.GetProperty("status").GetString().Should().Be("Aborted");
        listed.GetProperty("parts").GetArrayLength().Should().Be(0);
        Directory.Exists(Blobs.LocalPath(UserUpload.PrefixOf(user.Id, Guid.Parse(upload.GetProperty("pk").GetString()!)))).Should().BeFalse();

        var late = await uploads.PutAsync(urls[2], new ByteArrayContent([4]));
        late.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await UploadClient.DetailAsync(late)).Should().Contain("aborted");
        (await uploads.PresignAsync(upload, 3)).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await uploads.ListPartsAsync(upload)).GetProperty("parts").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_small_file_goes_in_one_multipart_request()
    {
        var (uploads, _) = await NewUserAsync();
        var csv = Encoding.UTF8.GetBytes("case,score\n1,0.5\n2,0.75\n");

        var response = await uploads.Http.PostAsync("/api/v1/uploads/", Form(csv, "predictions.csv", sha256: UploadClient.Sha256Hex(csv)));

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.ToString().Should().Be("application/json");
        var upload = await response.Content.ReadFromJsonAsync<JsonElement>();
        upload.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(UploadKeys);
        upload.GetProperty("status").GetString().Should().Be("Completed");
        upload.GetProperty("filename").GetString().Should().Be("predictions.csv");
        upload.GetProperty("size").GetInt64().Should().Be(csv.Length);
        upload.GetProperty("sha256").GetString().Should().Be(UploadClient.Sha256Hex(csv));
        upload.GetProperty("mime_type").GetString().Should().Be("text/csv");

        var renamed = await uploads.Http.PostAsync("/api/v1/uploads/", Form(csv, "local-name.csv", filenameField: "renamed.csv"));
        (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("filename").GetString().Should().Be("renamed.csv");

        var count = (await uploads.Http.GetFromJsonAsync<JsonElement>("/api/v1/uploads/")).GetProperty("count").GetInt32();
        var wrongSha = await uploads.Http.PostAsync("/api/v1/uploads/", Form(csv, "predictions.csv", sha256: UploadClient.Sha256Hex([1])));
        var noFile = await uploads.Http.PostAsync("/api/v1/uploads/", new MultipartFormDataContent { { new StringContent("x.csv"), "filename" } });
        var fieldAfterFile = new MultipartFormDataContent { { new ByteArrayContent(csv), "file", "late.csv" }, { new StringContent("0"), "sha256" } };
        var late = await uploads.Http.PostAsync("/api/v1/uploads/", fieldAfterFile);

        wrongSha.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await UploadClient.DetailAsync(wrongSha)).Should().Contain("SHA-256").And.Contain("Nothing was stored");
        noFile.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await noFile.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("file").EnumerateArray().Should().NotBeEmpty();
        late.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await uploads.Http.GetFromJsonAsync<JsonElement>("/api/v1/uploads/")).GetProperty("count").GetInt32().Should().Be(count, "refused files leave no upload behind");
    }

    [Fact]
    public async Task Part_urls_with_a_bad_missing_or_expired_signature_are_forbidden_and_store_nothing()
    {
        var (uploads, _) = await NewUserAsync();
        var upload = await uploads.CreateAsync("signed.bin");
        var urls = await uploads.PartUrlsAsync(upload, 1, 2);
        var pk = Guid.Parse(upload.GetProperty("pk").GetString()!);
        var key = upload.GetProperty("s3_upload_id").GetString()!;
        var expired = App.Services.GetRequiredService<UploadSigner>().Sign(pk, key, 1, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds());
        var partUrl = $"/api/v1/uploads/{pk}/{key}/parts/1/";

        var attempts = new Dictionary<string, string>
        {
            ["tampered"] = urls[1].Replace("signature=", "signature=x"),
            ["other part's signature"] = urls[2].Replace("/parts/2/", "/parts/1/"),
            ["unsigned"] = partUrl,
            ["no expiry"] = partUrl + "?signature=" + new Uri(urls[1]).Query.Split("signature=")[1],
            ["expired"] = $"{partUrl}?expires={DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds()}&signature={expired}",
        };
        foreach (var (name, url) in attempts)
        {
            var response = await uploads.PutAsync(url, new ByteArrayContent([1, 2, 3]));
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden, name);
            response.Headers.ETag.Should().BeNull(name);
            if (name == "expired")
            {
                (await UploadClient.DetailAsync(response)).Should().Contain("expired");
            }
        }

        (await uploads.ListPartsAsync(upload)).GetProperty("parts").GetArrayLength().Should().Be(0);
        (await uploads.PutAsync(urls[1], new ByteArrayContent([1, 2, 3]))).StatusCode.Should().Be(HttpStatusCode.OK, "the genuine URL still works");
    }

    [Fact]
    public async Task Another_users_upload_does_not_exist_for_them_site_admins_included()
    {
        var (owner, _) = await NewUserAsync("own");
        var (stranger, _) = await NewUserAsync("str");
        var (admin, _) = await NewUserAsync("adm", siteAdmin: true);
        var upload = await owner.CreateAsync("private.bin");
        var etag = await owner.PutPartAsync((await owner.PartUrlsAsync(upload, 1))[1], [1]);

        foreach (var other in new[] { stranger, admin })
        {
            (await other.Http.GetAsync($"/api/v1/uploads/{upload.GetProperty("pk").GetString()}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
            (await other.Http.GetAsync(UploadClient.Path(upload, "list-parts"))).StatusCode.Should().Be(HttpStatusCode.NotFound);
            (await other.PresignAsync(upload, 1)).StatusCode.Should().Be(HttpStatusCode.NotFound);
            (await other.CompleteAsync(upload, (1, etag))).StatusCode.Should().Be(HttpStatusCode.NotFound);
            (await other.AbortAsync(upload)).StatusCode.Should().Be(HttpStatusCode.NotFound);
            (await other.Http.GetFromJsonAsync<JsonElement>("/api/v1/uploads/")).GetProperty("count").GetInt32().Should().Be(0);
        }

        (await owner.Http.GetAsync(UploadClient.Path(upload, "list-parts").Replace(upload.GetProperty("s3_upload_id").GetString()!, "guessed")))
            .StatusCode.Should().Be(HttpStatusCode.NotFound, "the upload key is part of the address");
        (await owner.GetAsync(upload)).GetProperty("status").GetString().Should().Be("Initialized");
    }

    [Theory]
    [InlineData("../evil.sh")]
    [InlineData("folder/file.txt")]
    [InlineData("..")]
    public async Task File_names_with_folders_are_refused(string filename)
    {
        var (uploads, user) = await NewUserAsync();

        var response = await uploads.Http.PostAsJsonAsync("/api/v1/uploads/", new { filename });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("filename")[0].GetString()
            .Should().Contain("bare name");
        App.Db(db => db.UserUploads.Count(u => u.CreatorId == user.Id)).Should().Be(0);
    }

    [Fact]
    public async Task Other_content_types_and_broken_json_get_clear_errors()
    {
        var (uploads, _) = await NewUserAsync();

        var text = await uploads.Http.PostAsync("/api/v1/uploads/", new StringContent("filename=x", Encoding.UTF8, "text/plain"));
        var broken = await uploads.Http.PostAsync("/api/v1/uploads/", new StringContent("{\"filename\": ", Encoding.UTF8, "application/json"));

        text.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        broken.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await UploadClient.DetailAsync(broken)).Should().Contain("not valid JSON");
    }

    [Fact]
    public async Task Concurrent_sends_of_one_part_leave_exactly_one_consistent_part()
    {
        var (uploads, _) = await NewUserAsync();
        var upload = await uploads.CreateAsync("race.bin");
        var url = (await uploads.PartUrlsAsync(upload, 1))[1];
        var versions = Enumerable.Range(1, 4).Select(i => UploadClient.RandomBytes(200_000, seed: 10 + i)).ToArray();

        var responses = await Task.WhenAll(versions.Select(v => uploads.PutAsync(url, new ByteArrayContent(v))));

        responses.Should().AllSatisfy(r => r.StatusCode.Should().Be(HttpStatusCode.OK));
        var parts = (await uploads.ListPartsAsync(upload)).GetProperty("parts").EnumerateArray().ToList();
        parts.Should().HaveCount(1);
        var etag = parts[0].GetProperty("ETag").GetString()!;
        var winner = versions.Single(v => $"\"{UploadClient.Md5Hex(v)}\"" == etag);
        var completed = await uploads.CompleteAsync(upload, (1, etag));
        completed.StatusCode.Should().Be(HttpStatusCode.OK, await completed.Content.ReadAsStringAsync());
        (await completed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sha256").GetString().Should().Be(UploadClient.Sha256Hex(winner),
            "the stored bytes are those of the part the listed ETag belongs to");
    }

    [Fact]
    public async Task The_hourly_job_removes_stale_and_aborted_uploads_with_their_files()
    {
        var (uploads, user) = await NewUserAsync();
        var stale = await uploads.CreateAsync("stale.bin");
        await uploads.PutPartAsync((await uploads.PartUrlsAsync(stale, 1))[1], [1, 2, 3]);
        var aborted = await uploads.CreateAsync("aborted.bin");
        await uploads.AbortAsync(aborted);
        var fresh = await uploads.CreateAsync("fresh.bin");
        await uploads.PutPartAsync((await uploads.PartUrlsAsync(fresh, 1))[1], [4, 5, 6]);
        var stalePk = Guid.Parse(stale.GetProperty("pk").GetString()!);
        await using (var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext())
        {
            await db.UserUploads.Where(u => u.Id == stalePk).ExecuteUpdateAsync(s => s.SetProperty(u => u.Created, DateTimeOffset.UtcNow.AddHours(-25)));
        }

        var scheduler = await App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        (await scheduler.GetTriggersOfJob(ExpireUploadsJob.Key)).Should().ContainSingle()
            .Which.Should().BeAssignableTo<ISimpleTrigger>().Which.RepeatInterval.Should().Be(TimeSpan.FromHours(1));
        await scheduler.TriggerJob(ExpireUploadsJob.Key);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<string> remaining;
        do
        {
            await Task.Delay(100);
            remaining = App.Db(db => db.UserUploads.Where(u => u.CreatorId == user.Id).Select(u => u.Filename).ToList());
        }
        while (remaining.Count != 1 && DateTime.UtcNow < deadline);

        remaining.Should().Equal("fresh.bin");
        Directory.Exists(Blobs.LocalPath(UserUpload.PrefixOf(user.Id, stalePk))).Should().BeFalse();
        (await uploads.ListPartsAsync(fresh)).GetProperty("parts").GetArrayLength().Should().Be(1);
    }

    private static MultipartFormDataContent Form(byte[] file, string name, string? sha256 = null, string? filenameField = null)
    {
        var form = new MultipartFormDataContent();
        if (filenameField is not null)
        {
            form.Add(new StringContent(filenameField), "filename");
        }

        if (sha256 is not null)
        {
            form.Add(new StringContent(sha256), "sha256");
        }

        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(content, "file", name);
        return form;
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteUploadApiTests(SqliteAppFixture fixture) : UploadApiTests(fixture), IClassFixture<SqliteAppFixture>;

[Trait("Category", "Postgres")]
public sealed class PostgresUploadApiTests(PostgresAppFixture fixture) : UploadApiTests(fixture), IClassFixture<PostgresAppFixture>;
