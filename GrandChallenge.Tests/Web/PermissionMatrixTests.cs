using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web;

/// <summary>
/// Every API and health endpoint the host maps, and every page with access rules, asked by anonymous, a stranger,
/// the owner of the object and a site admin. An endpoint added without a row here fails the test.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PermissionMatrixTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IAsyncLifetime
{
    private const int Anonymous = 0, Stranger = 1, Owner = 2, Admin = 3;
    private static readonly string[] Personas = ["anonymous", "stranger", "owner", "site admin"];

    private readonly HttpClient[] _clients = new HttpClient[4];
    private ApplicationUser _owner = default!;
    private Challenge _hidden = default!;

    private GrandChallengeAppFactory App => fixture.App;

    private sealed record Row(string Method, string Route, Func<Task<string>> Url, int[] Expected, Func<HttpContent>? Body = null);

    public async Task InitializeAsync()
    {
        _clients[Anonymous] = App.CreateClient(new() { AllowAutoRedirect = false });
        _clients[Stranger] = await App.CreateClientForNewUserAsync($"stranger{Guid.NewGuid():N}"[..16]);
        _owner = await App.CreateUserAsync($"owner{Guid.NewGuid():N}"[..16]);
        _clients[Owner] = App.CreateClientWithToken(await App.CreateTokenAsync(_owner.Id));
        _clients[Admin] = await App.CreateClientForNewUserAsync($"admin{Guid.NewGuid():N}"[..16], siteAdmin: true);

        _hidden = new Challenge { ShortName = $"hidden-{Guid.NewGuid():N}"[..20], Title = "Matrix hidden challenge", Hidden = true };
        await using (var db = App.Services.GetRequiredService<GrandChallenge.Domain.Data.AppDbContextFactory>().CreateDbContext())
        {
            db.Challenges.Add(_hidden);
            await db.SaveChangesAsync();
        }

        await App.Services.GetRequiredService<IPermissionService>().GrantAsync(ObjectKinds.Challenge, _hidden.Id, ObjectRoles.Admin, _owner.Id);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private IEnumerable<Row> ApiRows()
    {
        Task<string> Fixed(string url) => Task.FromResult(url);
        async Task<string> OwnersToken() => $"/api/v1/users/me/tokens/{(await App.Services.GetRequiredService<IApiTokenService>().CreateAsync(_owner.Id, "matrix", null)).Value!.Info.Id}/";

        yield return new("GET", "/api/v1/gcapi/", () => Fixed("/api/v1/gcapi/"), [200, 200, 200, 200]);
        yield return new("GET", "/api/v1/openapi.json", () => Fixed("/api/v1/openapi.json"), [200, 200, 200, 200]);
        yield return new("GET", "/api/v1/users/me/", () => Fixed("/api/v1/users/me/"), [401, 200, 200, 200]);
        yield return new("GET", "/api/v1/users/me/tokens/", () => Fixed("/api/v1/users/me/tokens/"), [401, 200, 200, 200]);
        yield return new("POST", "/api/v1/users/me/tokens/", () => Fixed("/api/v1/users/me/tokens/"), [401, 201, 201, 201]);
        // A token is its owner's alone: nobody else, site admins included, can revoke it through "me".
        yield return new("DELETE", "/api/v1/users/me/tokens/{id:guid}/", OwnersToken, [401, 404, 204, 404]);
        // Container images are site-admin business for now (owner-scoped routes come with phases, algorithms and
        // workstations): a signed-in user without the role gets 403, whichever image is asked for, since the answer
        // does not depend on the object and its id reveals nothing.
        async Task<string> Image(bool loaded) => $"/api/v1/container-images/{await SeedContainerImageAsync(loaded)}/";
        yield return new("GET", "/api/v1/container-images/", () => Fixed("/api/v1/container-images/"), [401, 403, 403, 200]);
        yield return new("POST", "/api/v1/container-images/", () => Fixed("/api/v1/container-images/"), [401, 403, 403, 201],
            () => ContainerImages.ContainerImageApiTests.Upload("algorithm", "matrix.tar", new byte[100]));
        yield return new("GET", "/api/v1/container-images/{id:guid}/", () => Image(false), [401, 403, 403, 200]);
        yield return new("POST", "/api/v1/container-images/{id:guid}/activate/", async () => $"{await Image(true)}activate/", [401, 403, 403, 200]);
        yield return new("DELETE", "/api/v1/container-images/{id:guid}/", () => Image(false), [401, 403, 403, 204]);
        yield return new("*", "/health/live", () => Fixed("/health/live"), [200, 200, 200, 200]);
        yield return new("*", "/health/ready", () => Fixed("/health/ready"), [200, 200, 200, 200]);
        yield return new("POST", "/account/logout", () => Fixed("/account/logout"), [400, 400, 400, 400]);
    }

    private async Task<Guid> SeedContainerImageAsync(bool loaded)
    {
        await using var db = App.Services.GetRequiredService<GrandChallenge.Domain.Data.AppDbContextFactory>().CreateDbContext();
        var image = new ContainerImage
        {
            Kind = ContainerImageKind.Workstation,
            OwnerId = Guid.NewGuid(),
            BlobKey = "container-images/matrix/a.tar",
            Filename = "a.tar",
            ImportStatus = ContainerImageImportStatus.Completed,
            IsManifestValid = true,
            IsLoaded = loaded,
        };
        db.ContainerImages.Add(image);
        await db.SaveChangesAsync();
        return image.Id;
    }

    [Fact]
    public void Every_mapped_endpoint_has_a_row_in_the_matrix()
    {
        var mapped = App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/api/") || raw.StartsWith("/health/") || raw.StartsWith("/account/logout")))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}"))
            .ToHashSet();
        var covered = ApiRows().Select(r => $"{r.Method} {r.Route.TrimEnd('/')}").ToHashSet();

        mapped.Except(covered).Should().BeEmpty("each endpoint needs its row of expectations in PermissionMatrixTests.ApiRows");
    }

    [Fact]
    public async Task Each_persona_gets_exactly_what_it_should_from_each_endpoint()
    {
        var failures = new List<string>();
        foreach (var row in ApiRows())
        {
            for (var persona = 0; persona < 4; persona++)
            {
                var request = new HttpRequestMessage(new HttpMethod(row.Method == "*" ? "GET" : row.Method), await row.Url());
                if (row.Method == "POST" && row.Route.StartsWith("/api/"))
                {
                    request.Content = row.Body?.Invoke() ?? JsonContent.Create(new { name = "matrix" });
                }

                var response = await _clients[persona].SendAsync(request);
                if ((int)response.StatusCode != row.Expected[persona])
                {
                    failures.Add($"{row.Method} {row.Route} as {Personas[persona]}: {(int)response.StatusCode}, expected {row.Expected[persona]}");
                }
            }
        }

        failures.Should().BeEmpty();
    }

    [Theory]
    [InlineData("/account/profile")]
    [InlineData("/account/tokens")]
    [InlineData("/account/change-password")]
    public async Task Account_pages_send_anonymous_visitors_to_the_login_page(string page)
    {
        var anonymous = await _clients[Anonymous].GetAsync(page);
        anonymous.StatusCode.Should().Be(HttpStatusCode.Redirect);
        anonymous.Headers.Location!.ToString().Should().ContainEquivalentOf("account/login?returnUrl=");

        (await _clients[Stranger].GetAsync(page)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Only_site_admins_open_the_admin_page()
    {
        (await _clients[Anonymous].GetAsync("/admin")).Headers.Location!.ToString().Should().Contain("account/login");
        foreach (var persona in new[] { Stranger, Owner })
        {
            var response = await _clients[persona].GetAsync("/admin");
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await response.Content.ReadAsStringAsync()).Should().NotContain("admin-users");
        }

        var admin = await (await _clients[Admin].GetAsync("/admin")).Content.ReadAsStringAsync();
        admin.Should().Contain("Site administration").And.Contain(_owner.UserName!);
    }

    [Fact]
    public async Task Only_site_admins_open_the_container_images_page()
    {
        (await _clients[Anonymous].GetAsync("/admin/container-images")).Headers.Location!.ToString().Should().Contain("account/login");
        foreach (var persona in new[] { Stranger, Owner })
        {
            var response = await _clients[persona].GetAsync("/admin/container-images");
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await response.Content.ReadAsStringAsync()).Should().NotContain("image-table");
        }

        var admin = await _clients[Admin].GetAsync("/admin/container-images");
        admin.StatusCode.Should().Be(HttpStatusCode.OK);
        (await admin.Content.ReadAsStringAsync()).Should().Contain("Container images").And.Contain("image-table");
    }

    [Fact]
    public async Task A_hidden_challenge_shows_only_to_its_members_and_site_admins()
    {
        var expected = new[] { false, false, true, true };
        for (var persona = 0; persona < 4; persona++)
        {
            foreach (var page in new[] { "/", "/challenges" })
            {
                var html = await (await _clients[persona].GetAsync(page)).Content.ReadAsStringAsync();
                html.Contains(_hidden.Title).Should().Be(expected[persona], $"{Personas[persona]} on {page}");
            }
        }
    }

    [Fact]
    public async Task Unknown_pages_get_the_friendly_404_and_unknown_api_routes_a_problem()
    {
        var page = await _clients[Anonymous].GetAsync("/no/such/page");
        page.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await page.Content.ReadAsStringAsync()).Should().Contain("We could not find that page.");

        var api = await _clients[Stranger].GetAsync("/api/v1/no-such-thing/");
        api.StatusCode.Should().Be(HttpStatusCode.NotFound);
        api.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32().Should().Be(404);
    }
}
