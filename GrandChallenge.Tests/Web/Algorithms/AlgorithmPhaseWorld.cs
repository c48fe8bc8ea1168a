using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Tests.Web.Evaluation;
using GrandChallenge.Tests.Workers;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Algorithms;

/// <summary>
/// A challenge with an admin, two participants (Alice, Bob) and a stranger; three sockets (an image and a number in, a
/// number out); the <c>algorithm-phase-evaluation</c> method and the <c>algorithm-phase-inference</c> algorithm built
/// and saved once per test class. Phases, archives and algorithms are made per test.
/// </summary>
public class AlgorithmPhaseWorld : IAsyncLifetime
{
    public const string ImageSocket = "algophase-image";
    public const string ValueSocket = "algophase-value";
    public const string ScoreSocket = "algophase-score";

    private readonly AppFixture _fixture;
    private readonly List<string> _tags = [];

    public AlgorithmPhaseWorld()
        : this(new SqliteAppFixture())
    {
    }

    protected AlgorithmPhaseWorld(AppFixture fixture) => _fixture = fixture;

    public GrandChallengeAppFactory App => _fixture.App;
    public Challenge Challenge { get; private set; } = default!;
    public HttpClient Admin { get; private set; } = default!;
    public HttpClient Alice { get; private set; } = default!;
    public HttpClient Bob { get; private set; } = default!;
    public HttpClient Stranger { get; private set; } = default!;
    public HttpClient Anonymous { get; private set; } = default!;
    public ApplicationUser AdminUser { get; private set; } = default!;
    public ApplicationUser AliceUser { get; private set; } = default!;
    public ApplicationUser BobUser { get; private set; } = default!;
    public string MethodArchive { get; private set; } = "";
    public string AlgorithmArchive { get; private set; } = "";
    public Actor AdminActor => new(AdminUser.Id, false);

    public async Task InitializeAsync()
    {
        await _fixture.InitializeAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        Challenge = new Challenge { ShortName = $"algo-{suffix}", Title = "Algorithm phase test challenge" };
        await using (var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext())
        {
            db.Challenges.Add(Challenge);
            await db.SaveChangesAsync();
        }

        var permissions = App.Services.GetRequiredService<IPermissionService>();
        AdminUser = await App.CreateUserAsync($"aadmin{suffix}");
        AliceUser = await App.CreateUserAsync($"alice{suffix}");
        BobUser = await App.CreateUserAsync($"bob{suffix}");
        await permissions.GrantAsync(ObjectKinds.Challenge, Challenge.Id, ObjectRoles.Admin, AdminUser.Id);
        await permissions.GrantAsync(ObjectKinds.Challenge, Challenge.Id, ObjectRoles.Participant, AliceUser.Id);
        await permissions.GrantAsync(ObjectKinds.Challenge, Challenge.Id, ObjectRoles.Participant, BobUser.Id);
        Admin = App.CreateClientWithToken(await App.CreateTokenAsync(AdminUser.Id));
        Alice = App.CreateClientWithToken(await App.CreateTokenAsync(AliceUser.Id));
        Bob = App.CreateClientWithToken(await App.CreateTokenAsync(BobUser.Id));
        Stranger = await App.CreateClientForNewUserAsync($"stranger{suffix}");
        Anonymous = App.CreateClient();

        var sockets = App.Services.GetRequiredService<ISocketService>();
        var site = new Actor(Guid.NewGuid(), IsSiteAdmin: true);
        foreach (var draft in new[]
                 {
                     new SocketDraft("Algophase Image", SocketKinds.Image, "images/algophase-image"),
                     new SocketDraft("Algophase Value", SocketKinds.Float, "algophase-value.json"),
                     new SocketDraft("Algophase Score", SocketKinds.Float, "algophase-score.json"),
                 })
        {
            var created = await sockets.CreateAsync(site, draft);
            created.Succeeded.Should().BeTrue(created.Error);
        }

        MethodArchive = await SaveAsync("algorithm-phase-evaluation");
        AlgorithmArchive = await SaveAsync("algorithm-phase-inference");
    }

    private async Task<string> SaveAsync(string name)
    {
        var (tag, _) = await DockerTestImages.BuildUniqueAsync(name);
        _tags.Add(tag);
        var path = Path.Combine(TestEnvironment.NewTempDirectory(name), $"{name}.tar");
        await DockerTestImages.SaveAsync(path, tag);
        return path;
    }

    public async Task DisposeAsync()
    {
        foreach (var tag in _tags)
        {
            await DockerTestImages.RemoveAsync(tag);
        }

        await _fixture.DisposeAsync();
    }

