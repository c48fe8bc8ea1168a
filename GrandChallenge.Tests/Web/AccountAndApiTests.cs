using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web;

/// <summary>Registration, login, lockout, password reset and API tokens through the real host; run on SQLite and on PostgreSQL.</summary>
public abstract class AccountAndApiTests(AppFixture fixture)
{
    private GrandChallengeAppFactory App => fixture.App;

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..8]}";

    private static Dictionary<string, string> Registration(string username, string password = "Passw0rd-x", string? email = null) => new()
    {
        ["Input.Username"] = username,
        ["Input.Email"] = email ?? $"{username}@example.org",
        ["Input.Password"] = password,
        ["Input.ConfirmPassword"] = password,
    };

    [Fact]
    public async Task Registering_creates_the_user_and_signs_them_in()
    {
        var client = App.CreateBrowserlikeClient();
        var username = Unique("reg");

        var response = await FormPoster.SubmitAsync(client, "/account/register", "register", Registration(username));

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/users/me/");
        me.GetProperty("username").GetString().Should().Be(username);
        me.GetProperty("is_site_admin").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task A_taken_username_or_weak_password_is_refused_with_a_message_and_nothing_changes()
    {
        var taken = Unique("dup");
        await App.CreateUserAsync(taken);
        var before = App.Db(db => db.Users.Count());

        var duplicate = await FormPoster.SubmitAsync(App.CreateBrowserlikeClient(), "/account/register", "register", Registration(taken, email: $"{Unique("other")}@example.org"));
        var weak = await FormPoster.SubmitAsync(App.CreateBrowserlikeClient(), "/account/register", "register", Registration(Unique("weak"), "password"));

        duplicate.StatusCode.Should().Be(HttpStatusCode.OK);
        (await duplicate.Content.ReadAsStringAsync()).Should().Contain($"Username &#x27;{taken}&#x27; is already taken.");
        (await weak.Content.ReadAsStringAsync()).Should().Contain("Passwords must have at least one digit");
        App.Db(db => db.Users.Count()).Should().Be(before);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_for_the_right_one()
    {
        var username = Unique("lock");
        await App.CreateUserAsync(username, password: "Right-pass1");
        var client = App.CreateBrowserlikeClient();

        for (var i = 0; i < 4; i++)
        {
            var wrong = await FormPoster.SubmitAsync(client, "/account/login", "login", new Dictionary<string, string> { ["Input.Login"] = username, ["Input.Password"] = "wrong" });
            (await wrong.Content.ReadAsStringAsync()).Should().Contain("Invalid username/email or password.");
        }

        var fifth = await FormPoster.SubmitAsync(client, "/account/login", "login", new Dictionary<string, string> { ["Input.Login"] = username, ["Input.Password"] = "wrong" });
        fifth.Headers.Location!.ToString().Should().EndWith("account/lockout");

        var right = await FormPoster.SubmitAsync(client, "/account/login", "login", new Dictionary<string, string> { ["Input.Login"] = username, ["Input.Password"] = "Right-pass1" });
        right.Headers.Location!.ToString().Should().EndWith("account/lockout");
        (await client.GetAsync("/api/v1/users/me/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Login_by_email_then_logout_ends_the_session()
    {
        var username = Unique("login");
        await App.CreateUserAsync(username, password: "Right-pass1");
        var client = App.CreateBrowserlikeClient();

        var login = await FormPoster.SubmitAsync(client, "/account/login?returnUrl=%2Faccount%2Fprofile", "login",
            new Dictionary<string, string> { ["Input.Login"] = $"{username}@example.org", ["Input.Password"] = "Right-pass1" });
        login.Headers.Location!.AbsolutePath.Should().Be("/account/profile");
        (await (await client.GetAsync("/account/profile")).Content.ReadAsStringAsync()).Should().Contain(username);

        var html = await (await client.GetAsync("/")).Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var signOut = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["returnUrl"] = "/",
        }));
        signOut.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await client.GetAsync("/api/v1/users/me/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await client.GetAsync("/account/profile")).Headers.Location!.ToString().Should().Contain("account/login");
    }

    [Fact]
    public async Task A_forgotten_password_is_reset_through_the_emailed_link()
    {
        var username = Unique("reset");
        await App.CreateUserAsync(username, password: "Old-pass12");
        var client = App.CreateBrowserlikeClient();

        var sent = await FormPoster.SubmitAsync(client, "/account/forgot-password", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = $"{username}@example.org" });
        (await sent.Content.ReadAsStringAsync()).Should().Contain("a reset link is on its way");

        var outbox = await File.ReadAllTextAsync(Path.Combine(App.DataDirectory, "mail", "outbox.log"));
        var mail = outbox.Split("-----").Single(m => m.Contains($"To: {username}@example.org"));
        var link = new Uri(System.Text.RegularExpressions.Regex.Match(mail, @"Link: (\S+)").Groups[1].Value);

        var reset = await FormPoster.SubmitAsync(client, link.PathAndQuery, "reset-password", new Dictionary<string, string>
        {
            ["Input.Email"] = $"{username}@example.org",
            ["Input.Password"] = "New-pass12",
            ["Input.ConfirmPassword"] = "New-pass12",
            ["Input.Code"] = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(
                await (await client.GetAsync(link.PathAndQuery)).Content.ReadAsStringAsync(), "name=\"Input.Code\" value=\"([^\"]+)\"").Groups[1].Value),
        });
        (await reset.Content.ReadAsStringAsync()).Should().Contain("Your password has been reset.");

        var login = await FormPoster.SubmitAsync(App.CreateBrowserlikeClient(), "/account/login", "login",
            new Dictionary<string, string> { ["Input.Login"] = username, ["Input.Password"] = "New-pass12" });
        login.StatusCode.Should().Be(HttpStatusCode.Redirect);
        login.Headers.Location!.AbsolutePath.Should().Be("/");
    }

    [Fact]
    public async Task Users_me_answers_in_snake_case_with_exact_json_content_type()
    {
        var admin = await App.CreateUserAsync(Unique("meadmin"), siteAdmin: true);
        var client = App.CreateClientWithToken(await App.CreateTokenAsync(admin.Id));

        var response = await client.GetAsync("/api/v1/users/me/");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.ToString().Should().Be("application/json");
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        json.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("id", "username", "email", "is_site_admin");
        json.GetProperty("id").GetString().Should().Be(admin.Id.ToString());
        json.GetProperty("is_site_admin").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Tokens_are_created_listed_and_revoked_through_the_api()
    {
        var client = await App.CreateClientForNewUserAsync(Unique("tok"));

        var created = await client.PostAsJsonAsync("/api/v1/users/me/tokens/", new { name = "ci", expires_days = 30 });
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var token = body.GetProperty("token").GetString()!;
        var id = body.GetProperty("id").GetString();
        body.GetProperty("expires").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow.AddDays(30), TimeSpan.FromMinutes(1));

        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/users/me/tokens/");
        list.GetProperty("count").GetInt32().Should().Be(2);
        list.GetProperty("results").EnumerateArray().Select(t => t.TryGetProperty("token", out var value)).Should().AllBeEquivalentTo(false, "a token value is shown once only");
        list.TryGetProperty("next", out _).Should().BeTrue();
        list.TryGetProperty("previous", out _).Should().BeTrue();

        var newClient = App.CreateClientWithToken(token);
        (await newClient.GetAsync("/api/v1/users/me/")).StatusCode.Should().Be(HttpStatusCode.OK);

        (await client.DeleteAsync($"/api/v1/users/me/tokens/{id}/")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var revoked = await newClient.GetAsync("/api/v1/users/me/");
        revoked.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        revoked.Headers.WwwAuthenticate.ToString().Should().Contain("Bearer");
    }

    [Fact]
    public async Task Expired_tokens_are_refused()
    {
        var user = await App.CreateUserAsync(Unique("exp"));
        var token = await App.CreateTokenAsync(user.Id, expiresInDays: 1);
        await using (var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext())
        {
            await db.ApiTokens.Where(t => t.UserId == user.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        }

        (await App.CreateClientWithToken(token).GetAsync("/api/v1/users/me/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_bearer_scheme_is_matched_without_regard_to_case()
    {
        var user = await App.CreateUserAsync(Unique("case"));
        var token = await App.CreateTokenAsync(user.Id);
        var client = App.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"BEARER {token}");

        (await client.GetAsync("/api/v1/users/me/")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Malformed_or_invalid_json_gets_a_problem_with_a_clear_message_and_creates_nothing()
    {
        var user = await App.CreateUserAsync(Unique("bad"));
        var client = App.CreateClientWithToken(await App.CreateTokenAsync(user.Id));
        var tokensBefore = App.Db(db => db.ApiTokens.Count(t => t.UserId == user.Id));

        var malformed = await client.PostAsync("/api/v1/users/me/tokens/", new StringContent("{\"name\": ", Encoding.UTF8, "application/json"));
        var wrongType = await client.PostAsync("/api/v1/users/me/tokens/", new StringContent("{\"name\": \"x\", \"expires_days\": \"soon\"}", Encoding.UTF8, "application/json"));
        var invalid = await client.PostAsJsonAsync("/api/v1/users/me/tokens/", new { name = "", expires_days = 0 });

        foreach (var response in new[] { malformed, wrongType, invalid })
        {
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }

        (await malformed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString().Should().Contain("not valid JSON");
        (await wrongType.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString().Should().Contain("not valid JSON");
        (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("name").EnumerateArray().Should().NotBeEmpty();
        App.Db(db => db.ApiTokens.Count(t => t.UserId == user.Id)).Should().Be(tokensBefore);
    }

    [Fact]
    public async Task Health_endpoints_report_each_part()
    {
        var client = App.CreateClient();

        (await client.GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
        var ready = await client.GetFromJsonAsync<JsonElement>("/health/ready");
        var checks = ready.GetProperty("checks");
        checks.EnumerateObject().Select(c => c.Name).Should().BeEquivalentTo("database", "storage", "docker", "scheduler");
        checks.GetProperty("database").GetProperty("status").GetString().Should().Be("Healthy");
        checks.GetProperty("database").GetProperty("description").GetString().Should().Contain(fixture.Provider.ToString());
        checks.GetProperty("storage").GetProperty("status").GetString().Should().Be("Healthy");
        checks.GetProperty("scheduler").GetProperty("status").GetString().Should().Be("Healthy");
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        var document = await App.CreateClient().GetFromJsonAsync<JsonElement>("/api/v1/openapi.json");

        document.GetProperty("openapi").GetString().Should().StartWith("3.");
        document.GetProperty("paths").EnumerateObject().Select(p => p.Name).Should().Contain(["/api/v1/users/me/", "/api/v1/users/me/tokens/"]);
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteAccountAndApiTests(SqliteAppFixture fixture) : AccountAndApiTests(fixture), IClassFixture<SqliteAppFixture>;

[Trait("Category", "Postgres")]
public sealed class PostgresAccountAndApiTests(PostgresAppFixture fixture) : AccountAndApiTests(fixture), IClassFixture<PostgresAppFixture>;
