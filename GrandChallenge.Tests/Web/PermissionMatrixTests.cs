using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
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
    // The owner administers the hidden challenge; the participant takes part in it. Rows that do not name the participant's
    // answer expect the stranger's: to everything but challenges a participant is just another user.
    private const int Anonymous = 0, Stranger = 1, Owner = 2, Admin = 3, Participant = 4;
    private static readonly string[] Personas = ["anonymous", "stranger", "owner", "site admin", "participant"];

    private static readonly byte[] MatrixPart = [1, 2, 3];
    private static readonly string MatrixPartETag = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(MatrixPart));

    private static readonly byte[] TinyPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private readonly HttpClient[] _clients = new HttpClient[5];
    private ApplicationUser _owner = default!;
    private ApplicationUser _participant = default!;
    private Challenge _hidden = default!;

    private GrandChallengeAppFactory App => fixture.App;

    private sealed record Row(string Method, string Route, Func<Task<string>> Url, int[] Expected, Func<HttpContent>? Body = null, int? ParticipantGets = null)
    {
        public int ExpectedFor(int persona) => persona == Participant ? ParticipantGets ?? Expected[Stranger] : Expected[persona];
    }

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
        _participant = await App.CreateUserAsync($"part{Guid.NewGuid():N}"[..16]);
        _clients[Participant] = App.CreateClientWithToken(await App.CreateTokenAsync(_participant.Id));
        await App.Services.GetRequiredService<IPermissionService>().GrantAsync(ObjectKinds.Challenge, _hidden.Id, ObjectRoles.Participant, _participant.Id);
        var images = App.Services.GetRequiredService<IChallengeService>();
        var owner = new Actor(_owner.Id, false);
        (await images.SetImageAsync(owner, _hidden.Id, ChallengeImageKind.Logo, new MemoryStream(TinyPng))).Succeeded.Should().BeTrue();
        (await images.SetImageAsync(owner, _hidden.Id, ChallengeImageKind.Banner, new MemoryStream(TinyPng))).Succeeded.Should().BeTrue();
        (await App.Services.GetRequiredService<IChallengePageService>().CreateAsync(owner, _hidden.Id, new PageDraft("Home", "Welcome"))).Succeeded.Should().BeTrue();
    }

    /// <summary>A fresh challenge the owner administers and the participant takes part in (hidden or not).</summary>
    private async Task<Challenge> NewChallengeAsync(bool hidden)
    {
        var challenge = new Challenge { ShortName = $"m-{Guid.NewGuid():N}"[..20], Title = "Matrix challenge", Hidden = hidden };
        await using (var db = App.Services.GetRequiredService<GrandChallenge.Domain.Data.AppDbContextFactory>().CreateDbContext())
        {
            db.Challenges.Add(challenge);
            await db.SaveChangesAsync();
        }

        var permissions = App.Services.GetRequiredService<IPermissionService>();
        await permissions.GrantAsync(ObjectKinds.Challenge, challenge.Id, ObjectRoles.Admin, _owner.Id);
        await permissions.GrantAsync(ObjectKinds.Challenge, challenge.Id, ObjectRoles.Participant, _participant.Id);
        return challenge;
    }

    /// <summary>A pending registration request of a new user for a new public challenge.</summary>
    private async Task<string> PendingRegistrationAsync()
    {
        var user = await App.CreateUserAsync($"reg{Guid.NewGuid():N}"[..16]);
        var challenge = await NewChallengeAsync(hidden: false);
        var result = await App.Services.GetRequiredService<IRegistrationService>().RegisterAsync(new Actor(user.Id, false), challenge.Id, []);
        result.Succeeded.Should().BeTrue(result.Error);
        return $"/api/v1/registration-requests/{result.Value!.Id}/";
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
        var socketPk = App.Db(db => db.Sockets.Single(x => x.Slug == DefaultSockets.ResultsJsonFile).Id);
        yield return new("GET", "/api/v1/components/interfaces/", () => Fixed("/api/v1/components/interfaces/"), [401, 200, 200, 200]);
        yield return new("GET", "/api/v1/components/interfaces/{pk:int}/", () => Fixed($"/api/v1/components/interfaces/{socketPk}/"), [401, 200, 200, 200]);
        yield return new("POST", "/api/v1/components/interfaces/", () => Fixed("/api/v1/components/interfaces/"), [401, 403, 403, 201],
            () => JsonContent.Create(new { title = $"Matrix socket {Guid.NewGuid():N}", kind = "STR", relative_path = $"matrix-{Guid.NewGuid():N}.json" }));

        // Uploads are their creator's alone: everyone else, site admins included, is told they do not exist. The part URL
        // needs no credentials: its signature is the permission, so anyone holding a signed URL may send that part.
        var uploads = App.Services.GetRequiredService<IUploadService>();
        var owner = new Actor(_owner.Id, false);
        async Task<UploadInfo> OwnersUpload()
        {
            var upload = (await uploads.CreateAsync(owner, "matrix.bin", null, null)).Value!;
            await uploads.WritePartAsync(upload.Id, upload.UploadKey, 1, new MemoryStream(MatrixPart), MatrixPart.Length, null);
            return upload;
        }

        async Task<string> OwnersUploadPath(string action)
        {
            var upload = await OwnersUpload();
            return $"/api/v1/uploads/{upload.Id}/{upload.UploadKey}/{action}/";
        }

        async Task<string> SignedPartUrl()
        {
            var upload = await OwnersUpload();
            var part = (await uploads.PresignPartsAsync(owner, upload.Id, upload.UploadKey, [2])).Value!.Parts[0];
            return $"/api/v1/uploads/{upload.Id}/{upload.UploadKey}/parts/2/?expires={part.ExpiresUnix}&signature={part.Signature}";
        }

        // A job is its owner's and the site admins'; to anyone else it does not exist.
        async Task<string> OwnersJob(string suffix)
        {
            var job = new GrandChallenge.Domain.Components.ComponentJob
            {
                ImageReference = "matrix",
                CreatorId = _owner.Id,
                RetryAfter = DateTimeOffset.UtcNow.AddDays(1),
            };
            await using var db = App.Services.GetRequiredService<GrandChallenge.Domain.Data.AppDbContextFactory>().CreateDbContext();
            db.ComponentJobs.Add(job);
            await db.SaveChangesAsync();
            return $"/api/v1/components/jobs/{job.Id}/{suffix}";
        }

        yield return new("GET", "/api/v1/components/jobs/{id:guid}/", () => OwnersJob(""), [401, 404, 200, 200]);
        yield return new("POST", "/api/v1/components/jobs/{id:guid}/cancel/", () => OwnersJob("cancel/"), [401, 404, 202, 202]);

        const string Uploads = "/api/v1/uploads/{pk:guid}/{s3UploadId}";
        yield return new("POST", "/api/v1/uploads/", () => Fixed("/api/v1/uploads/"), [401, 201, 201, 201],
            () => JsonContent.Create(new { filename = "matrix.bin" }));
        yield return new("GET", "/api/v1/uploads/", () => Fixed("/api/v1/uploads/"), [401, 200, 200, 200]);
        yield return new("GET", "/api/v1/uploads/{pk:guid}/", async () => $"/api/v1/uploads/{(await OwnersUpload()).Id}/", [401, 404, 200, 404]);
        yield return new("PATCH", $"{Uploads}/generate-presigned-urls/", () => OwnersUploadPath("generate-presigned-urls"), [401, 404, 200, 404],
            () => JsonContent.Create(new { part_numbers = new[] { 1 } }));
        yield return new("PUT", $"{Uploads}/parts/{{partNumber:int}}/", SignedPartUrl, [200, 200, 200, 200], () => new ByteArrayContent([1, 2, 3]));
        yield return new("PUT", $"{Uploads}/parts/{{partNumber:int}}/", () => OwnersUploadPath("parts/2"), [403, 403, 403, 403], () => new ByteArrayContent([1, 2, 3]));
        yield return new("GET", $"{Uploads}/list-parts/", () => OwnersUploadPath("list-parts"), [401, 404, 200, 404]);
        yield return new("PATCH", $"{Uploads}/complete-multipart-upload/", () => OwnersUploadPath("complete-multipart-upload"), [401, 404, 200, 404],
            () => JsonContent.Create(new Dictionary<string, object> { ["parts"] = new[] { new Dictionary<string, object> { ["ETag"] = MatrixPartETag, ["PartNumber"] = 1 } } }));
        yield return new("PATCH", $"{Uploads}/abort-multipart-upload/", () => OwnersUploadPath("abort-multipart-upload"), [401, 404, 200, 404]);

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

        // Upload sessions are their creator's (and site admins'); a POST without a destination is refused for everyone signed in.
        yield return new("GET", "/api/v1/cases/upload-sessions/", () => Fixed("/api/v1/cases/upload-sessions/"), [401, 200, 200, 200]);
        yield return new("POST", "/api/v1/cases/upload-sessions/", () => Fixed("/api/v1/cases/upload-sessions/"), [401, 400, 400, 400],
            () => JsonContent.Create(new { uploads = Array.Empty<string>() }));
        yield return new("GET", "/api/v1/cases/upload-sessions/{id:guid}/", async () => $"/api/v1/cases/upload-sessions/{await SeedUploadSessionAsync()}/", [401, 404, 200, 200]);
        yield return new("POST", "/api/v1/cases/upload-sessions/{id:guid}/cancel/",
            async () => $"/api/v1/cases/upload-sessions/{await SeedUploadSessionAsync(GrandChallenge.Domain.Cases.UploadSessionStatus.Queued)}/cancel/", [401, 404, 200, 200]);

        // Challenges: a hidden one does not exist for anonymous visitors and strangers; its participants see it but do not
        // change it; its admins and the site admins do.
        var hidden = _hidden.ShortName;
        yield return new("GET", "/api/v1/challenges/", () => Fixed("/api/v1/challenges/"), [200, 200, 200, 200]);
        yield return new("POST", "/api/v1/challenges/", () => Fixed("/api/v1/challenges/"), [401, 403, 403, 201],
            () => JsonContent.Create(new { short_name = $"c-{Guid.NewGuid():N}"[..20], title = "Matrix" }));
        yield return new("GET", "/api/v1/challenges/requests/", () => Fixed("/api/v1/challenges/requests/"), [401, 200, 200, 200]);
        yield return new("POST", "/api/v1/challenges/requests/", () => Fixed("/api/v1/challenges/requests/"), [401, 201, 201, 201],
            () => JsonContent.Create(new { short_name = $"r-{Guid.NewGuid():N}"[..20], title = "Matrix request" }));
        yield return new("GET", "/api/v1/challenges/{shortName}/", () => Fixed($"/api/v1/challenges/{hidden}/"), [404, 404, 200, 200], ParticipantGets: 200);
        yield return new("PATCH", "/api/v1/challenges/{shortName}/", () => Fixed($"/api/v1/challenges/{hidden}/"), [401, 404, 200, 200],
            () => JsonContent.Create(new { description = "Changed by the matrix" }), ParticipantGets: 403);
        yield return new("GET", "/api/v1/challenges/{shortName}/logo/", () => Fixed($"/api/v1/challenges/{hidden}/logo/"), [404, 404, 200, 200], ParticipantGets: 200);
        yield return new("GET", "/api/v1/challenges/{shortName}/banner/", () => Fixed($"/api/v1/challenges/{hidden}/banner/"), [404, 404, 200, 200], ParticipantGets: 200);
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
        yield return new("PUT", "/api/v1/challenges/{shortName}/logo/", () => Fixed($"/api/v1/challenges/{hidden}/logo/"), [401, 404, 200, 200],
            () => new ByteArrayContent(png), ParticipantGets: 403);
        yield return new("PUT", "/api/v1/challenges/{shortName}/banner/", () => Fixed($"/api/v1/challenges/{hidden}/banner/"), [401, 404, 200, 200],
            () => new ByteArrayContent(png), ParticipantGets: 403);
        yield return new("GET", "/api/v1/challenges/{shortName}/registration-requests/", () => Fixed($"/api/v1/challenges/{hidden}/registration-requests/"),
            [401, 404, 200, 200], ParticipantGets: 200);
        // Joining: strangers cannot find a hidden challenge, admins may join it, a participant already takes part.
        yield return new("POST", "/api/v1/challenges/{shortName}/registration-requests/",
            async () => $"/api/v1/challenges/{(await NewChallengeAsync(hidden: true)).ShortName}/registration-requests/", [401, 404, 201, 201],
            () => JsonContent.Create(new { answers = Array.Empty<object>() }), ParticipantGets: 400);
        yield return new("POST", "/api/v1/challenges/{shortName}/registration-requests/",
            async () => $"/api/v1/challenges/{(await NewChallengeAsync(hidden: false)).ShortName}/registration-requests/", [401, 201, 201, 201],
            () => JsonContent.Create(new { answers = Array.Empty<object>() }), ParticipantGets: 400);
        yield return new("PATCH", "/api/v1/registration-requests/{id:guid}/", PendingRegistrationAsync, [401, 404, 200, 200],
            () => JsonContent.Create(new { status = "accepted" }), ParticipantGets: 404);

        yield return new("*", "/health/live", () => Fixed("/health/live"), [200, 200, 200, 200]);
        yield return new("*", "/health/ready", () => Fixed("/health/ready"), [200, 200, 200, 200]);
        yield return new("POST", "/account/logout", () => Fixed("/account/logout"), [400, 400, 400, 400]);
    }

    private async Task<Guid> SeedUploadSessionAsync(GrandChallenge.Domain.Cases.UploadSessionStatus status = GrandChallenge.Domain.Cases.UploadSessionStatus.Failed)
    {
        await using var db = App.Services.GetRequiredService<GrandChallenge.Domain.Data.AppDbContextFactory>().CreateDbContext();
        var session = new GrandChallenge.Domain.Cases.UploadSession { CreatorId = _owner.Id, Status = status };
        db.UploadSessions.Add(session);
        await db.SaveChangesAsync();
        return session.Id;
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
        var covered = ApiRows().Select(r => $"{r.Method} {r.Route.TrimEnd('/')}")
            .Concat(Evaluation.EvaluationPermissionMatrixTests.CoveredRoutes())
            .Concat(Archives.ArchivePermissionMatrixTests.CoveredRoutes())
            .Concat(Algorithms.AlgorithmPermissionMatrixTests.CoveredRoutes())
            .Concat(Algorithms.AlgorithmJobPermissionMatrixTests.CoveredRoutes())
            .Concat(Algorithms.AlgorithmPhaseFlowTestsBase.CoveredRoutes())
            .ToHashSet();

        mapped.Except(covered).Should().BeEmpty("each endpoint needs its row of expectations in PermissionMatrixTests.ApiRows");
    }

    [Fact]
    public async Task Each_persona_gets_exactly_what_it_should_from_each_endpoint()
    {
        var failures = new List<string>();
        foreach (var row in ApiRows())
        {
            for (var persona = 0; persona < Personas.Length; persona++)
            {
                var request = new HttpRequestMessage(new HttpMethod(row.Method == "*" ? "GET" : row.Method), await row.Url());
                if (row.Body is not null)
                {
                    request.Content = row.Body();
                }
                else if (row.Method == "POST" && row.Route.StartsWith("/api/"))
                {
                    request.Content = row.Body?.Invoke() ?? JsonContent.Create(new { name = "matrix" });
                }

                var response = await _clients[persona].SendAsync(request);
                if ((int)response.StatusCode != row.ExpectedFor(persona))
                {
                    failures.Add($"{row.Method} {row.Route} as {Personas[persona]}: {(int)response.StatusCode}, expected {row.ExpectedFor(persona)}");
                }
            }
        }

        failures.Should().BeEmpty();
    }

    [Theory]
    [InlineData("/account/profile")]
    [InlineData("/account/tokens")]
    [InlineData("/account/change-password")]
    [InlineData("/uploads")]
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
    public async Task Only_site_admins_open_the_sockets_page()
    {
        (await _clients[Anonymous].GetAsync("/admin/sockets")).Headers.Location!.ToString().Should().Contain("account/login");
        foreach (var persona in new[] { Stranger, Owner })
        {
            var response = await _clients[persona].GetAsync("/admin/sockets");
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await response.Content.ReadAsStringAsync()).Should().NotContain("socket-table");
        }

        var admin = await (await _clients[Admin].GetAsync("/admin/sockets")).Content.ReadAsStringAsync();
        admin.Should().Contain("socket-table").And.Contain("Predictions ZIP File").And.Contain("predictions-zip-file");
        (await (await _clients[Admin].GetAsync("/admin")).Content.ReadAsStringAsync()).Should().Contain("/admin/sockets");
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
    public async Task A_hidden_challenges_pages_answer_404_to_anonymous_visitors_and_strangers()
    {
        foreach (var path in new[] { "", "/pages/home", "/register", "/teams" })
        {
            var url = $"/challenges/{_hidden.ShortName}{path}";
            foreach (var persona in new[] { Anonymous, Stranger })
            {
                var response = await _clients[persona].GetAsync(url);
                response.StatusCode.Should().Be(HttpStatusCode.NotFound, $"{Personas[persona]} on {url}");
                (await response.Content.ReadAsStringAsync()).Should().NotContain(_hidden.Title);
            }

            foreach (var persona in new[] { Participant, Owner, Admin })
            {
                var response = await _clients[persona].GetAsync(url);
                response.StatusCode.Should().Be(HttpStatusCode.OK, $"{Personas[persona]} on {url}");
                (await response.Content.ReadAsStringAsync()).Should().Contain(_hidden.Title);
            }
        }

        (await _clients[Owner].GetAsync($"/challenges/{_hidden.ShortName}/pages/no-such-page")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var admin = $"/challenges/{_hidden.ShortName}/admin";
        (await _clients[Anonymous].GetAsync(admin)).Headers.Location!.ToString().Should().Contain("account/login");
        (await _clients[Stranger].GetAsync(admin)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var participant = await (await _clients[Participant].GetAsync(admin)).Content.ReadAsStringAsync();
        participant.Should().Contain("admin-denied").And.NotContain("admin-tabs");
        (await (await _clients[Owner].GetAsync(admin)).Content.ReadAsStringAsync()).Should().Contain("admin-tabs");
    }

    [Fact]
    public async Task Challenge_creation_and_review_pages_are_for_site_admins_and_requests_for_signed_in_users()
    {
        (await _clients[Anonymous].GetAsync("/challenges/request")).Headers.Location!.ToString().Should().Contain("account/login");
        (await _clients[Stranger].GetAsync("/challenges/request")).StatusCode.Should().Be(HttpStatusCode.OK);
        foreach (var page in new[] { "/challenges/new", "/challenges/requests" })
        {
            (await _clients[Stranger].GetAsync(page)).StatusCode.Should().Be(HttpStatusCode.Forbidden, page);
            (await _clients[Admin].GetAsync(page)).StatusCode.Should().Be(HttpStatusCode.OK, page);
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
