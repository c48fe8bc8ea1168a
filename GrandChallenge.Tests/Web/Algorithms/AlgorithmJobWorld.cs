using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Algorithms;

/// <summary>
/// An algorithm built from <c>docker/test-images/algorithm-threshold</c>, its rows inserted directly (image built into the
/// engine, marked loaded and active): an editor, a user, a stranger; sockets <c>ct-image</c> (input), the mask and the
/// fraction (outputs) and <c>threshold-mode</c> (a string input that makes the container misbehave).
/// </summary>
public class AlgorithmJobWorld : IAsyncLifetime
{
    public const string InputSocket = "ct-image";
    public const string ModeSocket = "threshold-mode";
    public const string MaskSocket = "algorithm-threshold-mask";
    public const string FractionSocket = "algorithm-threshold-fraction";
    public const string ChartSocket = "algorithm-threshold-chart";

    private readonly AppFixture _fixture;

    public AlgorithmJobWorld()
        : this(new SqliteAppFixture())
    {
    }

    protected AlgorithmJobWorld(AppFixture fixture) => _fixture = fixture;

    public GrandChallengeAppFactory App => _fixture.App;
    public Algorithm Algorithm { get; private set; } = default!;
    public ApplicationUser EditorUser { get; private set; } = default!;
    public ApplicationUser UserUser { get; private set; } = default!;
    public ApplicationUser StrangerUser { get; private set; } = default!;
    public HttpClient Editor { get; private set; } = default!;
    public HttpClient User { get; private set; } = default!;
    public HttpClient Stranger { get; private set; } = default!;
    public HttpClient Anonymous { get; private set; } = default!;
    public string ImageSha { get; private set; } = "";
    public string Suffix { get; } = Guid.NewGuid().ToString("N")[..8];

    public virtual async Task InitializeAsync()
    {
        await _fixture.InitializeAsync();
        var tag = await DockerTestImages.BuildAsync("algorithm-threshold");
        ImageSha = (await DockerTestImages.RunAsync("docker", "image", "inspect", "--format", "{{.Id}}", tag)).Trim();

        EditorUser = await App.CreateUserAsync($"aedit{Suffix}");
        UserUser = await App.CreateUserAsync($"auser{Suffix}");
        StrangerUser = await App.CreateUserAsync($"astr{Suffix}");
        Editor = App.CreateClientWithToken(await App.CreateTokenAsync(EditorUser.Id));
        User = App.CreateClientWithToken(await App.CreateTokenAsync(UserUser.Id));
        Stranger = App.CreateClientWithToken(await App.CreateTokenAsync(StrangerUser.Id));
        Anonymous = App.CreateClient();
        Algorithm = await CreateAlgorithmAsync($"threshold-{Suffix}", "Threshold");
    }

    /// <summary>
    /// An algorithm with both interfaces, the editor and user roles, and the threshold image active; the image-only
    /// interface produces <paramref name="outputs"/> (default the mask and the fraction).
    /// </summary>
    public async Task<Algorithm> CreateAlgorithmAsync(string slug, string title, int quota = 50, string[]? outputs = null)
    {
        await using var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        await EnsureSocketsAsync(db);
        var plain = await AlgorithmInterfaces.GetOrCreateAsync(db, [InputSocket], outputs ?? [MaskSocket, FractionSocket]);
        var steered = await AlgorithmInterfaces.GetOrCreateAsync(db, [InputSocket, ModeSocket], [MaskSocket, FractionSocket]);
        var algorithm = new Algorithm
        {
            Title = title,
            Slug = slug,
            InterfaceIds = [plain.Value!.Id, steered.Value!.Id],
            TimeLimitSeconds = 120,
            MemoryGb = 1,
            JobQuotaPerUser = quota,
            CreatorId = EditorUser.Id,
        };
        db.Algorithms.Add(algorithm);
        db.ContainerImages.Add(new ContainerImage
        {
            Kind = ContainerImageKind.Algorithm,
            OwnerId = algorithm.Id,
            CreatorId = EditorUser.Id,
            BlobKey = $"container-images/{Guid.NewGuid()}/algorithm.tar",
            Filename = "algorithm.tar",
            ImageSha256 = ImageSha,
            ImportStatus = ContainerImageImportStatus.Completed,
            IsManifestValid = true,
            IsLoaded = true,
            IsDesiredVersion = true,
        });
        await db.SaveChangesAsync();
        var permissions = App.Services.GetRequiredService<IPermissionService>();
        await permissions.GrantAsync(ObjectKinds.Algorithm, algorithm.Id, ObjectRoles.Editor, EditorUser.Id);
        await permissions.GrantAsync(ObjectKinds.Algorithm, algorithm.Id, ObjectRoles.User, UserUser.Id);
        return algorithm;
    }

