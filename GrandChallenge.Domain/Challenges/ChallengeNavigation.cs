using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Challenges;

public sealed record NavLink(string Slug, string Title);

/// <summary>What a challenge's header and menu show to one actor.</summary>
public sealed record ChallengeNavModel(
    ChallengeAccessContext Access,
    IReadOnlyList<NavLink> Pages,
    IReadOnlyList<NavLink> Phases,
    RequestStatus? Registration)
{
    public Challenge Challenge => Access.Challenge;
}

public interface IChallengeNavigation
{
    /// <summary>Null when the challenge does not exist or is hidden from the actor.</summary>
    Task<ChallengeNavModel?> FindAsync(Actor actor, string shortName, CancellationToken ct = default);
}

public sealed class ChallengeNavigation(IDbContextFactory<AppDbContext> dbFactory, IChallengeAccess access) : IChallengeNavigation
{
    public async Task<ChallengeNavModel?> FindAsync(Actor actor, string shortName, CancellationToken ct = default)
    {
        if (await access.FindAsync(actor, shortName, ct) is not { } context)
        {
            return null;
        }

        var challengeId = context.Challenge.Id;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pages = (await db.ChallengePages.AsNoTracking().Where(p => p.ChallengeId == challengeId && !p.Hidden).ToListAsync(ct))
            .Where(p => ChallengePageService.CanRead(context, p.Visibility))
            .OrderBy(p => p.Order).ThenBy(p => p.Created)
            .Select(p => new NavLink(p.Slug, p.Title))
            .ToList();
        // Phases without an opening date come first: they are open from the start.
        var phases = (await db.Phases.AsNoTracking().Where(p => p.ChallengeId == challengeId && (p.Public || context.IsAdmin))
                .Select(p => new { p.Slug, p.Title, p.OpenAt, p.Created }).ToListAsync(ct))
            .OrderBy(p => p.OpenAt ?? DateTimeOffset.MinValue).ThenBy(p => p.Created)
            .Select(p => new NavLink(p.Slug, p.Title))
            .ToList();
        RequestStatus? registration = actor.UserId is { } userId
            ? await db.RegistrationRequests.Where(r => r.ChallengeId == challengeId && r.UserId == userId).Select(r => (RequestStatus?)r.Status).FirstOrDefaultAsync(ct)
            : null;
        return new ChallengeNavModel(context, pages, phases, registration);
    }
}