    /// <summary>An archive (of the admin's) with one case per value, titled <c>case-1</c>, <c>case-2</c>…; returns its slug and the cases' image ids.</summary>
    public async Task<(string Slug, IReadOnlyList<Guid> Images)> CreateArchiveAsync(params double[] values)
    {
        var archives = App.Services.GetRequiredService<IArchiveService>();
        var items = App.Services.GetRequiredService<IArchiveItemService>();
        var archive = await archives.CreateAsync(AdminActor, new NewArchive($"Hidden cases {Guid.NewGuid():N}"[..24]));
        archive.Succeeded.Should().BeTrue(archive.Error);
        var images = new List<Guid>();
        for (var i = 0; i < values.Length; i++)
        {
            var (image, _) = await ImageJobData.ImageAsync(App, $"case{i + 1}.mha");
            images.Add(image.Id);
            // The images are stored directly (no upload session), so only a site admin may see them to put them on items.
            var item = await items.CreateAsync(AdminActor with { IsSiteAdmin = true }, archive.Value!.Id, $"case-{i + 1}",
                [ItemValueDraft.OfImage(ImageSocket, image.Id), ItemValueDraft.OfJson(ValueSocket, JsonValue.Create(values[i]))]);
            item.Succeeded.Should().BeTrue(item.Error);
        }

        return (archive.Value!.Slug, images);
    }

    /// <summary>An algorithm phase on the archive, its method imported and active, and a ground truth.</summary>
    public async Task<string> CreatePhaseAsync(string archiveSlug, object? settings = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["title"] = $"Phase {Guid.NewGuid():N}"[..20],
            ["submission_kind"] = "algorithm",
            ["archive"] = archiveSlug,
            ["algorithm_interfaces"] = new[] { new { inputs = new[] { ImageSocket, ValueSocket }, outputs = new[] { ScoreSocket } } },
            ["algorithm_time_limit"] = 300,
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
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pk").GetString()!;

        using var method = new MultipartFormDataContent { { new StreamContent(File.OpenRead(MethodArchive)), "file", "method.tar" } };
        var upload = await Admin.PostAsync($"/api/v1/phases/{id}/methods/", method);
        upload.StatusCode.Should().Be(HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());
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

        var truth = await Admin.PostAsync($"/api/v1/phases/{id}/ground-truths/", EvaluationWorld.File("truth.tar.gz", EvaluationWorld.TarGz(("truth.csv", "case,label\n1,0.5\n"))));
        truth.StatusCode.Should().Be(HttpStatusCode.Created, await truth.Content.ReadAsStringAsync());
        return id;
    }

    /// <summary>An algorithm the client creates for the phase, with the inference image uploaded and imported; returns (algorithm id, image id).</summary>
    public async Task<(Guid Algorithm, Guid Image)> CreateAlgorithmWithImageAsync(HttpClient client, ApplicationUser user, string phaseId, string? title = null)
    {
        var created = await client.PostAsJsonAsync($"/api/v1/phases/{phaseId}/algorithms/", new { title = title ?? $"Detector {Guid.NewGuid():N}"[..20], job_requires_memory_gb = 4 });
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var algorithm = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pk").GetGuid();
        return (algorithm, await UploadImageAsync(user, algorithm));
    }

    /// <summary>Uploads the inference image to an algorithm through the container-image service, as its editor, and waits for the import.</summary>
    public async Task<Guid> UploadImageAsync(ApplicationUser user, Guid algorithmId)
    {
        var images = App.Services.GetRequiredService<IContainerImageService>();
        await using var archive = File.OpenRead(AlgorithmArchive);
        var created = await images.CreateAsync(ContainerImageKind.Algorithm, algorithmId, new Actor(user.Id, false), archive, "algorithm.tar", null);
        created.Succeeded.Should().BeTrue(created.Error);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var info = await images.GetAsync(created.Value!.Id);
            if (info!.ImportStatus == ContainerImageImportStatus.Completed && info.IsLoaded)
            {
                return info.Id;
            }

            info.ImportStatus.Should().NotBe(ContainerImageImportStatus.Failed, info.StatusMessage);
            DateTime.UtcNow.Should().BeBefore(deadline, "the algorithm image import should finish");
            await Task.Delay(250);
        }
    }

    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string phaseId, Guid imageId) =>
        await client.PostAsJsonAsync($"/api/v1/phases/{phaseId}/submissions/", new { algorithm_image = $"http://localhost/api/v1/algorithms/images/{imageId}/" });

    public static async Task<string> SubmitOkAsync(HttpClient client, string phaseId, Guid imageId)
    {
        var response = await SubmitAsync(client, phaseId, imageId);
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pk").GetString()!;
    }

    public T Db<T>(Func<AppDbContext, T> query) => App.Db(query);
}

/// <summary>The same world on PostgreSQL.</summary>
public sealed class PostgresAlgorithmPhaseWorld() : AlgorithmPhaseWorld(new PostgresAppFixture());