    private static async Task EnsureSocketsAsync(AppDbContext db)
    {
        (string Slug, string Kind, string Path, bool Db)[] wanted =
        [
            (InputSocket, SocketKinds.Image, $"images/{InputSocket}", false),
            (ModeSocket, SocketKinds.String, "threshold-mode.json", true),
            (MaskSocket, SocketKinds.Segmentation, $"images/{MaskSocket}", false),
            (FractionSocket, SocketKinds.Float, $"{FractionSocket}.json", true),
            (ChartSocket, SocketKinds.Chart, $"{ChartSocket}.json", true),
        ];
        foreach (var (slug, kind, path, inDb) in wanted)
        {
            if (!await db.Sockets.AnyAsync(s => s.Slug == slug))
            {
                db.Sockets.Add(new Socket { Title = slug, Slug = slug, Kind = kind, RelativePath = path, StoreInDatabase = inDb });
            }
        }

        await db.SaveChangesAsync();
    }

    /// <summary>Makes <paramref name="threshold"/> the algorithm's active model: a <c>.tar.gz</c> holding <c>threshold.txt</c>.</summary>
    public async Task<AlgorithmModel> ActivateModelAsync(Guid algorithmId, int threshold)
    {
        var blobs = App.Services.GetRequiredService<IBlobStore>();
        var id = Guid.NewGuid();
        var key = $"algorithm-models/{id}/model.tar.gz";
        var tarball = TarGz(("threshold.txt", $"{threshold}\n"));
        await blobs.WriteAsync(key, new MemoryStream(tarball));
        await using var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        await db.AlgorithmModels.Where(m => m.AlgorithmId == algorithmId).ExecuteUpdateAsync(s => s.SetProperty(m => m.IsDesiredVersion, false));
        var model = new AlgorithmModel
        {
            Id = id,
            AlgorithmId = algorithmId,
            BlobKey = key,
            Filename = "model.tar.gz",
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(tarball)),
            SizeBytes = tarball.Length,
            IsDesiredVersion = true,
        };
        db.AlgorithmModels.Add(model);
        await db.SaveChangesAsync();
        return model;
    }

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

    /// <summary>An uncompressed 8×8×2 MET_UCHAR image whose voxels are 0, 2, 4, … 254 (so 50% lie above 127).</summary>
    public static byte[] RampMha()
    {
        var header = "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\nCompressedData = False\n"
                     + "TransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = 0 0 0\nElementSpacing = 0.5 0.5 2\nDimSize = 8 8 2\n"
                     + "ElementType = MET_UCHAR\nElementDataFile = LOCAL\n";
        return [.. Encoding.ASCII.GetBytes(header), .. Enumerable.Range(0, 128).Select(i => (byte)(i * 2))];
    }

    /// <summary>
    /// Uploads the ramp image (or <paramref name="content"/>) into a new archive of the client's, or with
    /// <paramref name="forJobInput"/> as a session naming only the input socket, and waits for the import unless told not to.
    /// </summary>
    public async Task<JsonElement> UploadImageAsync(HttpClient client, bool wait = true, bool forJobInput = false, byte[]? content = null, string name = "ramp.mha")
    {
        var file = new ByteArrayContent(content ?? RampMha());
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var form = new MultipartFormDataContent();
        if (forJobInput)
        {
            form.Add(new StringContent(InputSocket), "socket");
        }
        else
        {
            var archiveSlug = $"arch-{Guid.NewGuid():N}"[..20];
            var archive = await client.PostAsJsonAsync("/api/v1/archives/", new { title = archiveSlug, slug = archiveSlug });
            archive.StatusCode.Should().Be(HttpStatusCode.Created, await archive.Content.ReadAsStringAsync());
            form.Add(new StringContent(archiveSlug), "archive");
        }

        form.Add(file, "files", name);
        var posted = await client.PostAsync("/api/v1/cases/upload-sessions/", form);
        posted.StatusCode.Should().Be(HttpStatusCode.Created, await posted.Content.ReadAsStringAsync());
        var session = await posted.Content.ReadFromJsonAsync<JsonElement>();
        if (!wait)
        {
            return session;
        }

        var url = session.GetProperty("api_url").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            session = await client.GetFromJsonAsync<JsonElement>(url);
            if (session.GetProperty("status").GetString() is "Succeeded" or "Failed" or "Cancelled")
            {
                session.GetProperty("status").GetString().Should().Be("Succeeded", session.ToString());
                return session;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, "the import should finish");
            await Task.Delay(100);
        }
    }

    public static async Task<string> ImageIdAsync(GrandChallengeAppFactory app, JsonElement session) =>
        await Task.FromResult(session.GetProperty("images").EnumerateArray().Single().GetString()!);

    public async Task<HttpResponseMessage> RunAsync(HttpClient client, string algorithm, params object[] inputs) =>
        await client.PostAsJsonAsync("/api/v1/algorithms/jobs/", new { algorithm, inputs });

    /// <summary>Waits until the job has ended and returns it as the client sees it.</summary>
    public static async Task<JsonElement> WaitForJobAsync(HttpClient client, string jobUrl, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>(jobUrl);
            if (job.GetProperty("status").GetString() is "Succeeded" or "Failed" or "Cancelled")
            {
                return job;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, $"the job should end (it is {job.GetProperty("status").GetString()})");
            await Task.Delay(200);
        }
    }

    public virtual async Task DisposeAsync() => await _fixture.DisposeAsync();
}

/// <summary>The same world on a loopback Kestrel port, for the browser tests.</summary>
public sealed class KestrelAlgorithmJobWorld() : AlgorithmJobWorld(new KestrelAppFixture());
