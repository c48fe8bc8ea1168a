using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Algorithms;

/// <summary>
/// Every algorithm job endpoint asked by anonymous, a stranger, the job's creator (a user of the algorithm), the
/// algorithm's editor and a site admin, on a private algorithm. <see cref="PermissionMatrixTests"/> counts these rows.
/// </summary>
[Trait("Category", "Docker")]
public sealed class AlgorithmJobPermissionMatrixTests(AlgorithmJobWorld world) : IClassFixture<AlgorithmJobWorld>
{
    private static readonly string[] Personas = ["anonymous", "stranger", "creator", "editor", "site admin"];

    public sealed record Row(string Method, string Route, Func<Task<string>> Url, int[] Expected, Func<HttpContent>? Body = null);

    private const string Jobs = "/api/v1/algorithms/jobs";
    private string _job = "";
    private string _image = "";
    private long _file;
    private string _viewer = "";

    public static IEnumerable<string> CoveredRoutes() =>
        new AlgorithmJobPermissionMatrixTests(null!).Rows().Select(r => $"{r.Method} {r.Route.TrimEnd('/')}");

    private IEnumerable<Row> Rows()
    {
        Task<string> Fixed(string url) => Task.FromResult(url);
        yield return new("GET", $"{Jobs}/", () => Fixed($"{Jobs}/?algorithm={world.Algorithm.Slug}"), [200, 200, 200, 200, 200]);
        // The same inputs as the finished job: everyone who may run the algorithm gets that job back.
        yield return new("POST", $"{Jobs}/", () => Fixed($"{Jobs}/"), [401, 404, 200, 200, 200],
            () => JsonContent.Create(new { algorithm = world.Algorithm.Slug, inputs = new object[] { new { @interface = AlgorithmJobWorld.InputSocket, image = _image } } }));
        yield return new("GET", $"{Jobs}/{{id:guid}}/", () => Fixed($"{Jobs}/{_job}/"), [404, 404, 200, 200, 200]);
        yield return new("PATCH", $"{Jobs}/{{id:guid}}/", () => Fixed($"{Jobs}/{_job}/"), [401, 404, 200, 200, 200], () => JsonContent.Create(new { @public = false }));
        yield return new("POST", $"{Jobs}/{{id:guid}}/cancel/", async () => $"{Jobs}/{await HeldJobAsync()}/cancel/", [401, 404, 200, 200, 200]);
        yield return new("POST", $"{Jobs}/{{id:guid}}/rerun/", () => Fixed($"{Jobs}/{_job}/rerun/"), [401, 404, 201, 201, 201]);
        yield return new("POST", $"{Jobs}/{{id:guid}}/viewers/", () => Fixed($"{Jobs}/{_job}/viewers/"), [401, 404, 200, 200, 200],
            () => JsonContent.Create(new { username = _viewer }));
        yield return new("DELETE", $"{Jobs}/{{id:guid}}/viewers/{{username}}/", () => Fixed($"{Jobs}/{_job}/viewers/{_viewer}/"), [401, 404, 200, 200, 200]);
        yield return new("GET", $"{Jobs}/{{id:guid}}/files/{{valueId:long}}/", () => Fixed($"{Jobs}/{_job}/files/{_file}/"), [404, 404, 200, 200, 200]);
    }

    /// <summary>A job of the creator's that waits (held back from the workers), so that cancelling it is possible.</summary>
    private async Task<Guid> HeldJobAsync()
    {
        await using var db = world.App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        var job = new ComponentJob
        {
            Kind = ComponentJobKind.Algorithm,
            ImageReference = world.ImageSha,
            CreatorId = world.UserUser.Id,
            RetryAfter = DateTimeOffset.UtcNow.AddHours(1),
        };
        var imageId = (await AlgorithmQueries.ActiveImageAsync(db, world.Algorithm.Id))!.Id;
        db.ComponentJobs.Add(job);
        db.AlgorithmJobs.Add(new AlgorithmJob
        {
            JobId = job.Id,
            AlgorithmId = world.Algorithm.Id,
            AlgorithmImageId = imageId,
            InterfaceId = world.Algorithm.InterfaceIds[0],
            CreatorId = world.UserUser.Id,
            InputsKey = $"held-{job.Id:N}",
        });
        await db.SaveChangesAsync();
        return job.Id;
    }

    [Fact]
    public async Task Each_persona_gets_exactly_what_it_should_from_each_algorithm_job_endpoint()
    {
        var admin = await world.App.CreateClientForNewUserAsync($"jadmin{Guid.NewGuid():N}"[..16], siteAdmin: true);
        var clients = new[] { world.Anonymous, world.Stranger, world.User, world.Editor, admin };
        _viewer = (await world.App.CreateUserAsync($"jview{Guid.NewGuid():N}"[..16])).UserName!;
        _image = await AlgorithmJobWorld.ImageIdAsync(world.App, await world.UploadImageAsync(world.User));
        var created = await world.RunAsync(world.User, world.Algorithm.Slug, new { @interface = AlgorithmJobWorld.InputSocket, image = _image });
        var job = await AlgorithmJobWorld.WaitForJobAsync(world.User, (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_url").GetString()!);
        job.GetProperty("status").GetString().Should().Be("Succeeded");
        _job = job.GetProperty("pk").GetString()!;

        // A file output, for the download row.
        await using (var db = world.App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext())
        {
            var socket = await db.Sockets.SingleAsync(s => s.Slug == DefaultSockets.PredictionsCsvFile);
            var value = await world.App.Services.GetRequiredService<ISocketValueService>()
                .CreateFileAsync(socket, new MemoryStream("case,score\n1,0.5\n"u8.ToArray()), "predictions.csv");
            value.Succeeded.Should().BeTrue(value.Error);
            _file = value.Value!.Id;
            db.ComponentJobValues.Add(new ComponentJobValue { JobId = Guid.Parse(_job), SocketValueId = _file, IsOutput = true });
            await db.SaveChangesAsync();
        }

        var failures = new List<string>();
        foreach (var row in Rows())
        {
            for (var persona = 0; persona < Personas.Length; persona++)
            {
                var request = new HttpRequestMessage(new HttpMethod(row.Method), await row.Url()) { Content = row.Body?.Invoke() };
                var response = await clients[persona].SendAsync(request);
                if ((int)response.StatusCode != row.Expected[persona])
                {
                    failures.Add($"{row.Method} {row.Route} as {Personas[persona]}: {(int)response.StatusCode}, expected {row.Expected[persona]}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        failures.Should().BeEmpty();
        var download = await world.User.GetAsync($"{Jobs}/{_job}/files/{_file}/");
        (await download.Content.ReadAsStringAsync()).Should().Be("case,score\n1,0.5\n");
        var fraction = job.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("value").ValueKind == JsonValueKind.Number).GetProperty("pk").GetInt64();
        (await world.Editor.GetAsync($"{Jobs}/{_job}/files/{fraction}/")).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound, "a JSON value kept in the database is no file");
    }
}
