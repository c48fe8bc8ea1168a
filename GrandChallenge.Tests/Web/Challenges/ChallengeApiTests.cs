using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Notifications;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Challenges;

/// <summary>/api/v1/challenges/ and /api/v1/registration-requests/ through the real host on SQLite.</summary>
[Trait("Category", "Integration")]
public sealed class ChallengeApiTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private GrandChallengeAppFactory App => fixture.App;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private async Task<(HttpClient Client, ApplicationUser User)> UserAsync(string prefix, bool siteAdmin = false)
    {
        var user = await App.CreateUserAsync(Unique(prefix), siteAdmin);
        return (App.CreateClientWithToken(await App.CreateTokenAsync(user.Id)), user);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<(HttpClient Client, ApplicationUser User, string ShortName, Guid Id)> ChallengeAsync(bool hidden = false, string handling = "manual_review")
    {
        var (admin, user) = await UserAsync("sadmin", siteAdmin: true);
        var shortName = Unique("chal");
        var response = await admin.PostAsJsonAsync("/api/v1/challenges/", new { short_name = shortName, title = "A challenge", hidden, access_request_handling = handling });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (admin, user, shortName, (await JsonAsync(response)).GetProperty("pk").GetGuid());
    }

    [Fact]
    public async Task A_site_admin_creates_a_challenge_with_a_home_page_and_becomes_its_admin()
    {
        var (admin, user) = await UserAsync("sadmin", siteAdmin: true);
        var shortName = Unique("Lung");

        var response = await admin.PostAsJsonAsync("/api/v1/challenges/", new
        {
            short_name = shortName,
            title = "Lung nodules",
            description = "Find them.",
            contact_email = "organisers@example.org",
            hidden = false,
            start_date = "2026-01-01T00:00:00Z",
            end_date = "2026-06-30T00:00:00Z",
            access_request_handling = "accept_all",
        });

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.ToString().Should().Be("application/json");
        var json = await JsonAsync(response);
        var lower = shortName.ToLowerInvariant();
        json.GetProperty("short_name").GetString().Should().Be(lower, "short names are kept in lower case");
        json.GetProperty("slug").GetString().Should().Be(lower);
        json.GetProperty("public").GetBoolean().Should().BeTrue();
        json.GetProperty("contact_email").GetString().Should().Be("organisers@example.org");
        json.GetProperty("access_request_handling").GetString().Should().Be("accept_all");
        json.GetProperty("start_date").GetDateTimeOffset().Should().Be(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        json.GetProperty("logo").ValueKind.Should().Be(JsonValueKind.Null);
        response.Headers.Location!.ToString().Should().EndWith($"/api/v1/challenges/{lower}/");

        var anonymous = App.CreateClient();
        var fetched = await anonymous.GetAsync($"/api/v1/challenges/{shortName.ToUpperInvariant()}/");
        fetched.StatusCode.Should().Be(HttpStatusCode.OK, "short names are looked up case-insensitively");
        (await JsonAsync(fetched)).GetProperty("title").GetString().Should().Be("Lung nodules");

        var id = json.GetProperty("pk").GetGuid();
        App.Db(db => db.ChallengePages.Where(p => p.ChallengeId == id).Select(p => p.Slug).ToList()).Should().Equal("home");
        (await App.Services.GetRequiredService<IPermissionService>().HasRoleAsync(new Actor(user.Id, true), ObjectKinds.Challenge, id, ObjectRoles.Admin))
            .Should().BeTrue();
    }

    [Fact]
    public async Task Bad_short_names_are_refused_with_a_clear_message_and_nothing_is_created()
    {
        var (admin, _) = await UserAsync("sadmin", siteAdmin: true);
        var taken = Unique("taken");
        (await admin.PostAsJsonAsync("/api/v1/challenges/", new { short_name = taken, title = "First" })).StatusCode.Should().Be(HttpStatusCode.Created);
        var before = App.Db(db => db.Challenges.Count());

        var cases = new (string Name, string Message)[]
        {
            ("", "A short name is required."),
            ("has space", "lower-case letters, digits and hyphens"),
            ("under_score", "lower-case letters, digits and hyphens"),
            ("-leading", "must start and end with a letter or digit"),
            ("trailing-", "must start and end with a letter or digit"),
            ("émigré", "lower-case letters, digits and hyphens"),
            (new string('a', 51), "at most 50 characters"),
            ("new", "'new' is reserved"),
            ("requests", "'requests' is reserved"),
            (taken.ToUpperInvariant(), $"A challenge named '{taken}' already exists."),
        };
        foreach (var (name, message) in cases)
        {
            var response = await admin.PostAsJsonAsync("/api/v1/challenges/", new { short_name = name, title = "Bad" });

            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, name);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            var problem = await JsonAsync(response);
            problem.GetProperty("errors").GetProperty("short_name")[0].GetString().Should().Contain(message, name);
        }

        App.Db(db => db.Challenges.Count()).Should().Be(before);
    }

    [Fact]
    public async Task Only_site_admins_create_challenges_directly_and_wrong_json_is_a_clear_400()
    {
        var (user, _) = await UserAsync("user");
        var before = App.Db(db => db.Challenges.Count());

        var forbidden = await user.PostAsJsonAsync("/api/v1/challenges/", new { short_name = Unique("mine"), title = "Mine" });
        forbidden.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await JsonAsync(forbidden)).GetProperty("detail").GetString().Should().Contain("challenge request");

        var (admin, _) = await UserAsync("sadmin", siteAdmin: true);
        var broken = await admin.PostAsync("/api/v1/challenges/", new StringContent("{\"short_name\": ", Encoding.UTF8, "application/json"));
        broken.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await JsonAsync(broken)).GetProperty("detail").GetString().Should().Contain("not valid JSON");

        var wrongType = await admin.PostAsync("/api/v1/challenges/", new StringContent("{\"short_name\": \"ok-name\", \"title\": \"T\", \"hidden\": \"yes\"}", Encoding.UTF8, "application/json"));
        wrongType.StatusCode.Should().Be(HttpStatusCode.BadRequest);

        var badHandling = await admin.PostAsJsonAsync("/api/v1/challenges/", new { short_name = Unique("ok"), title = "T", access_request_handling = "whenever" });
        badHandling.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await JsonAsync(badHandling)).GetProperty("errors").GetProperty("access_request_handling")[0].GetString().Should().Contain("manual_review");

        var badDates = await admin.PostAsJsonAsync("/api/v1/challenges/", new { short_name = Unique("ok"), title = "T", start_date = "2026-02-01T00:00:00Z", end_date = "2026-01-01T00:00:00Z" });
        (await JsonAsync(badDates)).GetProperty("errors").GetProperty("end_date")[0].GetString().Should().Be("The end must come after the start.");

        var badEmail = await admin.PostAsJsonAsync("/api/v1/challenges/", new { short_name = Unique("ok"), title = "T", contact_email = "not-an-address" });
        (await JsonAsync(badEmail)).GetProperty("errors").GetProperty("contact_email")[0].GetString().Should().Contain("not an e-mail address");

        App.Db(db => db.Challenges.Count()).Should().Be(before);
    }

    [Fact]
    public async Task Challenge_admins_patch_settings_others_cannot_and_bad_fields_change_nothing()
    {
        var (admin, _, shortName, id) = await ChallengeAsync();
        var (stranger, _) = await UserAsync("stranger");

        var patched = await admin.PatchAsJsonAsync($"/api/v1/challenges/{shortName}/", new { title = "New title", hidden = true, contact_email = "a@example.org", access_request_handling = "ACCEPT_VERIFIED_USERS" });
        patched.StatusCode.Should().Be(HttpStatusCode.OK, await patched.Content.ReadAsStringAsync());
        var json = await JsonAsync(patched);
        json.GetProperty("title").GetString().Should().Be("New title");
        json.GetProperty("hidden").GetBoolean().Should().BeTrue();
        json.GetProperty("access_request_handling").GetString().Should().Be("accept_verified_users");

        (await stranger.PatchAsJsonAsync($"/api/v1/challenges/{shortName}/", new { title = "Mine now" })).StatusCode.Should().Be(HttpStatusCode.NotFound,
            "the challenge is hidden now, so strangers cannot tell it exists");

        foreach (var (body, field) in new (string, string)[]
                 {
                     ("{\"hidden\": \"yes\"}", "hidden"),
                     ("{\"title\": 42}", "title"),
                     ("{\"title\": \"\"}", "title"),
                     ("{\"start_date\": \"tomorrow\"}", "start_date"),
                     ("{\"colour\": \"red\"}", "colour"),
                     ("{\"short_name\": \"renamed\"}", "short_name"),
                 })
        {
            var response = await admin.PatchAsync($"/api/v1/challenges/{shortName}/", new StringContent(body, Encoding.UTF8, "application/json"));
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, body);
            (await JsonAsync(response)).GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue(body);
        }

        var notAnObject = await admin.PatchAsync($"/api/v1/challenges/{shortName}/", new StringContent("[1, 2]", Encoding.UTF8, "application/json"));
        notAnObject.StatusCode.Should().Be(HttpStatusCode.BadRequest);

        var challenge = App.Db(db => db.Challenges.Single(c => c.Id == id));
        challenge.Title.Should().Be("New title");
        challenge.ShortName.Should().Be(shortName);
        challenge.Hidden.Should().BeTrue();
    }

    [Fact]
    public async Task Hidden_challenges_are_left_out_of_the_list_for_strangers_and_shown_to_members()
    {
        var (admin, _, shortName, _) = await ChallengeAsync(hidden: true);
        var (stranger, _) = await UserAsync("stranger");

        async Task<List<string>> NamesAsync(HttpClient client) =>
            (await client.GetFromJsonAsync<JsonElement>("/api/v1/challenges/?limit=1000")).GetProperty("results").EnumerateArray()
            .Select(c => c.GetProperty("short_name").GetString()!).ToList();

        (await NamesAsync(App.CreateClient())).Should().NotContain(shortName);
        (await NamesAsync(stranger)).Should().NotContain(shortName);
        (await NamesAsync(admin)).Should().Contain(shortName);
        (await stranger.GetAsync($"/api/v1/challenges/{shortName}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await stranger.PostAsJsonAsync($"/api/v1/challenges/{shortName}/registration-requests/", new { })).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_challenge_request_waits_for_a_site_admin_who_accepts_it_and_the_requester_becomes_admin()
    {
        var (requester, user) = await UserAsync("requester");
        var (_, siteAdmin) = await UserAsync("reviewer", siteAdmin: true);
        var shortName = Unique("asked");
        var notifications = App.Services.GetRequiredService<INotificationService>();
        var reviewerUnread = await notifications.UnreadCountAsync(siteAdmin.Id);

        var response = await requester.PostAsJsonAsync("/api/v1/challenges/requests/", new { short_name = shortName, title = "Please", contact_email = "me@example.org" });

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var json = await JsonAsync(response);
        json.GetProperty("status").GetString().Should().Be("pending");
        json.GetProperty("creator").GetString().Should().Be(user.UserName);
        (await notifications.UnreadCountAsync(siteAdmin.Id)).Should().Be(reviewerUnread + 1, "site admins hear of new requests");
        App.Db(db => db.Challenges.Any(c => c.ShortName == shortName)).Should().BeFalse();

        var duplicate = await requester.PostAsJsonAsync("/api/v1/challenges/requests/", new { short_name = shortName, title = "Again" });
        (await JsonAsync(duplicate)).GetProperty("errors").GetProperty("short_name")[0].GetString().Should().Contain("already waiting for review");

        var requests = App.Services.GetRequiredService<IChallengeRequestService>();
        var id = json.GetProperty("pk").GetGuid();
        (await requests.AcceptAsync(new Actor(user.Id, false), id)).Kind.Should().Be(GrandChallenge.Domain.Common.FailureKind.Forbidden);
        var accepted = await requests.AcceptAsync(new Actor(siteAdmin.Id, true), id);

        accepted.Succeeded.Should().BeTrue(accepted.Error);
        accepted.Value!.Status.Should().Be(RequestStatus.Accepted);
        var challenge = App.Db(db => db.Challenges.Single(c => c.ShortName == shortName));
        challenge.Hidden.Should().BeTrue("a new challenge stays hidden until its admins show it");
        challenge.ContactEmail.Should().Be("me@example.org");
        challenge.CreatorId.Should().Be(user.Id);
        App.Db(db => db.ChallengePages.Count(p => p.ChallengeId == challenge.Id)).Should().Be(1);
        (await requester.GetAsync($"/api/v1/challenges/{shortName}/")).StatusCode.Should().Be(HttpStatusCode.OK, "the requester administers it");
        (await notifications.ListAsync(user.Id)).First().Message.Should().Contain("was accepted");
        (await requests.RejectAsync(new Actor(siteAdmin.Id, true), id, "late")).Succeeded.Should().BeFalse("a request is decided once");

        var mine = await requester.GetFromJsonAsync<JsonElement>("/api/v1/challenges/requests/");
        mine.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()).Should().Equal("accepted");
    }

    [Fact]
    public async Task Registration_checks_answers_against_the_questions_schemas_and_admins_accept_and_reject()
    {
        var (admin, adminUser, shortName, challengeId) = await ChallengeAsync();
        var registrations = App.Services.GetRequiredService<IRegistrationService>();
        var adminActor = new Actor(adminUser.Id, true);
        var affiliation = (await registrations.AddQuestionAsync(adminActor, challengeId, new QuestionDraft("Affiliation", "Where you work"))).Value!;
        var age = (await registrations.AddQuestionAsync(adminActor, challengeId, new QuestionDraft("Years of experience", null, """{"type":"integer","minimum":0}""", Required: false))).Value!;
        var (client, user) = await UserAsync("joiner");
        var url = $"/api/v1/challenges/{shortName}/registration-requests/";

        var missing = await client.PostAsJsonAsync(url, new { answers = Array.Empty<object>() });
        missing.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await JsonAsync(missing)).GetProperty("errors").GetProperty($"answers.{affiliation.Id}")[0].GetString().Should().Be("'Affiliation' needs an answer.");

        var failing = await client.PostAsJsonAsync(url, new { answers = new object[] { new { question = "Affiliation", answer = "Radboud" }, new { question = age.Id, answer = "many" } } });
        failing.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await JsonAsync(failing)).GetProperty("errors").GetProperty($"answers.{age.Id}")[0].GetString().Should().Contain("'Years of experience' is not valid");

        var unknown = await client.PostAsJsonAsync(url, new { answers = new object[] { new { question = "Favourite colour", answer = "red" } } });
        (await JsonAsync(unknown)).GetProperty("errors").GetProperty("answers")[0].GetString().Should().Contain("no question 'Favourite colour'");
        App.Db(db => db.RegistrationRequests.Count(r => r.ChallengeId == challengeId)).Should().Be(0, "nothing is stored from a bad request");

        var created = await client.PostAsJsonAsync(url, new { answers = new object[] { new { question = affiliation.Id, answer = "Radboud" }, new { question = "years of experience", answer = 7 } } });
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var request = await JsonAsync(created);
        request.GetProperty("status").GetString().Should().Be("pending");
        request.GetProperty("user").GetString().Should().Be(user.UserName);
        request.GetProperty("answers").EnumerateArray().Select(a => a.GetProperty("answer").ToString()).Should().Equal("Radboud", "7");
        (await App.Services.GetRequiredService<INotificationService>().ListAsync(adminUser.Id)).First().Message.Should().Contain($"{user.UserName} asked to join");

        (await client.PostAsJsonAsync(url, new { answers = new object[] { new { question = "Affiliation", answer = "x" } } })).StatusCode
            .Should().Be(HttpStatusCode.BadRequest, "one request per user and challenge");

        var (other, _) = await UserAsync("other");
        (await other.GetFromJsonAsync<JsonElement>(url)).GetProperty("count").GetInt32().Should().Be(0, "others see only their own requests");
        (await client.GetFromJsonAsync<JsonElement>(url)).GetProperty("count").GetInt32().Should().Be(1);
        (await admin.GetFromJsonAsync<JsonElement>(url)).GetProperty("count").GetInt32().Should().Be(1);

        var decide = $"/api/v1/registration-requests/{request.GetProperty("pk").GetGuid()}/";
        (await client.PatchAsJsonAsync(decide, new { status = "accepted" })).StatusCode.Should().Be(HttpStatusCode.Forbidden, "users do not accept themselves");
        (await other.PatchAsJsonAsync(decide, new { status = "accepted" })).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var bad = await admin.PatchAsJsonAsync(decide, new { status = "maybe" });
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await JsonAsync(bad)).GetProperty("errors").GetProperty("status")[0].GetString().Should().Contain("accepted");

        var permissions = App.Services.GetRequiredService<IPermissionService>();
        var accepted = await admin.PatchAsJsonAsync(decide, new { status = "accepted" });
        accepted.StatusCode.Should().Be(HttpStatusCode.OK);
        (await JsonAsync(accepted)).GetProperty("status").GetString().Should().Be("accepted");
        (await permissions.HasRoleAsync(new Actor(user.Id, false), ObjectKinds.Challenge, challengeId, ObjectRoles.Participant)).Should().BeTrue();
        (await App.Services.GetRequiredService<INotificationService>().ListAsync(user.Id)).First().Message.Should().Contain("was accepted");

        (await admin.PatchAsJsonAsync(decide, new { status = "rejected" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await permissions.HasRoleAsync(new Actor(user.Id, false), ObjectKinds.Challenge, challengeId, ObjectRoles.Participant))
            .Should().BeFalse("rejecting an accepted participant removes the role");
    }

    [Theory]
    [InlineData("accept_all", false, "accepted")]
    [InlineData("accept_verified_users", false, "pending")]
    [InlineData("accept_verified_users", true, "accepted")]
    [InlineData("manual_review", true, "pending")]
    public async Task Registration_handling_decides_whether_a_request_is_accepted_at_once(string handling, bool emailConfirmed, string expected)
    {
        var (_, _, shortName, challengeId) = await ChallengeAsync(handling: handling);
        var (client, user) = await UserAsync("joiner");
        if (emailConfirmed)
        {
            await using var scope = App.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var fresh = await users.FindByIdAsync(user.Id.ToString());
            await users.ConfirmEmailAsync(fresh!, await users.GenerateEmailConfirmationTokenAsync(fresh!));
        }

        var response = await client.PostAsync($"/api/v1/challenges/{shortName}/registration-requests/", null);

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        (await JsonAsync(response)).GetProperty("status").GetString().Should().Be(expected);
        (await App.Services.GetRequiredService<IPermissionService>().HasRoleAsync(new Actor(user.Id, false), ObjectKinds.Challenge, challengeId, ObjectRoles.Participant))
            .Should().Be(expected == "accepted");
    }
}

/// <summary>With <c>Challenges:AutoAcceptRequests</c> on, a request becomes a challenge at once.</summary>
[Trait("Category", "Integration")]
public sealed class AutoAcceptedChallengeRequestTests(AutoAcceptedChallengeRequestTests.Fixture fixture) : IClassFixture<AutoAcceptedChallengeRequestTests.Fixture>
{
    public sealed class Fixture() : AppFixture(DatabaseProvider.Sqlite, settings: new Dictionary<string, string> { ["Challenges:AutoAcceptRequests"] = "true" });

    [Fact]
    public async Task A_request_is_accepted_at_once_and_its_requester_administers_the_new_challenge()
    {
        var user = await fixture.App.CreateUserAsync("auto-requester");
        var client = fixture.App.CreateClientWithToken(await fixture.App.CreateTokenAsync(user.Id));

        var response = await client.PostAsJsonAsync("/api/v1/challenges/requests/", new { short_name = "auto-accepted", title = "At once" });

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().Should().Be("accepted");
        (await client.GetAsync("/api/v1/challenges/auto-accepted/")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
