using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Challenges;

public sealed record ChallengeSummary(Guid Id, string ShortName, string Title, string Description, bool Hidden, DateTimeOffset Created, string? LogoBlobKey = null);

public interface IChallengeQueries
{
    Task<IReadOnlyList<ChallengeSummary>> ListVisibleAsync(Actor actor, CancellationToken ct = default);
}

public sealed class ChallengeQueries(IDbContextFactory<AppDbContext> dbFactory, IPermissionService permissions) : IChallengeQueries
{
    public async Task<IReadOnlyList<ChallengeSummary>> ListVisibleAsync(Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Challenges.AsNoTracking();
        if (!actor.IsSiteAdmin)
        {
            var memberOf = permissions.ObjectIdsWithRole(db, actor, ObjectKinds.Challenge, ObjectRoles.Admin, ObjectRoles.Participant);
            query = query.Where(c => !c.Hidden || memberOf.Contains(c.Id));
        }

        return await query
            .OrderByDescending(c => c.Created)
            .Select(c => new ChallengeSummary(c.Id, c.ShortName, c.Title, c.Description, c.Hidden, c.Created, c.LogoBlobKey))
            .ToListAsync(ct);
    }
}
