using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Notifications;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Challenges;

public sealed record TeamDraft(string? Name, string? Department = null, string? Institution = null, string? Website = null);

public sealed record TeamMemberView(Guid UserId, string Username, bool IsOwner);

public sealed record TeamInvitationView(Guid Id, Guid TeamId, string TeamName, Guid UserId, string Username, string InvitedBy, DateTimeOffset Created);

public sealed record TeamView(
    Guid Id,
    Guid ChallengeId,
    string Name,
    string Department,
    string Institution,
    string Website,
    Guid OwnerId,
    IReadOnlyList<TeamMemberView> Members,
    IReadOnlyList<TeamInvitationView> Invitations);

/// <summary>A user's team in one challenge, for leaderboards ("user (team)").</summary>
public sealed record TeamMembership(Guid TeamId, string TeamName);

/// <summary>
/// Teams of a challenge's participants (grand-challenge.org's teams are cosmetic: limits and ranks stay per user).
/// A user is in at most one team per challenge; the owner invites participants, who accept or decline.
/// </summary>
public interface ITeamService
{
    /// <summary>The team the user belongs to in the challenge, if any.</summary>
    Task<Guid?> TeamOfAsync(Guid challengeId, Guid userId, CancellationToken ct = default);

    /// <summary>Every member of a team in the challenge with their team, keyed by user id (for leaderboards).</summary>
    Task<IReadOnlyDictionary<Guid, TeamMembership>> MembershipsAsync(Guid challengeId, CancellationToken ct = default);

    /// <summary>Team names of the challenge keyed by team id.</summary>
    Task<IReadOnlyDictionary<Guid, string>> TeamNamesAsync(Guid challengeId, CancellationToken ct = default);

    /// <summary>Every team of the challenge; pending invitations only for those who may see them (the team's owner, the invitee, admins).</summary>
    Task<Result<IReadOnlyList<TeamView>>> ListAsync(Actor actor, Guid challengeId, CancellationToken ct = default);

    /// <summary>Invitations waiting for the actor in the challenge.</summary>
    Task<IReadOnlyList<TeamInvitationView>> InvitationsForAsync(Actor actor, Guid challengeId, CancellationToken ct = default);

    Task<Result<TeamView>> CreateAsync(Actor actor, Guid challengeId, TeamDraft draft, CancellationToken ct = default);
    Task<Result<TeamView>> UpdateAsync(Actor actor, Guid teamId, TeamDraft draft, CancellationToken ct = default);
    Task<Result<bool>> DeleteAsync(Actor actor, Guid teamId, CancellationToken ct = default);
    Task<Result<TeamInvitationView>> InviteAsync(Actor actor, Guid teamId, string? username, CancellationToken ct = default);
    Task<Result<TeamView>> AcceptInvitationAsync(Actor actor, Guid invitationId, CancellationToken ct = default);
    Task<Result<bool>> DeclineInvitationAsync(Actor actor, Guid invitationId, CancellationToken ct = default);
    Task<Result<bool>> RemoveMemberAsync(Actor actor, Guid teamId, Guid userId, CancellationToken ct = default);
    Task<Result<bool>> LeaveAsync(Actor actor, Guid teamId, CancellationToken ct = default);
}

