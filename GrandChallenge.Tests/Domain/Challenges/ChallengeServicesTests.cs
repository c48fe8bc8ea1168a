using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Notifications;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Domain.Challenges;

/// <summary>The challenge services of the real host on SQLite: images, admins, pages, teams and notifications.</summary>
[Trait("Category", "Integration")]
public sealed class ChallengeServicesTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private static readonly byte[] TinyPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private GrandChallengeAppFactory App => fixture.App;

    private T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private async Task<Actor> UserAsync(string prefix) => new((await App.CreateUserAsync(Unique(prefix))).Id, false);

    /// <summary>A public challenge administered by a new user.</summary>
    private async Task<(Challenge Challenge, Actor Admin)> ChallengeAsync()
    {
        var siteAdmin = new Actor((await App.CreateUserAsync(Unique("sadmin"), siteAdmin: true)).Id, true);
        var created = await Service<IChallengeService>().CreateAsync(siteAdmin, new NewChallenge(Unique("svc"), "Service test", Hidden: false));
        created.Succeeded.Should().BeTrue(created.Error);
        var admin = await UserAsync("cadmin");
        var username = App.Db(db => db.Users.Single(u => u.Id == admin.UserId).UserName!);
        (await Service<IChallengeService>().AddAdminAsync(siteAdmin, created.Value!.Id, username)).Succeeded.Should().BeTrue();
        return (created.Value!, admin);
    }

    private async Task<Actor> ParticipantAsync(Guid challengeId)
    {
        var user = await UserAsync("part");
        await Service<IPermissionService>().GrantAsync(ObjectKinds.Challenge, challengeId, ObjectRoles.Participant, user.UserId);
        return user;
    }

    private string NameOf(Actor actor) => App.Db(db => db.Users.Single(u => u.Id == actor.UserId).UserName!);

    [Fact]
    public async Task A_logo_must_be_a_png_or_jpeg_within_the_size_limit_and_a_bad_one_changes_nothing()
    {
        var (challenge, admin) = await ChallengeAsync();
        var service = Service<IChallengeService>();

        var notImage = await service.SetImageAsync(admin, challenge.Id, ChallengeImageKind.Logo, new MemoryStream("<svg onload=alert(1)>"u8.ToArray()));
        notImage.Succeeded.Should().BeFalse();
        notImage.FieldErrors!["logo"].Single().Should().Be("The logo must be a PNG or JPEG image; this file looks like text/plain.");

        var tooLarge = new byte[(2 << 20) + 1];
        TinyPng.CopyTo(tooLarge, 0);
        (await service.SetImageAsync(admin, challenge.Id, ChallengeImageKind.Logo, new MemoryStream(tooLarge))).Error.Should().Be("The logo may be at most 2 MiB.");
        App.Db(db => db.Challenges.Single(c => c.Id == challenge.Id).LogoBlobKey).Should().BeNull();

        var stranger = await UserAsync("stranger");
        (await service.SetImageAsync(stranger, challenge.Id, ChallengeImageKind.Logo, new MemoryStream(TinyPng))).Kind.Should().Be(FailureKind.Forbidden);

        (await service.SetImageAsync(admin, challenge.Id, ChallengeImageKind.Logo, new MemoryStream(TinyPng))).Succeeded.Should().BeTrue();
        var image = await service.OpenImageAsync(Actor.Anonymous, challenge.ShortName, ChallengeImageKind.Logo);
        image!.ContentType.Should().Be("image/png");
        await using (image.Content)
        {
            using var copy = new MemoryStream();
            await image.Content.CopyToAsync(copy);
            copy.ToArray().Should().Equal(TinyPng);
        }

        var response = await App.CreateClient().GetAsync($"/api/v1/challenges/{challenge.ShortName}/logo/");
        response.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
        (await service.OpenImageAsync(Actor.Anonymous, challenge.ShortName, ChallengeImageKind.Banner)).Should().BeNull();

        // Through the API: the image as multipart field `file`, or as the body; a bad one is refused with the reason.
        var client = App.CreateClientWithToken(await App.CreateTokenAsync(admin.UserId!.Value));
        using var form = new MultipartFormDataContent { { new ByteArrayContent(TinyPng), "file", "banner.png" } };
        var banner = await client.PutAsync($"/api/v1/challenges/{challenge.ShortName}/banner/", form);
        banner.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, await banner.Content.ReadAsStringAsync());
        (await banner.Content.ReadAsStringAsync()).Should().Contain($"/api/v1/challenges/{challenge.ShortName}/banner/");
        var refused = await client.PutAsync($"/api/v1/challenges/{challenge.ShortName}/logo/", new StringContent("<svg/>"));
        refused.StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).Should().Contain("must be a PNG or JPEG");
        (await service.OpenImageAsync(Actor.Anonymous, challenge.ShortName, ChallengeImageKind.Banner)).Should().NotBeNull();
    }

    [Fact]
    public async Task Admins_are_added_by_username_and_the_last_one_cannot_be_removed()
    {
        var (challenge, admin) = await ChallengeAsync();
        var service = Service<IChallengeService>();
        var other = await UserAsync("second");

        (await service.AddAdminAsync(admin, challenge.Id, "nobody-by-this-name")).FieldErrors!["username"].Single().Should().Contain("no user named");
        (await service.AddAdminAsync(admin, challenge.Id, NameOf(other).ToUpperInvariant())).Succeeded.Should().BeTrue();
        (await service.AddAdminAsync(admin, challenge.Id, NameOf(other))).Error.Should().Contain("already an admin");
        (await Service<INotificationService>().ListAsync(other.UserId!.Value)).Single().Message.Should().Contain("You are now an admin");
        var stranger = await UserAsync("stranger");
        (await service.AddAdminAsync(stranger, challenge.Id, NameOf(stranger))).Kind.Should().Be(FailureKind.Forbidden);

        // The site admin who created it and the two added: remove down to one.
        var admins = await service.AdminsAsync(challenge.Id);
        admins.Should().HaveCount(3);
        foreach (var member in admins.Where(a => a.UserId != other.UserId))
        {
            (await service.RemoveAdminAsync(other, challenge.Id, member.UserId)).Succeeded.Should().BeTrue();
        }

        var last = await service.RemoveAdminAsync(other, challenge.Id, other.UserId!.Value);
        last.Succeeded.Should().BeFalse();
        last.Error.Should().Be("The last admin of a challenge cannot be removed; add another admin first.");
        (await service.AdminsAsync(challenge.Id)).Select(a => a.UserId).Should().Equal(other.UserId!.Value);
    }

    [Fact]
    public async Task Pages_are_ordered_moved_and_shown_according_to_their_visibility()
    {
        var (challenge, admin) = await ChallengeAsync();
        var pages = Service<IChallengePageService>();
        var access = Service<IChallengeAccess>();
        var rules = (await pages.CreateAsync(admin, challenge.Id, new PageDraft("Rules", "Be nice.", PageVisibility.RegisteredUsers))).Value!;
        var data = (await pages.CreateAsync(admin, challenge.Id, new PageDraft("Data", "Secret link", PageVisibility.Participants))).Value!;
        var notes = (await pages.CreateAsync(admin, challenge.Id, new PageDraft("Organiser notes", "", PageVisibility.Admins, Hidden: true))).Value!;
        var again = (await pages.CreateAsync(admin, challenge.Id, new PageDraft("Rules", "Twice"))).Value!;
        again.Slug.Should().Be("rules-2");
        notes.Slug.Should().Be("organiser-notes");
        (await pages.CreateAsync(admin, challenge.Id, new PageDraft("", "x"))).FieldErrors!["title"].Single().Should().Be("A title is required.");
        (await pages.CreateAsync(await UserAsync("stranger"), challenge.Id, new PageDraft("Mine", "x"))).Kind.Should().Be(FailureKind.Forbidden);

        async Task<List<string>> ReadableAsync(Actor actor) =>
            (await pages.ReadableAsync((await access.FindAsync(actor, challenge.Id))!)).Select(p => p.Slug).ToList();

        (await ReadableAsync(Actor.Anonymous)).Should().Equal("home", "rules-2");
        (await ReadableAsync(await UserAsync("signed"))).Should().Equal("home", "rules", "rules-2");
        (await ReadableAsync(await ParticipantAsync(challenge.Id))).Should().Equal("home", "rules", "data", "rules-2");
        (await ReadableAsync(admin)).Should().Equal("home", "rules", "data", "organiser-notes", "rules-2");

        (await pages.MoveAsync(admin, again.Id, PageMove.First)).Succeeded.Should().BeTrue();
        (await pages.MoveAsync(admin, data.Id, PageMove.Up)).Succeeded.Should().BeTrue();
        (await pages.MoveAsync(admin, rules.Id, PageMove.Last)).Succeeded.Should().BeTrue();
        (await ReadableAsync(admin)).Should().Equal("rules-2", "home", "data", "organiser-notes", "rules");

        var anonymous = (await access.FindAsync(Actor.Anonymous, challenge.Id))!;
        (await pages.FindAsync(anonymous, null)).Page!.Slug.Should().Be("rules-2", "the home page is the first page the visitor may read");
        var denied = await pages.FindAsync(anonymous, "data");
        denied.Page.Should().BeNull();
        denied.DeniedFor.Should().Be(PageVisibility.Participants);
        (await pages.FindAsync(anonymous, "nope")).Exists.Should().BeFalse();

        (await pages.MoveAsync(admin, again.Id, PageMove.Down)).Succeeded.Should().BeTrue();
        (await pages.DeleteAsync(admin, data.Id)).Succeeded.Should().BeTrue();
        (await ReadableAsync(admin)).Should().Equal("home", "rules-2", "organiser-notes", "rules");

        var navigation = await Service<IChallengeNavigation>().FindAsync(admin, challenge.ShortName);
        navigation!.Pages.Select(p => p.Slug).Should().Equal(["home", "rules-2", "rules"], "pages hidden from the menu stay out of it");
    }

    [Fact]
    public async Task Registration_questions_need_a_valid_schema_and_unique_text()
    {
        var (challenge, admin) = await ChallengeAsync();
        var registrations = Service<IRegistrationService>();

        var question = await registrations.AddQuestionAsync(admin, challenge.Id, new QuestionDraft("Team size", "How many of you", """{"type":"integer"}"""));
        question.Succeeded.Should().BeTrue(question.Error);
        (await registrations.AddQuestionAsync(admin, challenge.Id, new QuestionDraft("Team size"))).FieldErrors!["question_text"].Single().Should().Contain("already asks");
        (await registrations.AddQuestionAsync(admin, challenge.Id, new QuestionDraft("Broken", SchemaJson: "{\"type\":"))).FieldErrors!["schema"].Single().Should().Contain("not valid JSON");
        (await registrations.AddQuestionAsync(admin, challenge.Id, new QuestionDraft("Odd", SchemaJson: """{"type":"banana"}"""))).FieldErrors!["schema"].Single().Should().Contain("not a valid JSON Schema");
        (await registrations.AddQuestionAsync(admin, challenge.Id, new QuestionDraft("Plain"))).Value!.SchemaJson.Should().Be("""{"type":"string"}""");

        var updated = await registrations.UpdateQuestionAsync(admin, question.Value!.Id, new QuestionDraft("Team size", "Count yourself too", """{"type":"integer","minimum":1}""", Required: false));
        updated.Value!.Required.Should().BeFalse();
        (await registrations.QuestionsAsync(challenge.Id)).Select(q => q.QuestionText).Should().Equal("Team size", "Plain");
        (await registrations.DeleteQuestionAsync(await UserAsync("stranger"), question.Value.Id)).Kind.Should().Be(FailureKind.Forbidden);
        (await registrations.DeleteQuestionAsync(admin, question.Value.Id)).Succeeded.Should().BeTrue();
        (await registrations.QuestionsAsync(challenge.Id)).Select(q => q.QuestionText).Should().Equal("Plain");
    }

    [Theory]
    [InlineData("Radboud", """{"type":"string"}""", "\"Radboud\"")]
    [InlineData("42", """{"type":"string"}""", "\"42\"")]
    [InlineData("42", """{"type":"integer"}""", "42")]
    [InlineData("[1, 2]", """{"type":"array"}""", "[1, 2]")]
    [InlineData("  ", """{"type":"string"}""", "")]
    [InlineData("{broken", """{"type":"object"}""", "\"{broken\"")]
    public void Typed_answers_are_json_when_that_fits_the_schema_else_text(string typed, string schema, string expected) =>
        RegistrationService.AnswerFromText(typed, schema).Should().Be(expected);

    [Fact]
    public async Task Teams_are_made_of_participants_who_are_invited_and_accept_one_team_each()
    {
        var (challenge, admin) = await ChallengeAsync();
        var teams = Service<ITeamService>();
        var owner = await ParticipantAsync(challenge.Id);
        var friend = await ParticipantAsync(challenge.Id);
        var outsider = await UserAsync("outsider");

        (await teams.CreateAsync(outsider, challenge.Id, new TeamDraft("Outsiders"))).Kind.Should().Be(FailureKind.Forbidden);
        var team = await teams.CreateAsync(owner, challenge.Id, new TeamDraft("Nodule Hunters", "Radiology", "Radboudumc", "https://example.org"));
        team.Succeeded.Should().BeTrue(team.Error);
        (await teams.CreateAsync(friend, challenge.Id, new TeamDraft("nodule hunters"))).FieldErrors!["name"].Single().Should().Contain("already exists");
        (await teams.CreateAsync(friend, challenge.Id, new TeamDraft(new string('x', 33)))).FieldErrors!["name"].Single().Should().Contain("at most 32");
        (await teams.CreateAsync(friend, challenge.Id, new TeamDraft("Web", Website: "javascript:alert(1)"))).FieldErrors!["website"].Single().Should().Contain("http");
        (await teams.CreateAsync(owner, challenge.Id, new TeamDraft("Second team"))).Error.Should().Contain("already in a team");

        var teamId = team.Value!.Id;
        (await teams.InviteAsync(owner, teamId, NameOf(outsider))).Error.Should().Contain("does not take part");
        (await teams.InviteAsync(friend, teamId, NameOf(friend))).Kind.Should().Be(FailureKind.Forbidden, "only the owner invites");
        var invitation = await teams.InviteAsync(owner, teamId, NameOf(friend));
        invitation.Succeeded.Should().BeTrue(invitation.Error);
        (await teams.InviteAsync(owner, teamId, NameOf(friend))).Error.Should().Contain("already been invited");
        (await Service<INotificationService>().ListAsync(friend.UserId!.Value)).Single().Message.Should().Contain("invited to join the team Nodule Hunters");
        (await teams.InvitationsForAsync(friend, challenge.Id)).Should().ContainSingle();

        (await teams.AcceptInvitationAsync(outsider, invitation.Value!.Id)).Kind.Should().Be(FailureKind.NotFound, "an invitation is its invitee's");
        var joined = await teams.AcceptInvitationAsync(friend, invitation.Value.Id);
        joined.Value!.Members.Select(m => m.Username).Should().Equal(NameOf(owner), NameOf(friend));
        (await teams.TeamOfAsync(challenge.Id, friend.UserId!.Value)).Should().Be(teamId);
        (await teams.MembershipsAsync(challenge.Id))[friend.UserId.Value].TeamName.Should().Be("Nodule Hunters");
        (await teams.TeamNamesAsync(challenge.Id))[teamId].Should().Be("Nodule Hunters");
        (await teams.InvitationsForAsync(friend, challenge.Id)).Should().BeEmpty();

        (await teams.RemoveMemberAsync(owner, teamId, owner.UserId!.Value)).Error.Should().Contain("owner cannot be removed");
        (await teams.LeaveAsync(owner, teamId)).Error.Should().Contain("owner cannot leave");
        (await teams.LeaveAsync(friend, teamId)).Succeeded.Should().BeTrue();
        (await teams.TeamOfAsync(challenge.Id, friend.UserId.Value)).Should().BeNull();

        var again = await teams.InviteAsync(owner, teamId, NameOf(friend));
        (await teams.DeclineInvitationAsync(friend, again.Value!.Id)).Succeeded.Should().BeTrue();
        var third = await teams.InviteAsync(owner, teamId, NameOf(friend));
        await teams.AcceptInvitationAsync(friend, third.Value!.Id);
        (await teams.RemoveMemberAsync(admin, teamId, friend.UserId.Value)).Succeeded.Should().BeTrue("challenge admins may remove members");
        (await Service<INotificationService>().ListAsync(friend.UserId.Value)).First().Message.Should().Contain("removed from the team");

        var list = await teams.ListAsync(Actor.Anonymous, challenge.Id);
        list.Value!.Single().Members.Should().ContainSingle();
        (await teams.DeleteAsync(owner, teamId)).Succeeded.Should().BeTrue();
        (await teams.ListAsync(Actor.Anonymous, challenge.Id)).Value.Should().BeEmpty();
    }

    [Fact]
    public async Task A_rejected_participant_leaves_their_teams_which_pass_to_another_member_or_go_when_empty()
    {
        var (challenge, admin) = await ChallengeAsync();
        var registrations = Service<IRegistrationService>();
        var teams = Service<ITeamService>();
        var requests = new Dictionary<Actor, Guid>();
        async Task<Actor> AcceptedAsync()
        {
            var user = await UserAsync("member");
            var request = await registrations.RegisterAsync(user, challenge.Id, []);
            request.Succeeded.Should().BeTrue(request.Error);
            (await registrations.DecideAsync(admin, request.Value!.Id, RequestStatus.Accepted)).Succeeded.Should().BeTrue();
            requests[user] = request.Value.Id;
            return user;
        }

        var owner = await AcceptedAsync();
        var friend = await AcceptedAsync();
        var invited = await AcceptedAsync();
        var teamId = (await teams.CreateAsync(owner, challenge.Id, new TeamDraft("Segmenters"))).Value!.Id;
        await teams.AcceptInvitationAsync(friend, (await teams.InviteAsync(owner, teamId, NameOf(friend))).Value!.Id);
        await teams.InviteAsync(owner, teamId, NameOf(invited));

        (await registrations.DecideAsync(admin, requests[owner], RequestStatus.Rejected)).Succeeded.Should().BeTrue();
        var team = (await teams.ListAsync(admin, challenge.Id)).Value!.Single();
        team.Members.Select(m => m.Username).Should().Equal(NameOf(friend));
        (await teams.TeamOfAsync(challenge.Id, owner.UserId!.Value)).Should().BeNull();
        (await teams.DeleteAsync(friend, teamId)).Succeeded.Should().BeTrue("the team passed to its remaining member");

        var soloTeam = (await teams.CreateAsync(invited, challenge.Id, new TeamDraft("Alone"))).Value!.Id;
        await teams.InviteAsync(invited, soloTeam, NameOf(friend));
        (await registrations.DecideAsync(admin, requests[invited], RequestStatus.Rejected)).Succeeded.Should().BeTrue();
        (await teams.ListAsync(admin, challenge.Id)).Value.Should().BeEmpty("a team whose only member was rejected is deleted");
        (await teams.InvitationsForAsync(friend, challenge.Id)).Should().BeEmpty();
    }

    [Fact]
    public async Task Notifications_count_unread_messages_and_are_read_by_their_owner_only()
    {
        var notifications = Service<INotificationService>();
        var user = await UserAsync("reader");
        var other = await UserAsync("other");
        var notifier = Service<IChangeNotifier>();
        var published = new TaskCompletionSource();
        using var subscription = notifier.Subscribe(NotificationService.TopicFor(user.UserId!.Value), _ =>
        {
            published.TrySetResult();
            return Task.CompletedTask;
        });

        await notifications.NotifyAsync([user.UserId.Value], "First", "/challenges");
        await notifications.NotifyAsync([user.UserId.Value, other.UserId!.Value], "Second");

        await published.Task.WaitAsync(TimeSpan.FromSeconds(10));
        (await notifications.UnreadCountAsync(user.UserId.Value)).Should().Be(2);
        var list = await notifications.ListAsync(user.UserId.Value);
        list.Select(n => n.Message).Should().Equal("Second", "First");
        (await notifications.MarkReadAsync(other.UserId.Value, list[0].Id)).Should().BeFalse();
        (await notifications.MarkReadAsync(user.UserId.Value, list[0].Id)).Should().BeTrue();
        (await notifications.UnreadCountAsync(user.UserId.Value)).Should().Be(1);
        await notifications.MarkAllReadAsync(user.UserId.Value);
        (await notifications.UnreadCountAsync(user.UserId.Value)).Should().Be(0);
        (await notifications.UnreadCountAsync(other.UserId.Value)).Should().Be(1);
    }
}
