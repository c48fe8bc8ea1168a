using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;

namespace GrandChallenge.Tests.Domain;

[Trait("Category", "Unit")]
public sealed class PermissionServiceTests : IDisposable
{
    private readonly InMemoryDatabase _db = new();
    private readonly PermissionService _permissions;
    private readonly Guid _challenge = Guid.NewGuid();

    public PermissionServiceTests() => _permissions = new PermissionService(_db);

    public void Dispose() => _db.Dispose();

    private Guid NewUser(string name)
    {
        using var db = _db.CreateDbContext();
        var user = new ApplicationUser { UserName = name, NormalizedUserName = name.ToUpperInvariant(), Email = $"{name}@example.org" };
        db.Users.Add(user);
        db.SaveChanges();
        return user.Id;
    }

    [Fact]
    public async Task Anonymous_holds_no_role_and_no_permission()
    {
        (await _permissions.CanAsync(Actor.Anonymous, Permissions.ChangeChallenge, _challenge)).Should().BeFalse();
        (await _permissions.RolesAsync(Actor.Anonymous, ObjectKinds.Challenge, _challenge)).Should().BeEmpty();
    }

    [Fact]
    public async Task Stranger_holds_nothing_on_an_object_others_administer()
    {
        var admin = NewUser("owner");
        var stranger = NewUser("stranger");
        await _permissions.GrantAsync(ObjectKinds.Challenge, _challenge, ObjectRoles.Admin, admin);

        (await _permissions.CanAsync(new Actor(stranger, false), Permissions.ChangeChallenge, _challenge)).Should().BeFalse();
        (await _permissions.CanAsync(new Actor(stranger, false), Permissions.ParticipateInChallenge, _challenge)).Should().BeFalse();
    }

    [Fact]
    public async Task Participant_may_participate_but_not_change()
    {
        var user = NewUser("participant");
        await _permissions.GrantAsync(ObjectKinds.Challenge, _challenge, ObjectRoles.Participant, user);
        var actor = new Actor(user, false);

        (await _permissions.CanAsync(actor, Permissions.ParticipateInChallenge, _challenge)).Should().BeTrue();
        (await _permissions.CanAsync(actor, Permissions.ChangeChallenge, _challenge)).Should().BeFalse();
        (await _permissions.CanAsync(actor, Permissions.ParticipateInChallenge, Guid.NewGuid())).Should().BeFalse("roles hold on one object only");
    }

    [Fact]
    public async Task Site_admin_holds_every_permission_without_being_a_member()
    {
        var admin = new Actor(NewUser("siteadmin"), IsSiteAdmin: true);

        (await _permissions.CanAsync(admin, Permissions.ChangeChallenge, _challenge)).Should().BeTrue();
        (await _permissions.CanAsync(admin, Permissions.ReadReaderStudy, Guid.NewGuid())).Should().BeTrue();
        (await _permissions.HasRoleAsync(admin, ObjectKinds.Challenge, _challenge, ObjectRoles.Participant)).Should().BeFalse();
    }

    [Fact]
    public async Task Roles_granted_to_a_group_reach_its_members_only()
    {
        var member = NewUser("member");
        var outsider = NewUser("outsider");
        var group = new UserGroup { Name = "readers" };
        using (var db = _db.CreateDbContext())
        {
            db.UserGroups.Add(group);
            db.UserGroupMembers.Add(new UserGroupMember { GroupId = group.Id, UserId = member });
            await db.SaveChangesAsync();
        }

        var study = Guid.NewGuid();
        await _permissions.GrantAsync(ObjectKinds.ReaderStudy, study, ObjectRoles.Reader, groupId: group.Id);

        (await _permissions.CanAsync(new Actor(member, false), Permissions.ReadReaderStudy, study)).Should().BeTrue();
        (await _permissions.CanAsync(new Actor(outsider, false), Permissions.ReadReaderStudy, study)).Should().BeFalse();
        (await _permissions.UsersWithRoleAsync(ObjectKinds.ReaderStudy, study, ObjectRoles.Reader)).Should().Equal(member);
    }

    [Fact]
    public async Task Granting_twice_keeps_one_role_and_revoking_removes_it()
    {
        var user = NewUser("editor");
        var algorithm = Guid.NewGuid();
        await _permissions.GrantAsync(ObjectKinds.Algorithm, algorithm, ObjectRoles.Editor, user);
        await _permissions.GrantAsync(ObjectKinds.Algorithm, algorithm, ObjectRoles.Editor, user);
        _db.CreateDbContext().ObjectRoles.Count().Should().Be(1);

        await _permissions.RevokeAsync(ObjectKinds.Algorithm, algorithm, ObjectRoles.Editor, user);
        (await _permissions.CanAsync(new Actor(user, false), Permissions.ChangeAlgorithm, algorithm)).Should().BeFalse();
    }

    [Fact]
    public async Task A_role_the_kind_does_not_know_is_refused_and_nothing_is_stored()
    {
        var user = NewUser("someone");
        var act = () => _permissions.GrantAsync(ObjectKinds.Archive, Guid.NewGuid(), ObjectRoles.Participant, user);
        await act.Should().ThrowAsync<DomainException>().WithMessage("*'participant' is not a role of a archive*");

        var both = () => _permissions.GrantAsync(ObjectKinds.Archive, Guid.NewGuid(), ObjectRoles.User, user, Guid.NewGuid());
        await both.Should().ThrowAsync<DomainException>();
        _db.CreateDbContext().ObjectRoles.Should().BeEmpty();
    }

    [Fact]
    public async Task ObjectIdsWithRole_lists_only_the_actors_objects()
    {
        var user = NewUser("lister");
        var mine = Guid.NewGuid();
        await _permissions.GrantAsync(ObjectKinds.Archive, mine, ObjectRoles.Uploader, user);
        await _permissions.GrantAsync(ObjectKinds.Archive, Guid.NewGuid(), ObjectRoles.Uploader, NewUser("other"));

        using var db = _db.CreateDbContext();
        _permissions.ObjectIdsWithRole(db, new Actor(user, false), ObjectKinds.Archive, ObjectRoles.Uploader).ToList().Should().Equal(mine);
        _permissions.ObjectIdsWithRole(db, Actor.Anonymous, ObjectKinds.Archive, ObjectRoles.Uploader).ToList().Should().BeEmpty();
    }
}
