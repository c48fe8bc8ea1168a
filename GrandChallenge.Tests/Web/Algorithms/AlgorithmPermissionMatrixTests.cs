using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Domain.Algorithms;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Algorithms;

/// <summary>
/// Every algorithm endpoint and page asked by anonymous, a stranger, the algorithm's user and editor, and a site admin, on a
/// hidden algorithm: it does not exist for anonymous visitors and strangers, users see it but may not change it.
/// <see cref="PermissionMatrixTests"/> counts these rows as covering the routes.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AlgorithmPermissionMatrixTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IAsyncLifetime
{
    private const int Anonymous = 0, Stranger = 1, User = 2, Editor = 3, SiteAdmin = 4;
    private static readonly string[] Personas = ["anonymous", "stranger", "user", "editor", "site admin"];

    private readonly HttpClient[] _clients = new HttpClient[5];
    private readonly List<string> _socketPool = [];
    private readonly List<string> _userPool = [];
    private int _socketNext;
    private int _userNext;
    private int _modelNext;
    private Actor _editor = default!;
    private string _suffix = "";
    private Algorithm _hidden = default!;
    private Guid _image;
    private Guid _model;

    private GrandChallengeAppFactory App => fixture.App;

    private T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public sealed record Row(string Method, string Route, Func<Task<string>> Url, int[] Expected, Func<HttpContent>? Body = null);

    public async Task InitializeAsync()
    {
        await DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());
        var suffix = _suffix = Guid.NewGuid().ToString("N")[..8];
        _clients[Anonymous] = App.CreateClient(new() { AllowAutoRedirect = false });
        _clients[Stranger] = await App.CreateClientForNewUserAsync($"gstranger{suffix}");
        _clients[User] = await App.CreateClientForNewUserAsync($"guser{suffix}");
        _clients[Editor] = await App.CreateClientForNewUserAsync($"geditor{suffix}");
        _clients[SiteAdmin] = await App.CreateClientForNewUserAsync($"gsite{suffix}", siteAdmin: true);
        _editor = new Actor((await App.CreateUserAsync($"gowner{suffix}")).Id, false);

        var algorithms = Service<IAlgorithmService>();
        _hidden = (await algorithms.CreateAsync(_editor, new NewAlgorithm($"Matrix hidden algorithm {suffix}",
            [new([DefaultSockets.GenericMedicalImage], [DefaultSockets.GenericOverlay])]))).Value!;
        (await algorithms.AddMemberAsync(_editor, _hidden.Id, ObjectRoles.User, $"guser{suffix}")).Succeeded.Should().BeTrue();
        (await algorithms.AddMemberAsync(_editor, _hidden.Id, ObjectRoles.Editor, $"geditor{suffix}")).Succeeded.Should().BeTrue();

        for (var i = 0; i < 5; i++)
        {
            var title = $"Matrix input {suffix} {i}";
            var socket = await Service<ISocketService>().CreateAsync(new Actor(Guid.NewGuid(), true),
                new SocketDraft(title, "FLT", $"matrix-input-{suffix}-{i}.json", StoreInDatabase: true));
            _socketPool.Add(socket.Value!.Slug);
            _userPool.Add((await App.CreateUserAsync($"gpool{suffix}{i}")).UserName!);
        }

        var image = new ContainerImage
        {
            Kind = ContainerImageKind.Algorithm,
            OwnerId = _hidden.Id,
            Filename = "matrix.tar",
            BlobKey = "container-images/matrix/matrix.tar",
            ImportStatus = ContainerImageImportStatus.Completed,
            IsManifestValid = true,
            IsLoaded = true,
            ImageSha256 = "sha256:" + new string('a', 64),
        };
        await using (var db = Service<IDbContextFactory<AppDbContext>>().CreateDbContext())
        {
            db.ContainerImages.Add(image);
            await db.SaveChangesAsync();
        }

        _image = image.Id;
        (await algorithms.SetLogoAsync(_editor, _hidden.Id, new MemoryStream(Convert.FromBase64String(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")))).Succeeded.Should().BeTrue();
        _hidden = App.Db(db => db.Algorithms.Single(a => a.Id == _hidden.Id));
        _model = (await Service<IAlgorithmModelService>().UploadAsync(_editor, _hidden.Id,
            AlgorithmModelServiceTests.TarGz(("weights.bin", "matrix")), "matrix.tar.gz", null)).Value!.Id;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private MultipartFormDataContent File(string filename, Stream content)
    {
        var file = new StreamContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { file, "file", filename } };
    }

    private async Task<string> FreshMemberAsync()
    {
        var user = await App.CreateUserAsync($"gfresh{Guid.NewGuid():N}"[..16]);
        (await Service<IAlgorithmService>().AddMemberAsync(_editor, _hidden.Id, ObjectRoles.User, user.UserName)).Succeeded.Should().BeTrue();
        return $"/api/v1/algorithms/{_hidden.Slug}/members/user/{user.Id}/";
    }

    /// <summary>A hidden algorithm with the same members as the matrix's, to be deleted.</summary>
    private async Task<string> FreshAlgorithmAsync()
    {
        var algorithms = Service<IAlgorithmService>();
        var algorithm = (await algorithms.CreateAsync(_editor, new NewAlgorithm($"Matrix doomed algorithm {Guid.NewGuid():N}",
            [new([DefaultSockets.GenericMedicalImage], [DefaultSockets.GenericOverlay])]))).Value!;
        (await algorithms.AddMemberAsync(_editor, algorithm.Id, ObjectRoles.User, $"guser{_suffix}")).Succeeded.Should().BeTrue();
        (await algorithms.AddMemberAsync(_editor, algorithm.Id, ObjectRoles.Editor, $"geditor{_suffix}")).Succeeded.Should().BeTrue();
        return $"/api/v1/algorithms/{algorithm.Slug}/";
    }

    private async Task<string> FreshRequestAsync()
    {
        var user = await App.CreateUserAsync($"greq{Guid.NewGuid():N}"[..16]);
        var request = new AlgorithmPermissionRequest { AlgorithmId = _hidden.Id, UserId = user.Id };
        await using var db = Service<IDbContextFactory<AppDbContext>>().CreateDbContext();
        db.AlgorithmPermissionRequests.Add(request);
        await db.SaveChangesAsync();
        return $"/api/v1/algorithms/access-requests/{request.Id}/";
    }

    private IEnumerable<Row> Rows()
    {
        Task<string> Fixed(string url) => Task.FromResult(url);
        var slug = _hidden?.Slug ?? "";
        var visible = new[] { 404, 404, 200, 200, 200 };
        var editorsOnly = new[] { 401, 404, 403, 200, 200 };
        var editorsOnlyGet = new[] { 404, 404, 403, 200, 200 };
        var editorsCreate = new[] { 401, 404, 403, 201, 201 };

        yield return new("GET", "/api/v1/algorithms/", () => Fixed("/api/v1/algorithms/"), [200, 200, 200, 200, 200]);
        yield return new("POST", "/api/v1/algorithms/", () => Fixed("/api/v1/algorithms/"), [401, 201, 201, 201, 201],
            () => JsonContent.Create(new
            {
                title = $"Matrix algorithm {Guid.NewGuid():N}",
                interfaces = new[] { new { inputs = new[] { DefaultSockets.GenericMedicalImage }, outputs = new[] { DefaultSockets.GenericOverlay } } },
            }));
        yield return new("GET", "/api/v1/algorithms/{slug}/", () => Fixed($"/api/v1/algorithms/{slug}/"), visible);
        yield return new("PATCH", "/api/v1/algorithms/{slug}/", () => Fixed($"/api/v1/algorithms/{slug}/"), editorsOnly,
            () => JsonContent.Create(new { description = "Changed by the matrix" }));
        yield return new("DELETE", "/api/v1/algorithms/{slug}/", FreshAlgorithmAsync, [401, 404, 403, 204, 204]);
        yield return new("GET", "/api/v1/algorithms/{slug}/logo/", () => Fixed($"/api/v1/algorithms/{slug}/logo/"), visible);
        yield return new("POST", "/api/v1/algorithms/{slug}/interfaces/", () => Fixed($"/api/v1/algorithms/{slug}/interfaces/"), editorsOnly,
            () => JsonContent.Create(new { inputs = new[] { _socketPool[_socketNext++ % _socketPool.Count] }, outputs = new[] { DefaultSockets.GenericOverlay } }));
        yield return new("POST", "/api/v1/algorithms/{slug}/images/", () => Fixed($"/api/v1/algorithms/{slug}/images/"), editorsCreate,
            () => File("matrix.tar", new MemoryStream(new byte[2048])));
        yield return new("GET", "/api/v1/algorithms/images/", () => Fixed($"/api/v1/algorithms/images/?algorithm={slug}"), editorsOnly);
        yield return new("GET", "/api/v1/algorithms/images/{id:guid}/", () => Fixed($"/api/v1/algorithms/images/{_image}/"), editorsOnlyGet);
        yield return new("POST", "/api/v1/algorithms/images/{id:guid}/activate/", () => Fixed($"/api/v1/algorithms/images/{_image}/activate/"), editorsOnly);
        yield return new("GET", "/api/v1/algorithms/{slug}/models/", () => Fixed($"/api/v1/algorithms/{slug}/models/"), editorsOnly);
        yield return new("POST", "/api/v1/algorithms/{slug}/models/", () => Fixed($"/api/v1/algorithms/{slug}/models/"), editorsCreate,
            () => File("model.tar.gz", AlgorithmModelServiceTests.TarGz(("weights.bin", $"matrix {_modelNext++} {Guid.NewGuid()}"))));
        yield return new("GET", "/api/v1/algorithms/models/{id:guid}/", () => Fixed($"/api/v1/algorithms/models/{_model}/"), editorsOnlyGet);
        yield return new("POST", "/api/v1/algorithms/models/{id:guid}/activate/", () => Fixed($"/api/v1/algorithms/models/{_model}/activate/"), editorsOnly);
        yield return new("POST", "/api/v1/algorithms/models/{id:guid}/deactivate/", () => Fixed($"/api/v1/algorithms/models/{_model}/deactivate/"), editorsOnly);
        yield return new("GET", "/api/v1/algorithms/{slug}/members/", () => Fixed($"/api/v1/algorithms/{slug}/members/"), editorsOnly);
        yield return new("POST", "/api/v1/algorithms/{slug}/members/", () => Fixed($"/api/v1/algorithms/{slug}/members/"), editorsCreate,
            () => JsonContent.Create(new { username = _userPool[_userNext++ % _userPool.Count], role = "user" }));
        yield return new("DELETE", "/api/v1/algorithms/{slug}/members/{role}/{userId:guid}/", FreshMemberAsync, [401, 404, 403, 204, 204]);
        yield return new("GET", "/api/v1/algorithms/{slug}/access-requests/", () => Fixed($"/api/v1/algorithms/{slug}/access-requests/"), editorsOnly);
        // Members already have access; a hidden algorithm takes no requests from strangers.
        yield return new("POST", "/api/v1/algorithms/{slug}/access-requests/", () => Fixed($"/api/v1/algorithms/{slug}/access-requests/"), [401, 404, 400, 400, 400]);
        yield return new("PATCH", "/api/v1/algorithms/access-requests/{id:guid}/", FreshRequestAsync, editorsOnly,
            () => JsonContent.Create(new { status = "accepted" }));
    }

    public static IEnumerable<string> CoveredRoutes() =>
        new AlgorithmPermissionMatrixTests(null!).Rows().Select(r => $"{r.Method} {r.Route.TrimEnd('/')}");

    [Fact]
    public async Task Each_persona_gets_exactly_what_it_should_from_each_algorithm_endpoint()
    {
        var failures = new List<string>();
        foreach (var row in Rows())
        {
            for (var persona = 0; persona < Personas.Length; persona++)
            {
                var request = new HttpRequestMessage(new HttpMethod(row.Method), await row.Url()) { Content = row.Body?.Invoke() };
                var response = await _clients[persona].SendAsync(request);
                if ((int)response.StatusCode != row.Expected[persona])
                {
                    failures.Add($"{row.Method} {request.RequestUri} as {Personas[persona]}: {(int)response.StatusCode}, expected {row.Expected[persona]}: "
                                 + await response.Content.ReadAsStringAsync());
                }
            }
        }

        failures.Should().BeEmpty();
    }

    [Fact]
    public async Task A_hidden_algorithm_is_listed_only_for_its_members_and_site_admins()
    {
        var expected = new[] { false, false, true, true, true };
        for (var persona = 0; persona < Personas.Length; persona++)
        {
            var html = await (await _clients[persona].GetAsync("/algorithms")).Content.ReadAsStringAsync();
            html.Should().Contain("algorithm-table");
            html.Contains(_hidden.Title).Should().Be(expected[persona], Personas[persona]);
            html.Contains($"data-algorithm-logo=\"{_hidden.Slug}\"").Should().Be(expected[persona], Personas[persona]);
            var api = await (await _clients[persona].GetAsync($"/api/v1/algorithms/?slug={_hidden.Slug}")).Content.ReadAsStringAsync();
            api.Contains(_hidden.Title).Should().Be(expected[persona], Personas[persona]);
        }
    }

    [Fact]
    public async Task The_algorithm_page_answers_404_to_those_who_may_not_see_it_and_shows_editor_tabs_to_editors_only()
    {
        var url = $"/algorithms/{_hidden.Slug}";
        for (var persona = 0; persona < Personas.Length; persona++)
        {
            var response = await _clients[persona].GetAsync(url);
            var html = await response.Content.ReadAsStringAsync();
            if (persona is Anonymous or Stranger)
            {
                response.StatusCode.Should().Be(HttpStatusCode.NotFound, Personas[persona]);
                html.Should().NotContain(_hidden.Title);
                continue;
            }

            response.StatusCode.Should().Be(HttpStatusCode.OK, Personas[persona]);
            html.Should().Contain(_hidden.Title).And.Contain("algorithm-run-link").And.Contain("algorithm-jobs-link")
                .And.Contain($"src=\"/api/v1/algorithms/{_hidden.Slug}/logo/?v=");
            html.Contains("algorithm-editor-tabs").Should().Be(persona is Editor or SiteAdmin, Personas[persona]);
        }

        (await _clients[Anonymous].GetAsync("/algorithms/create")).Headers.Location!.ToString().Should().Contain("account/login");
        var create = await _clients[Stranger].GetAsync("/algorithms/create");
        create.StatusCode.Should().Be(HttpStatusCode.OK);
        (await create.Content.ReadAsStringAsync()).Should().Contain("algorithm-form");
    }
}
