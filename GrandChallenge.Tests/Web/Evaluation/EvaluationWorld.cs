using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Evaluation;

/// <summary>
/// A challenge with an admin, two participants and a stranger, and the evaluation method built from
/// <c>docker/test-images/evaluation</c> saved as an archive once per test class; on SQLite unless derived.
/// </summary>
public class EvaluationWorld : IAsyncLifetime
{
    private readonly AppFixture _fixture;

    public EvaluationWorld()
        : this(new SqliteAppFixture())
    {
    }

    protected EvaluationWorld(AppFixture fixture) => _fixture = fixture;

    public GrandChallengeAppFactory App => _fixture.App;
    public Challenge Challenge { get; private set; } = default!;
    public HttpClient Admin { get; private set; } = default!;
    public HttpClient Alice { get; private set; } = default!;
    public HttpClient Bob { get; private set; } = default!;
    public HttpClient Stranger { get; private set; } = default!;
    public HttpClient Anonymous { get; private set; } = default!;
    public ApplicationUser AliceUser { get; private set; } = default!;
    public ApplicationUser BobUser { get; private set; } = default!;
    public string MethodArchive { get; private set; } = "";
    private string _methodTag = "";

    public async Task InitializeAsync()
    {
        await _fixture.InitializeAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        Challenge = new Challenge { ShortName = $"eval-{suffix}", Title = "Evaluation test challenge" };
        await using (var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext())
        {
            db.Challenges.Add(Challenge);
            await db.SaveChangesAsync();
        }

        var permissions = App.Services.GetRequiredService<IPermissionService>();
        var admin = await App.CreateUserAsync($"eadmin{suffix}");
        AliceUser = await App.CreateUserAsync($"alice{suffix}");
        BobUser = await App.CreateUserAsync($"bob{suffix}");
        await permissions.GrantAsync(ObjectKinds.Challenge, Challenge.Id, ObjectRoles.Admin, admin.Id);
        await permissions.GrantAsync(ObjectKinds.Challenge, Challenge.Id, ObjectRoles.Participant, AliceUser.Id);
        await permissions.GrantAsync(ObjectKinds.Challenge, Challenge.Id, ObjectRoles.Participant, BobUser.Id);
        Admin = App.CreateClientWithToken(await App.CreateTokenAsync(admin.Id));
        Alice = App.CreateClientWithToken(await App.CreateTokenAsync(AliceUser.Id));
        Bob = App.CreateClientWithToken(await App.CreateTokenAsync(BobUser.Id));
        Stranger = await App.CreateClientForNewUserAsync($"stranger{suffix}");
        Anonymous = App.CreateClient();

        var (tag, _) = await DockerTestImages.BuildUniqueAsync("evaluation");
        _methodTag = tag;
        MethodArchive = Path.Combine(TestEnvironment.NewTempDirectory("method"), "method.tar");
        await DockerTestImages.SaveAsync(MethodArchive, tag);
    }

    public async Task DisposeAsync()
    {
        await DockerTestImages.RemoveAsync(_methodTag);
        await _fixture.DisposeAsync();
    }

    /// <summary>A phase with the given settings merged over sensible defaults, its method imported and active, and a ground truth.</summary>
    public async Task<JsonElement> CreateReadyPhaseAsync(object? settings = null, bool groundTruth = true)
    {
        var body = new Dictionary<string, object?>
        {
            ["title"] = $"Phase {Guid.NewGuid():N}"[..20],
            ["submission_limit"] = 10,
            ["score_jsonpath"] = "score",
            ["score_default_sort"] = "desc",
            ["evaluation_time_limit_seconds"] = 300,
            ["evaluation_memory_gb"] = 4,
        };
        if (settings is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(settings).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        var created = await Admin.PostAsJsonAsync($"/api/v1/challenges/{Challenge.ShortName}/phases/", body);
        created.StatusCode.Should().Be(System.Net.HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var phase = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = phase.GetProperty("pk").GetString();

        using var method = new MultipartFormDataContent { { new StreamContent(System.IO.File.OpenRead(MethodArchive)), "file", "method.tar" } };
        var upload = await Admin.PostAsync($"/api/v1/phases/{id}/methods/", method);
        upload.StatusCode.Should().Be(System.Net.HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());
        var methodUrl = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_url").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var status = await Admin.GetFromJsonAsync<JsonElement>(methodUrl);
            if (status.GetProperty("import_status").GetString() == "Completed" && status.GetProperty("is_desired_version").GetBoolean())
            {
                break;
            }

            status.GetProperty("import_status").GetString().Should().NotBe("Failed", status.GetProperty("error_message").GetString());
            DateTime.UtcNow.Should().BeBefore(deadline, "the method import should finish");
            await Task.Delay(250);
        }

        if (groundTruth)
        {
            var truth = await Admin.PostAsync($"/api/v1/phases/{id}/ground-truths/", File("truth.tar.gz", TarGz(("truth.csv", "case,label\n1,0.5\n"), ("nested/more.csv", "x\n"))));
            truth.StatusCode.Should().Be(System.Net.HttpStatusCode.Created, await truth.Content.ReadAsStringAsync());
        }

        return phase;
    }

    public static MultipartFormDataContent File(string name, byte[] content, string field = "file", params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (fieldName, value) in fields)
        {
            form.Add(new StringContent(value), fieldName);
        }

        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, field, name);
        return form;
    }

    public static MultipartFormDataContent Predictions(string firstLine, string name = "predictions.csv", params (string Name, string Value)[] fields) =>
        File(name, Encoding.UTF8.GetBytes(firstLine + "\n"), "predictions_file", fields);

    public static byte[] TarGz(params (string Name, string Content)[] files)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            foreach (var (name, content) in files)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
            }
        }

        return output.ToArray();
    }

    public static byte[] Zip(params (string Name, byte[] Content)[] files)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                using var entry = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
                entry.Write(content);
            }
        }

        return output.ToArray();
    }

    /// <summary>Waits until the evaluation of the submission has ended and returns it as the client sees it.</summary>
    public static async Task<JsonElement> WaitForEvaluationAsync(HttpClient client, string submissionId, int seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var list = await client.GetFromJsonAsync<JsonElement>($"/api/v1/evaluations/?submission={submissionId}");
            if (list.GetProperty("results").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } evaluation
                && evaluation.GetProperty("status").GetString() is "Succeeded" or "Failed" or "Cancelled")
            {
                // The leaderboard is recomputed right after the status changes; give it a moment to land.
                await Task.Delay(300);
                return await client.GetFromJsonAsync<JsonElement>(evaluation.GetProperty("api_url").GetString());
            }

            DateTime.UtcNow.Should().BeBefore(deadline, "the evaluation should end");
            await Task.Delay(250);
        }
    }
}

/// <summary>The same world on PostgreSQL, the tested server database.</summary>
public sealed class PostgresEvaluationWorld() : EvaluationWorld(new PostgresAppFixture());
