using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Archives;

/// <summary>An archive as one actor sees it: the roles they hold and what those let them do.</summary>
public sealed record ArchiveAccessContext(Archive Archive, Actor Actor, IReadOnlySet<string> Roles)
{
    /// <summary>Editors and site admins change the archive, its members and delete items.</summary>
    public bool IsEditor => Actor.IsSiteAdmin || Roles.Contains(ObjectRoles.Editor);

    /// <summary>Editors and uploaders add items and change their values.</summary>
    public bool CanUpload => IsEditor || Roles.Contains(ObjectRoles.Uploader);

    public bool IsMember => CanUpload || Roles.Contains(ObjectRoles.User);
}

public interface IArchiveAccess
{
    /// <summary>The archive by slug (case-insensitive) or id, or null when it does not exist or is hidden from the actor.</summary>
    Task<ArchiveAccessContext?> FindAsync(Actor actor, string slugOrId, CancellationToken ct = default);

    Task<ArchiveAccessContext?> FindAsync(Actor actor, Guid archiveId, CancellationToken ct = default);

    /// <summary>Ids of the archives the actor may see, as a query to compose (everything for site admins).</summary>
    IQueryable<Guid> VisibleArchiveIds(AppDbContext db, Actor actor);
}

/// <summary>
/// The one place that decides whether an archive is visible: a public archive is visible to everyone, a non-public one
/// only to its editors, uploaders, users and site admins — to everyone else it does not exist (404 everywhere).
/// </summary>
public sealed class ArchiveAccess(IDbContextFactory<AppDbContext> dbFactory, IPermissionService permissions) : IArchiveAccess
{
    private static readonly string[] AllRoles = [ObjectRoles.Editor, ObjectRoles.Uploader, ObjectRoles.User];

    public async Task<ArchiveAccessContext?> FindAsync(Actor actor, string slugOrId, CancellationToken ct = default)
    {
        if (Guid.TryParse(slugOrId, out var id))
        {
            return await FindAsync(actor, id, ct);
        }

        var slug = ArchiveRules.NormalizeSlug(slugOrId);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var archive = await db.Archives.AsNoTracking().FirstOrDefaultAsync(a => a.Slug == slug, ct);
        return archive is null ? null : await ContextAsync(actor, archive, ct);
    }

    public async Task<ArchiveAccessContext?> FindAsync(Actor actor, Guid archiveId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var archive = await db.Archives.AsNoTracking().FirstOrDefaultAsync(a => a.Id == archiveId, ct);
        return archive is null ? null : await ContextAsync(actor, archive, ct);
    }

    public IQueryable<Guid> VisibleArchiveIds(AppDbContext db, Actor actor)
    {
        if (actor.IsSiteAdmin)
        {
            return db.Archives.Select(a => a.Id);
        }

        var memberOf = permissions.ObjectIdsWithRole(db, actor, ObjectKinds.Archive, AllRoles);
        return db.Archives.Where(a => a.Public || memberOf.Contains(a.Id)).Select(a => a.Id);
    }

    private async Task<ArchiveAccessContext?> ContextAsync(Actor actor, Archive archive, CancellationToken ct)
    {
        var context = new ArchiveAccessContext(archive, actor, await permissions.RolesAsync(actor, ObjectKinds.Archive, archive.Id, ct));
        return archive.Public || context.IsMember ? context : null;
    }
}

/// <summary>Archives let everyone who may see them see the images their items hold.</summary>
public sealed class ArchiveImageVisibility(IArchiveAccess access) : IImageVisibilitySource
{
    public IQueryable<Guid> VisibleImageIds(AppDbContext db, Actor actor)
    {
        var archives = access.VisibleArchiveIds(db, actor);
        return db.ArchiveItemValues
            .Where(v => archives.Contains(v.Item!.ArchiveId) && v.Value!.ImageId != null)
            .Select(v => v.Value!.ImageId!.Value);
    }
}

/// <summary>Change-notifier topics: pages showing an archive or its items reload when these fire.</summary>
public static class ArchiveTopics
{
    public static string Archive(Guid archiveId) => $"archive/{archiveId:N}";

    public static string Items(Guid archiveId) => $"archive/{archiveId:N}/items";

    /// <summary>Fires when an archive is created, deleted or changes whether it is public.</summary>
    public const string List = "archives";
}