public sealed class TeamService(
    IDbContextFactory<AppDbContext> dbFactory,
    IChallengeAccess access,
    INotificationService notifications,
    IChangeNotifier notifier,
    TimeProvider clock) : ITeamService
{
    public const int MaxNameLength = 32;

    public async Task<Guid?> TeamOfAsync(Guid challengeId, Guid userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.TeamMembers.Where(m => m.ChallengeId == challengeId && m.UserId == userId).Select(m => (Guid?)m.TeamId).FirstOrDefaultAsync(ct);
    }

    public async Task<IReadOnlyDictionary<Guid, TeamMembership>> MembershipsAsync(Guid challengeId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.TeamMembers.Where(m => m.ChallengeId == challengeId)
            .Join(db.Teams, m => m.TeamId, t => t.Id, (m, t) => new { m.UserId, t.Id, t.Name })
            .ToDictionaryAsync(x => x.UserId, x => new TeamMembership(x.Id, x.Name), ct);
    }

    public async Task<IReadOnlyDictionary<Guid, string>> TeamNamesAsync(Guid challengeId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Teams.Where(t => t.ChallengeId == challengeId).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
    }

    public async Task<Result<IReadOnlyList<TeamView>>> ListAsync(Actor actor, Guid challengeId, CancellationToken ct = default)
    {
        var context = await access.FindAsync(actor, challengeId, ct);
        if (context is null)
        {
            return Result<IReadOnlyList<TeamView>>.NotFound(ChallengeService.NotFoundMessage);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var views = await ViewsAsync(db, t => t.ChallengeId == challengeId, ct);
        var visible = views.Select(v => v with
        {
            Invitations = v.Invitations.Where(i => context.IsAdmin || v.OwnerId == actor.UserId || i.UserId == actor.UserId).ToList(),
        });
        return Result<IReadOnlyList<TeamView>>.Ok(visible.OrderBy(v => v.Name, StringComparer.OrdinalIgnoreCase).ToList());
    }

    public async Task<IReadOnlyList<TeamInvitationView>> InvitationsForAsync(Actor actor, Guid challengeId, CancellationToken ct = default)
    {
        if (actor.UserId is not { } userId)
        {
            return [];
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var teamIds = db.Teams.Where(t => t.ChallengeId == challengeId).Select(t => t.Id);
        return await InvitationViewsAsync(db, db.TeamInvitations.Where(i => i.UserId == userId && teamIds.Contains(i.TeamId)), ct);
    }

    public async Task<Result<TeamView>> CreateAsync(Actor actor, Guid challengeId, TeamDraft draft, CancellationToken ct = default)
    {
        var context = await access.FindAsync(actor, challengeId, ct);
        if (context is null)
        {
            return Result<TeamView>.NotFound(ChallengeService.NotFoundMessage);
        }

        if (!context.IsParticipant || actor.UserId is not { } userId)
        {
            return Result<TeamView>.Forbidden("Only participants of the challenge create teams.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var errors = await ValidateAsync(db, challengeId, null, draft, ct);
        if (await db.TeamMembers.AnyAsync(m => m.ChallengeId == challengeId && m.UserId == userId, ct))
        {
            errors.Add("name", "You are already in a team of this challenge; leave it first.");
        }

        if (errors.Any)
        {
            return errors.ToResult<TeamView>();
        }

        var team = new Team
        {
            ChallengeId = challengeId,
            Name = draft.Name!.Trim(),
            Department = (draft.Department ?? "").Trim(),
            Institution = (draft.Institution ?? "").Trim(),
            Website = (draft.Website ?? "").Trim(),
            OwnerId = userId,
        };
        team.Members.Add(new TeamMember { UserId = userId, ChallengeId = challengeId, Created = clock.GetUtcNow() });
        db.Teams.Add(team);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return await db.TeamMembers.AnyAsync(m => m.ChallengeId == challengeId && m.UserId == userId, ct)
                ? Result<TeamView>.Invalid("name", "You are already in a team of this challenge; leave it first.")
                : Result<TeamView>.Invalid("name", $"A team named '{team.Name}' already exists in this challenge.");
        }

        // Invitations to other teams lapse once the user has a team.
        await DropInvitationsAsync(db, challengeId, userId, ct);
        notifier.Publish(ChallengeTopics.Teams(challengeId));
        return Result<TeamView>.Ok((await ViewsAsync(db, t => t.Id == team.Id, ct)).Single());
    }

    public async Task<Result<TeamView>> UpdateAsync(Actor actor, Guid teamId, TeamDraft draft, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (team, denied) = await OwnedTeamAsync(db, actor, teamId, allowAdmins: true, ct);
        if (team is null)
        {
            return denied.As<TeamView>();
        }

        var errors = await ValidateAsync(db, team.ChallengeId, teamId, draft, ct);
        if (errors.Any)
        {
            return errors.ToResult<TeamView>();
        }

        team.Name = draft.Name!.Trim();
        team.Department = (draft.Department ?? "").Trim();
        team.Institution = (draft.Institution ?? "").Trim();
        team.Website = (draft.Website ?? "").Trim();
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Result<TeamView>.Invalid("name", $"A team named '{team.Name}' already exists in this challenge.");
        }

        notifier.Publish(ChallengeTopics.Teams(team.ChallengeId));
        return Result<TeamView>.Ok((await ViewsAsync(db, t => t.Id == teamId, ct)).Single());
    }

    public async Task<Result<bool>> DeleteAsync(Actor actor, Guid teamId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (team, denied) = await OwnedTeamAsync(db, actor, teamId, allowAdmins: true, ct);
        if (team is null)
        {
            return denied.As<bool>();
        }

        db.Teams.Remove(team);
        await db.SaveChangesAsync(ct);
        notifier.Publish(ChallengeTopics.Teams(team.ChallengeId));
        return Result<bool>.Ok(true);
    }

    public async Task<Result<TeamInvitationView>> InviteAsync(Actor actor, Guid teamId, string? username, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (team, denied) = await OwnedTeamAsync(db, actor, teamId, allowAdmins: false, ct);
        if (team is null)
        {
            return denied.As<TeamInvitationView>();
        }

        var name = (username ?? "").Trim();
        var normalized = name.ToUpperInvariant();
        var user = name.Length == 0 ? null : await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedUserName == normalized, ct);
        if (user is null)
        {
            return Result<TeamInvitationView>.Invalid("username", name.Length == 0 ? "Give the username to invite." : $"There is no user named '{name}'.");
        }

        var isParticipant = await db.ObjectRoles.AnyAsync(r => r.ObjectKind == ObjectKinds.Challenge && r.ObjectId == team.ChallengeId
                                                               && r.Role == ObjectRoles.Participant && r.UserId == user.Id, ct);
        if (!isParticipant)
        {
            return Result<TeamInvitationView>.Invalid("username", $"{user.UserName} does not take part in this challenge; only participants join teams.");
        }

        if (await db.TeamMembers.AnyAsync(m => m.ChallengeId == team.ChallengeId && m.UserId == user.Id, ct))
        {
            return Result<TeamInvitationView>.Invalid("username", $"{user.UserName} is already in a team of this challenge.");
        }

        if (await db.TeamInvitations.AnyAsync(i => i.TeamId == teamId && i.UserId == user.Id, ct))
        {
            return Result<TeamInvitationView>.Invalid("username", $"{user.UserName} has already been invited to this team.");
        }

        var invitation = new TeamInvitation { TeamId = teamId, UserId = user.Id, InvitedById = actor.UserId!.Value, Created = clock.GetUtcNow() };
        db.TeamInvitations.Add(invitation);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Result<TeamInvitationView>.Invalid("username", $"{user.UserName} has already been invited to this team.");
        }

        var challenge = await db.Challenges.AsNoTracking().SingleAsync(c => c.Id == team.ChallengeId, ct);
        notifier.Publish(ChallengeTopics.Teams(team.ChallengeId));
        await notifications.NotifyAsync([user.Id], $"You are invited to join the team {team.Name} in the challenge {challenge.Title}.",
            $"/challenges/{challenge.ShortName}/teams", ct);
        return Result<TeamInvitationView>.Ok((await InvitationViewsAsync(db, db.TeamInvitations.Where(i => i.Id == invitation.Id), ct)).Single());
    }

    public async Task<Result<TeamView>> AcceptInvitationAsync(Actor actor, Guid invitationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var invitation = await db.TeamInvitations.AsNoTracking().SingleOrDefaultAsync(i => i.Id == invitationId && i.UserId == actor.UserId, ct);
        if (invitation is null)
        {
            return Result<TeamView>.NotFound("No such invitation.");
        }

        var team = await db.Teams.AsNoTracking().SingleAsync(t => t.Id == invitation.TeamId, ct);
        var context = await access.FindAsync(actor, team.ChallengeId, ct);
        if (context is null || !context.IsParticipant)
        {
            return Result<TeamView>.Forbidden("Only participants of the challenge join teams.");
        }

        var userId = actor.UserId!.Value;
        if (await db.TeamMembers.AnyAsync(m => m.ChallengeId == team.ChallengeId && m.UserId == userId, ct))
        {
            return Result<TeamView>.Fail("You are already in a team of this challenge; leave it first.");
        }

        db.TeamMembers.Add(new TeamMember { TeamId = team.Id, UserId = userId, ChallengeId = team.ChallengeId, Created = clock.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Result<TeamView>.Fail("You are already in a team of this challenge; leave it first.");
        }

        await DropInvitationsAsync(db, team.ChallengeId, userId, ct);
        notifier.Publish(ChallengeTopics.Teams(team.ChallengeId));
        var view = (await ViewsAsync(db, t => t.Id == team.Id, ct)).Single();
        var username = view.Members.First(m => m.UserId == userId).Username;
        await notifications.NotifyAsync([team.OwnerId], $"{username} joined your team {team.Name}.", $"/challenges/{context.Challenge.ShortName}/teams", ct);
        return Result<TeamView>.Ok(view);
    }

    public async Task<Result<bool>> DeclineInvitationAsync(Actor actor, Guid invitationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var invitation = await db.TeamInvitations.AsNoTracking().SingleOrDefaultAsync(i => i.Id == invitationId, ct);
        if (invitation is null)
        {
            return Result<bool>.NotFound("No such invitation.");
        }

        var team = await db.Teams.AsNoTracking().SingleAsync(t => t.Id == invitation.TeamId, ct);
        // The invitee declines; the team's owner may withdraw the invitation the same way.
        if (invitation.UserId != actor.UserId && team.OwnerId != actor.UserId)
        {
            return Result<bool>.NotFound("No such invitation.");
        }

        await db.TeamInvitations.Where(i => i.Id == invitationId).ExecuteDeleteAsync(ct);
        notifier.Publish(ChallengeTopics.Teams(team.ChallengeId));
        return Result<bool>.Ok(true);
    }

    public async Task<Result<bool>> RemoveMemberAsync(Actor actor, Guid teamId, Guid userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (team, denied) = await OwnedTeamAsync(db, actor, teamId, allowAdmins: true, ct);
        if (team is null)
        {
            return denied.As<bool>();
        }

        if (userId == team.OwnerId)
        {
            return Result<bool>.Fail("The owner cannot be removed from their team; delete the team instead.");
        }

        var removed = await db.TeamMembers.Where(m => m.TeamId == teamId && m.UserId == userId).ExecuteDeleteAsync(ct);
        if (removed == 0)
        {
            return Result<bool>.NotFound("That user is not in this team.");
        }

        notifier.Publish(ChallengeTopics.Teams(team.ChallengeId));
        var challenge = await db.Challenges.AsNoTracking().SingleAsync(c => c.Id == team.ChallengeId, ct);
        await notifications.NotifyAsync([userId], $"You were removed from the team {team.Name}.", $"/challenges/{challenge.ShortName}/teams", ct);
        return Result<bool>.Ok(true);
    }

    public async Task<Result<bool>> LeaveAsync(Actor actor, Guid teamId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var team = await db.Teams.AsNoTracking().SingleOrDefaultAsync(t => t.Id == teamId, ct);
        if (team is null || actor.UserId is not { } userId || !await db.TeamMembers.AnyAsync(m => m.TeamId == teamId && m.UserId == userId, ct))
        {
            return Result<bool>.NotFound("You are not in this team.");
        }

        if (team.OwnerId == userId)
        {
            return Result<bool>.Fail("The owner cannot leave their team; delete the team instead.");
        }

        await db.TeamMembers.Where(m => m.TeamId == teamId && m.UserId == userId).ExecuteDeleteAsync(ct);
        notifier.Publish(ChallengeTopics.Teams(team.ChallengeId));
        return Result<bool>.Ok(true);
    }

    /// <summary>The team, tracked, when the actor owns it (or administers its challenge, where allowed); else null and why.</summary>
    private async Task<(Team? Team, Result<bool> Denied)> OwnedTeamAsync(AppDbContext db, Actor actor, Guid teamId, bool allowAdmins, CancellationToken ct)
    {
        var team = await db.Teams.SingleOrDefaultAsync(t => t.Id == teamId, ct);
        var context = team is null ? null : await access.FindAsync(actor, team.ChallengeId, ct);
        if (team is null || context is null)
        {
            return (null, Result<bool>.NotFound("No such team."));
        }

        if (team.OwnerId == actor.UserId || (allowAdmins && context.IsAdmin))
        {
            return (team, Result<bool>.Ok(true));
        }

        return (null, Result<bool>.Forbidden(allowAdmins ? "Only the team's owner or the challenge's admins may do that." : "Only the team's owner may do that."));
    }

    private static async Task DropInvitationsAsync(AppDbContext db, Guid challengeId, Guid userId, CancellationToken ct)
    {
        var teamIds = db.Teams.Where(t => t.ChallengeId == challengeId).Select(t => t.Id);
        await db.TeamInvitations.Where(i => i.UserId == userId && teamIds.Contains(i.TeamId)).ExecuteDeleteAsync(ct);
    }

    private static async Task<FieldErrors> ValidateAsync(AppDbContext db, Guid challengeId, Guid? teamId, TeamDraft draft, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var name = (draft.Name ?? "").Trim();
        if (name.Length == 0)
        {
            errors.Add("name", "A team needs a name.");
        }
        else if (name.Length > MaxNameLength)
        {
            errors.Add("name", $"A team name may have at most {MaxNameLength} characters.");
        }
        else
        {
            var lower = name.ToLower();
            if (await db.Teams.AnyAsync(t => t.ChallengeId == challengeId && t.Id != teamId && t.Name.ToLower() == lower, ct))
            {
                errors.Add("name", $"A team named '{name}' already exists in this challenge.");
            }
        }

        if ((draft.Department ?? "").Trim().Length > 200)
        {
            errors.Add("department", "The department may have at most 200 characters.");
        }

        if ((draft.Institution ?? "").Trim().Length > 200)
        {
            errors.Add("institution", "The institution may have at most 200 characters.");
        }

        ChallengeService.Check(errors, "website", ChallengeRules.CheckWebsite((draft.Website ?? "").Trim()));
        return errors;
    }

    private static async Task<List<TeamView>> ViewsAsync(AppDbContext db, System.Linq.Expressions.Expression<Func<Team, bool>> filter, CancellationToken ct)
    {
        var teams = await db.Teams.AsNoTracking().Include(t => t.Members).Where(filter).ToListAsync(ct);
        var teamIds = teams.Select(t => t.Id).ToList();
        var userIds = teams.SelectMany(t => t.Members.Select(m => m.UserId)).Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName!, ct);
        var invitations = await InvitationViewsAsync(db, db.TeamInvitations.Where(i => teamIds.Contains(i.TeamId)), ct);
        return teams.Select(t => new TeamView(
                t.Id, t.ChallengeId, t.Name, t.Department, t.Institution, t.Website, t.OwnerId,
                t.Members.OrderBy(m => m.UserId != t.OwnerId).ThenBy(m => names[m.UserId], StringComparer.OrdinalIgnoreCase)
                    .Select(m => new TeamMemberView(m.UserId, names[m.UserId], m.UserId == t.OwnerId)).ToList(),
                invitations.Where(i => i.TeamId == t.Id).ToList()))
            .ToList();
    }

    private static async Task<List<TeamInvitationView>> InvitationViewsAsync(AppDbContext db, IQueryable<TeamInvitation> invitations, CancellationToken ct)
    {
        var rows = await invitations
            .Join(db.Teams, i => i.TeamId, t => t.Id, (i, t) => new { i, t.Name })
            .Join(db.Users, x => x.i.UserId, u => u.Id, (x, u) => new { x.i, x.Name, Username = u.UserName })
            .Join(db.Users, x => x.i.InvitedById, u => u.Id, (x, u) => new { x.i, x.Name, x.Username, InvitedBy = u.UserName })
            .ToListAsync(ct);
        return rows.Select(x => new TeamInvitationView(x.i.Id, x.i.TeamId, x.Name, x.i.UserId, x.Username!, x.InvitedBy!, x.i.Created))
            .OrderBy(i => i.Created).ToList();
    }
}
