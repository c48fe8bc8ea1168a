using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Algorithms;

/// <summary>An algorithm as one actor sees it: the roles they hold and what those let them do.</summary>
public sealed record AlgorithmAccessContext(Algorithm Algorithm, Actor Actor, IReadOnlySet<string> Roles)
{
    /// <summary>Editors and site admins change the algorithm, upload images and models, manage members and read job logs.</summary>
    public bool IsEditor => Actor.IsSiteAdmin || Roles.Contains(ObjectRoles.Editor);

    /// <summary>Editors and users start jobs (grand-challenge.org's <c>execute_algorithm</c>).</summary>
    public bool CanExecute => IsEditor || Roles.Contains(ObjectRoles.User);
}

public interface IAlgorithmAccess
{
    /// <summary>The algorithm by slug (case-insensitive) or id, or null when it does not exist or is hidden from the actor.</summary>
    Task<AlgorithmAccessContext?> FindAsync(Actor actor, string slugOrId, CancellationToken ct = default);

    Task<AlgorithmAccessContext?> FindAsync(Actor actor, Guid algorithmId, CancellationToken ct = default);

    /// <summary>Ids of the algorithms the actor may see, as a query to compose (everything for site admins).</summary>
    IQueryable<Guid> VisibleAlgorithmIds(AppDbContext db, Actor actor);
}

/// <summary>
/// The one place that decides whether an algorithm is visible: a public algorithm is visible to everyone, a non-public
/// one only to its editors, users and site admins — to everyone else it does not exist (404 everywhere).
/// </summary>
public sealed class AlgorithmAccess(IDbContextFactory<AppDbContext> dbFactory, IPermissionService permissions) : IAlgorithmAccess
{
    private static readonly string[] AllRoles = [ObjectRoles.Editor, ObjectRoles.User];

    public async Task<AlgorithmAccessContext?> FindAsync(Actor actor, string slugOrId, CancellationToken ct = default)
    {
        if (Guid.TryParse(slugOrId, out var id))
        {
            return await FindAsync(actor, id, ct);
        }

        var slug = slugOrId.Trim().ToLowerInvariant();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var algorithm = await db.Algorithms.AsNoTracking().FirstOrDefaultAsync(a => a.Slug == slug, ct);
        return algorithm is null ? null : await ContextAsync(actor, algorithm, ct);
    }

    public async Task<AlgorithmAccessContext?> FindAsync(Actor actor, Guid algorithmId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var algorithm = await db.Algorithms.AsNoTracking().FirstOrDefaultAsync(a => a.Id == algorithmId, ct);
        return algorithm is null ? null : await ContextAsync(actor, algorithm, ct);
    }

    public IQueryable<Guid> VisibleAlgorithmIds(AppDbContext db, Actor actor)
    {
        if (actor.IsSiteAdmin)
        {
            return db.Algorithms.Select(a => a.Id);
        }

        var memberOf = permissions.ObjectIdsWithRole(db, actor, ObjectKinds.Algorithm, AllRoles);
        return db.Algorithms.Where(a => a.Public || memberOf.Contains(a.Id)).Select(a => a.Id);
    }

    private async Task<AlgorithmAccessContext?> ContextAsync(Actor actor, Algorithm algorithm, CancellationToken ct)
    {
        var context = new AlgorithmAccessContext(algorithm, actor, await permissions.RolesAsync(actor, ObjectKinds.Algorithm, algorithm.Id, ct));
        return algorithm.Public || context.CanExecute ? context : null;
    }
}

/// <summary>Change-notifier topics: pages showing an algorithm, its images, models or jobs reload when these fire.</summary>
public static class AlgorithmTopics
{
    public static string Algorithm(Guid algorithmId) => $"algorithm/{algorithmId:N}";

    public static string Jobs(Guid algorithmId) => $"algorithm/{algorithmId:N}/jobs";

    public static string Job(Guid jobId) => $"algorithm-job/{jobId:N}";

    /// <summary>Fires when an algorithm is created, deleted or changes whether it is public.</summary>
    public const string List = "algorithms";
}
