using System.Net;
using System.Net.Http.Json;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Archives;

/// <summary>
/// Every archive and image endpoint and page asked by anonymous, a stranger, the archive's user, uploader and editor, and a
/// site admin, on a hidden archive: it does not exist for anonymous visitors and strangers. <see cref="PermissionMatrixTests"/>
/// counts these rows as covering the routes.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ArchivePermissionMatrixTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IAsyncLifetime
{
    private const int Anonymous = 0, Stranger = 1, User = 2, Uploader = 3, Editor = 4, SiteAdmin = 5;
    private static readonly string[] Personas = ["anonymous", "stranger", "user", "uploader", "editor", "site admin"];

    private readonly HttpClient[] _clients = new HttpClient[6];
    private Actor _editor = default!;
    private Archive _hidden = default!;
    private Guid _item;
    private Guid _image;
    private Guid _file;
    private Guid _fileItem;
    private long _fileValue;
    private readonly Dictionary<int, string> _usernames = [];

    private GrandChallengeAppFactory App => fixture.App;

    public sealed record Row(string Method, string Route, Func<Task<string>> Url, int[] Expected, Func<HttpContent>? Body = null);

    public async Task InitializeAsync()
    {
        await DefaultSockets.EnsureAsync(App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        var suffix = Guid.NewGuid().ToString("N")[..8];
        _clients[Anonymous] = App.CreateClient(new() { AllowAutoRedirect = false });
        _clients[Stranger] = await App.CreateClientForNewUserAsync($"astranger{suffix}");
        var editor = await App.CreateUserAsync($"aeditor{suffix}");
        _editor = new Actor(editor.Id, false);
        _clients[Editor] = await App.CreateClientForNewUserAsync($"aeditorweb{suffix}");
        _clients[SiteAdmin] = await App.CreateClientForNewUserAsync($"asite{suffix}", siteAdmin: true);

        var archives = App.Services.GetRequiredService<IArchiveService>();
        _hidden = (await archives.CreateAsync(_editor, new NewArchive($"Matrix hidden archive {suffix}"))).Value!;
        foreach (var (persona, role) in new[] { (User, ObjectRoles.User), (Uploader, ObjectRoles.Uploader), (Editor, ObjectRoles.Editor) })
        {
            var name = $"a{role}{suffix}";
            if (persona != Editor)
            {
                _clients[persona] = await App.CreateClientForNewUserAsync(name);
            }
            else
            {
                name = $"aeditorweb{suffix}";
            }

            _usernames[persona] = name;

            (await archives.AddMemberAsync(_editor, _hidden.Id, role, name)).Succeeded.Should().BeTrue();
        }

        (_image, _file) = await ImageAsync(editor.Id);
        var item = await App.Services.GetRequiredService<IArchiveItemService>().CreateAsync(_editor, _hidden.Id, "Matrix item",
            [ItemValueDraft.OfImage(DefaultSockets.GenericMedicalImage, _image)]);
        item.Succeeded.Should().BeTrue(item.Error);
        _item = item.Value!.Id;
        var fileItem = await App.Services.GetRequiredService<IArchiveItemService>().CreateAsync(_editor, _hidden.Id, "Matrix file item",
            [ItemValueDraft.OfFile(DefaultSockets.PredictionsCsvFile, new MemoryStream("case,score\n1,0.5\n"u8.ToArray()), "predictions.csv")]);
        fileItem.Succeeded.Should().BeTrue(fileItem.Error);
        (_fileItem, _fileValue) = (fileItem.Value!.Id, fileItem.Value.Values.Single().ValueId);
    }

    /// <summary>A hidden archive with the same members as the matrix's, for the rows that delete one.</summary>
    private async Task<string> FreshArchiveAsync()
    {
        var archives = App.Services.GetRequiredService<IArchiveService>();
        var archive = (await archives.CreateAsync(_editor, new NewArchive($"Matrix doomed archive {Guid.NewGuid():N}"))).Value!;
        foreach (var (persona, role) in new[] { (User, ObjectRoles.User), (Uploader, ObjectRoles.Uploader), (Editor, ObjectRoles.Editor) })
        {
            (await archives.AddMemberAsync(_editor, archive.Id, role, _usernames[persona])).Succeeded.Should().BeTrue();
        }

        return $"/api/v1/archives/{archive.Slug}/";
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(Guid Image, Guid File)> ImageAsync(Guid creator)
    {
        var session = new UploadSession { CreatorId = creator };
        var image = new Image { Name = "matrix.mha", Width = 2, Height = 2, OriginId = session.Id };
        var file = new ImageFile { ImageId = image.Id, FileName = "matrix.mha", ImageType = ImageFileType.Mhd };
        image.Files.Add(file);
        using var volume = new GrandChallenge.Domain.Imaging.ImageVolume(2, 2, 2, 1, 1, 1, GrandChallenge.Domain.Imaging.PixelType.UInt8,
            GrandChallenge.Domain.Imaging.ColorSpace.Gray, GrandChallenge.Domain.Imaging.PixelBuffer.FromArray([0, 64, 128, 255]));
        using var mha = new MemoryStream();
        GrandChallenge.Domain.Imaging.MetaImageWriter.Write(volume, mha, compress: false);
        mha.Position = 0;
        await App.Services.GetRequiredService<IBlobStore>().WriteAsync(file.BlobKey, mha);
        await using var db = App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();
        db.UploadSessions.Add(session);
        db.Images.Add(image);
        await db.SaveChangesAsync();
        return (image.Id, file.Id);
    }

    private async Task<string> FreshItemAsync()
    {
        var item = await App.Services.GetRequiredService<IArchiveItemService>().CreateAsync(_editor, _hidden.Id, "", []);
        return $"/api/v1/archives/items/{item.Value!.Id}/";
    }

    private IEnumerable<Row> Rows()
    {
        Task<string> Fixed(string url) => Task.FromResult(url);
        var slug = _hidden?.Slug ?? "";
        var visible = new[] { 404, 404, 200, 200, 200, 200 };

        yield return new("GET", "/api/v1/archives/", () => Fixed("/api/v1/archives/"), [200, 200, 200, 200, 200, 200]);
        yield return new("POST", "/api/v1/archives/", () => Fixed("/api/v1/archives/"), [401, 201, 201, 201, 201, 201],
            () => JsonContent.Create(new { title = $"Matrix archive {Guid.NewGuid():N}" }));
        yield return new("GET", "/api/v1/archives/{slug}/", () => Fixed($"/api/v1/archives/{slug}/"), visible);
        yield return new("PATCH", "/api/v1/archives/{slug}/", () => Fixed($"/api/v1/archives/{slug}/"), [401, 404, 403, 403, 200, 200],
            () => JsonContent.Create(new { description = "Changed by the matrix" }));
        yield return new("DELETE", "/api/v1/archives/{slug}/", FreshArchiveAsync, [401, 404, 403, 403, 204, 204]);
        yield return new("GET", "/api/v1/archives/{slug}/items/", () => Fixed($"/api/v1/archives/{slug}/items/"), visible);
        yield return new("POST", "/api/v1/archives/{slug}/items/", () => Fixed($"/api/v1/archives/{slug}/items/"), [401, 404, 403, 201, 201, 201],
            () => JsonContent.Create(new { values = Array.Empty<object>() }));
        yield return new("GET", "/api/v1/archives/items/", () => Fixed($"/api/v1/archives/items/?archive={slug}"), visible);
        yield return new("POST", "/api/v1/archives/items/", () => Fixed("/api/v1/archives/items/"), [401, 404, 403, 201, 201, 201],
            () => JsonContent.Create(new { archive = $"http://localhost/api/v1/archives/{_hidden!.Id}/" }));
        yield return new("GET", "/api/v1/archives/items/{id:guid}/", () => Fixed($"/api/v1/archives/items/{_item}/"), visible);
        yield return new("PATCH", "/api/v1/archives/items/{id:guid}/", () => Fixed($"/api/v1/archives/items/{_item}/"), [401, 404, 403, 200, 200, 200],
            () => JsonContent.Create(new { title = $"Matrix {Guid.NewGuid():N}" }));
        yield return new("DELETE", "/api/v1/archives/items/{id:guid}/", FreshItemAsync, [401, 404, 403, 403, 204, 204]);
        yield return new("GET", "/api/v1/archives/items/{id:guid}/values/{valueId:long}/file/",
            () => Fixed($"/api/v1/archives/items/{_fileItem}/values/{_fileValue}/file/"), visible);
        yield return new("GET", "/api/v1/cases/images/{id:guid}/", () => Fixed($"/api/v1/cases/images/{_image}/"), visible);
        yield return new("GET", "/api/v1/cases/images/{id:guid}/thumbnail/", () => Fixed($"/api/v1/cases/images/{_image}/thumbnail/"), visible);
        yield return new("GET", "/api/v1/cases/images/{id:guid}/slices/{axis}/{index:int}.png", () => Fixed($"/api/v1/cases/images/{_image}/slices/z/0.png"), visible);
        yield return new("GET", "/api/v1/cases/images/{id:guid}/files/{fileId:guid}/", () => Fixed($"/api/v1/cases/images/{_image}/files/{_file}/"), visible);
    }

    public static IEnumerable<string> CoveredRoutes() =>
        new ArchivePermissionMatrixTests(null!).Rows().Select(r => $"{r.Method} {r.Route.TrimEnd('/')}");

    [Fact]
    public async Task Each_persona_gets_exactly_what_it_should_from_each_archive_and_image_endpoint()
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
    public async Task A_hidden_archive_is_listed_only_for_its_members_and_site_admins()
    {
        var expected = new[] { false, false, true, true, true, true };
        for (var persona = 0; persona < Personas.Length; persona++)
        {
            var html = await (await _clients[persona].GetAsync("/archives")).Content.ReadAsStringAsync();
            html.Should().Contain("archive-table");
            html.Contains(_hidden.Title).Should().Be(expected[persona], Personas[persona]);
            var api = await (await _clients[persona].GetAsync($"/api/v1/archives/?slug={_hidden.Slug}")).Content.ReadAsStringAsync();
            api.Contains(_hidden.Title).Should().Be(expected[persona], Personas[persona]);
        }
    }

    [Fact]
    public async Task Archive_and_image_pages_answer_404_to_those_who_may_not_see_them()
    {
        foreach (var url in new[] { $"/archives/{_hidden.Slug}", $"/cases/images/{_image}" })
        {
            for (var persona = 0; persona < Personas.Length; persona++)
            {
                var response = await _clients[persona].GetAsync(url);
                var html = await response.Content.ReadAsStringAsync();
                if (persona is Anonymous or Stranger)
                {
                    response.StatusCode.Should().Be(HttpStatusCode.NotFound, $"{Personas[persona]} on {url}");
                    html.Should().NotContain(_hidden.Title).And.NotContain("matrix.mha");
                }
                else
                {
                    response.StatusCode.Should().Be(HttpStatusCode.OK, $"{Personas[persona]} on {url}");
                    html.Should().Contain(url.StartsWith("/archives") ? _hidden.Title : "matrix.mha");
                }
            }
        }
    }

    [Fact]
    public async Task Only_editors_open_the_members_page_and_signed_in_users_the_create_page()
    {
        var members = $"/archives/{_hidden.Slug}/members";
        var expected = new[] { 404, 404, 403, 403, 200, 200 };
        for (var persona = 0; persona < Personas.Length; persona++)
        {
            var response = await _clients[persona].GetAsync(members);
            ((int)response.StatusCode).Should().Be(expected[persona], Personas[persona]);
            (await response.Content.ReadAsStringAsync()).Contains("archive-members-table").Should().Be(expected[persona] == 200, Personas[persona]);
        }

        (await _clients[Anonymous].GetAsync("/archives/create")).Headers.Location!.ToString().Should().Contain("account/login");
        (await _clients[Stranger].GetAsync("/archives/create")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
