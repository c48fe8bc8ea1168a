using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Challenges;

/// <summary>A challenge as one actor sees it: what they are in it and what they may do.</summary>
public sealed record ChallengeAccessContext(Challenge Challenge, Actor Actor, bool IsAdmin, bool IsParticipant)
{
    /// <summary>Admins, participants and site admins; the ones who see hidden phases' existence is decided per phase.</summary>
    public bool IsMember => IsAdmin || IsParticipant;
}

public interface IChallengeAccess
{
    /// <summary>The challenge by short name (case-insensitive), or null when it does not exist or is hidden from the actor.</summary>
    Task<ChallengeAccessContext?> FindAsync(Actor actor, string shortName, CancellationToken ct = default);

    Task<ChallengeAccessContext?> FindAsync(Actor actor, Guid challengeId, CancellationToken ct = default);
}

/// <summary>
/// The one place that decides whether a challenge is visible: a hidden challenge exists only for its admins,
/// participants and site admins — everywhere else (pages, API, lists) it answers as if it did not exist.
/// </summary>
public sealed class ChallengeAccess(IDbContextFactory<AppDbContext> dbFactory, IPermissionService permissions) : IChallengeAccess
{
    public async Task<ChallengeAccessContext?> FindAsync(Actor actor, string shortName, CancellationToken ct = default)
    {
        var name = (shortName ?? "").Trim().ToLowerInvariant();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var challenge = await db.Challenges.AsNoTracking().FirstOrDefaultAsync(c => c.ShortName == name, ct);
        return challenge is null ? null : await ContextAsync(actor, challenge, ct);
    }

    public async Task<ChallengeAccessContext?> FindAsync(Actor actor, Guid challengeId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var challenge = await db.Challenges.AsNoTracking().FirstOrDefaultAsync(c => c.Id == challengeId, ct);
        return challenge is null ? null : await ContextAsync(actor, challenge, ct);
    }

    private async Task<ChallengeAccessContext?> ContextAsync(Actor actor, Challenge challenge, CancellationToken ct)
    {
        var roles = await permissions.RolesAsync(actor, ObjectKinds.Challenge, challenge.Id, ct);
        var isAdmin = actor.IsSiteAdmin || roles.Contains(ObjectRoles.Admin);
        var isParticipant = roles.Contains(ObjectRoles.Participant);
        if (challenge.Hidden && !isAdmin && !isParticipant)
        {
            return null;
        }

        return new ChallengeAccessContext(challenge, actor, isAdmin, isParticipant);
    }
}
