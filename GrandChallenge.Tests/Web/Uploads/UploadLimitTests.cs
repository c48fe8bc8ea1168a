using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Infrastructure;

namespace GrandChallenge.Tests.Web.Uploads;

/// <summary>A host with small upload limits, so that each limit can be reached cheaply.</summary>
public sealed class SmallUploadLimitsFixture() : AppFixture(DatabaseProvider.Sqlite, settings: new Dictionary<string, string>
{
    ["Uploads:MaxPartBytes"] = "1024",
    ["Uploads:MaxUploadBytes"] = "4096",
    ["Uploads:MaxBytesPerUser"] = "6144",
    ["Uploads:MaxUploadsPerUser"] = "3",
});

[Trait("Category", "Integration")]
public sealed class UploadLimitTests(SmallUploadLimitsFixture fixture) : IClassFixture<SmallUploadLimitsFixture>
{
    private async Task<UploadClient> NewUserAsync()
    {
        var client = await fixture.App.CreateClientForNewUserAsync($"lim{Guid.NewGuid():N}"[..16]);
        return new UploadClient(client, fixture.App.CreateClient());
    }

    [Fact]
    public async Task A_part_over_the_part_limit_is_refused_also_when_its_length_is_not_announced()
    {
        var uploads = await NewUserAsync();
        var upload = await uploads.CreateAsync("parts.bin");
        var url = (await uploads.PartUrlsAsync(upload, 1))[1];

        var announced = await uploads.PutAsync(url, new ByteArrayContent(new byte[1025]));
        var chunked = await uploads.PutAsync(url, new StreamContent(new UnknownLengthStream(new MemoryStream(new byte[5000]))));
        var atLimit = await uploads.PutAsync(url, new ByteArrayContent(new byte[1024]));

        (await UploadClient.DetailAsync(announced)).Should().Be("Part 1 is larger than the limit of 1 KiB per part.");
        chunked.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await UploadClient.DetailAsync(chunked)).Should().Be("Part 1 is larger than the limit of 1 KiB per part.");
        atLimit.StatusCode.Should().Be(HttpStatusCode.OK);
        (await uploads.ListPartsAsync(upload)).GetProperty("parts").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task Parts_adding_up_to_more_than_the_upload_limit_are_refused()
    {
        var uploads = await NewUserAsync();
        var upload = await uploads.CreateAsync("big.bin");
        var urls = await uploads.PartUrlsAsync(upload, 1, 2, 3, 4, 5);
        for (var part = 1; part <= 4; part++)
        {
            await uploads.PutPartAsync(urls[part], new byte[1024]);
        }

        var fifth = await uploads.PutAsync(urls[5], new ByteArrayContent([1]));
        var tooBigAnnounced = await uploads.Http.PostAsJsonAsync("/api/v1/uploads/", new { filename = "huge.bin", size = 4097 });

        fifth.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await UploadClient.DetailAsync(fifth)).Should().Be("The upload is larger than the limit of 4 KiB per upload.");
        tooBigAnnounced.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await tooBigAnnounced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("size")[0].GetString()
            .Should().Be("The upload is larger than the limit of 4 KiB per upload.");
    }

    [Fact]
    public async Task A_whole_file_over_the_upload_limit_is_refused_while_it_streams_and_leaves_nothing()
    {
        var uploads = await NewUserAsync();
        var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[5000]), "file", "too-big.bin" } };

        var response = await uploads.Http.PostAsync("/api/v1/uploads/", form);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await UploadClient.DetailAsync(response)).Should().Be("The upload is larger than the limit of 4 KiB per upload.");
        (await uploads.Http.GetFromJsonAsync<JsonElement>("/api/v1/uploads/")).GetProperty("count").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task The_per_user_limit_refuses_more_parts_urls_and_uploads_with_upload_limit_reached()
    {
        var uploads = await NewUserAsync();
        var full = new MultipartFormDataContent { { new ByteArrayContent(new byte[4096]), "file", "full.bin" } };
        (await uploads.Http.PostAsync("/api/v1/uploads/", full)).StatusCode.Should().Be(HttpStatusCode.Created);
        var open = await uploads.CreateAsync("open.bin");
        var urls = await uploads.PartUrlsAsync(open, 1, 2, 3);
        await uploads.PutPartAsync(urls[1], new byte[1024]);
        await uploads.PutPartAsync(urls[2], new byte[1024]);

        var overQuota = await uploads.PutAsync(urls[3], new ByteArrayContent([1]));
        var presign = await uploads.PresignAsync(open, 4);
        var create = await uploads.Http.PostAsJsonAsync("/api/v1/uploads/", new { filename = "more.bin" });

        foreach (var response in new[] { overQuota, presign, create })
        {
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await UploadClient.DetailAsync(response)).Should().StartWith("Upload limit reached: your uploads may hold at most 6 KiB");
        }

        var other = await NewUserAsync();
        (await other.Http.PostAsJsonAsync("/api/v1/uploads/", new { filename = "mine.bin" })).StatusCode.Should().Be(HttpStatusCode.Created, "the limit is per user");
    }

    [Fact]
    public async Task Too_many_uploads_get_grand_challenges_message_in_non_field_errors()
    {
        var uploads = await NewUserAsync();
        for (var i = 0; i < 3; i++)
        {
            await uploads.CreateAsync($"file{i}.bin");
        }

        var fourth = await uploads.Http.PostAsJsonAsync("/api/v1/uploads/", new { filename = "file3.bin" });

        fourth.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = await fourth.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("non_field_errors")[0].GetString()
            .Should().StartWith("You have created too many uploads. Please try again later.");
    }
}
