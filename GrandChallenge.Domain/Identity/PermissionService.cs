using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Identity;

/// <summary>
/// The single place that answers "may this actor do that to this object". Pages, API endpoints and
/// hubs all ask here. Anonymous actors hold no roles; site admins hold every permission but are only
/// members of an object (participant, reader, ...) where a role says so.
/// </summary>
public interface IPermissionService
{
    Task<bool> CanAsync(Actor actor, Permission permission, Guid objectId, CancellationToken ct = default);
    Task<bool> HasRoleAsync(Actor actor, string kind, Guid objectId, string role, CancellationToken ct = default);
    Task<IReadOnlySet<string>> RolesAsync(Actor actor, string kind, Guid objectId, CancellationToken ct = default);

    /// <summary>Ids of the objects of <paramref name="kind"/> on which the actor holds one of <paramref name="roles"/>, as a query to compose.</summary>
    IQueryable<Guid> ObjectIdsWithRole(AppDbContext db, Actor actor, string kind, params string[] roles);

    Task GrantAsync(string kind, Guid objectId, string role, Guid? userId = null, Guid? groupId = null, CancellationToken ct = default);
    Task RevokeAsync(string kind, Guid objectId, string role, Guid? userId = null, Guid? groupId = null, CancellationToken ct = default);
    Task<IReadOnlyList<Guid>> UsersWithRoleAsync(string kind, Guid objectId, string role, CancellationToken ct = default);
}

public sealed class PermissionService(IDbContextFactory<AppDbContext> dbFactory) : IPermissionService
{
    public async Task<bool> CanAsync(Actor actor, Permission permission, Guid objectId, CancellationToken ct = default)
    {
        if (actor.IsSiteAdmin)
        {
            return true;
        }

        var roles = await RolesAsync(actor, permission.Kind, objectId, ct);
        return permission.GrantedTo.Any(roles.Contains);
    }

    public async Task<bool> HasRoleAsync(Actor actor, string kind, Guid objectId, string role, CancellationToken ct = default) =>
        (await RolesAsync(actor, kind, objectId, ct)).Contains(role);

    public async Task<IReadOnlySet<string>> RolesAsync(Actor actor, string kind, Guid objectId, CancellationToken ct = default)
    {
        if (!actor.IsAuthenticated)
        {
            return new HashSet<string>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var roles = await RolesOf(db, actor.UserId!.Value)
            .Where(r => r.ObjectKind == kind && r.ObjectId == objectId)
            .Select(r => r.Role)
            .Distinct()
            .ToListAsync(ct);
        return roles.ToHashSet();
    }

    public IQueryable<Guid> ObjectIdsWithRole(AppDbContext db, Actor actor, string kind, params string[] roles)
    {
        if (!actor.IsAuthenticated)
        {
            return db.ObjectRoles.Where(_ => false).Select(r => r.ObjectId);
        }

        return RolesOf(db, actor.UserId!.Value)
            .Where(r => r.ObjectKind == kind && roles.Contains(r.Role))
            .Select(r => r.ObjectId);
    }

    public async Task GrantAsync(string kind, Guid objectId, string role, Guid? userId = null, Guid? groupId = null, CancellationToken ct = default)
    {
        EnsureValid(kind, role, userId, groupId);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var exists = await db.ObjectRoles.AnyAsync(
            r => r.ObjectKind == kind && r.ObjectId == objectId && r.Role == role && r.UserId == userId && r.GroupId == groupId, ct);
        if (exists)
        {
            return;
        }

        db.ObjectRoles.Add(new ObjectRole { ObjectKind = kind, ObjectId = objectId, Role = role, UserId = userId, GroupId = groupId });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent grant of the same role may have won the race; then the outcome is the same.
            if (!await StillExistsAsync(kind, objectId, role, userId, groupId, ct))
            {
                throw;
            }
        }
    }

    public async Task RevokeAsync(string kind, Guid objectId, string role, Guid? userId = null, Guid? groupId = null, CancellationToken ct = default)
    {
        EnsureValid(kind, role, userId, groupId);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.ObjectRoles
            .Where(r => r.ObjectKind == kind && r.ObjectId == objectId && r.Role == role && r.UserId == userId && r.GroupId == groupId)
            .ExecuteDeleteAsync(ct);
    }

    public async Task<IReadOnlyList<Guid>> UsersWithRoleAsync(string kind, Guid objectId, string role, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var direct = db.ObjectRoles
            .Where(r => r.ObjectKind == kind && r.ObjectId == objectId && r.Role == role && r.UserId != null)
            .Select(r => r.UserId!.Value);
        var viaGroups = db.ObjectRoles
            .Where(r => r.ObjectKind == kind && r.ObjectId == objectId && r.Role == role && r.GroupId != null)
            .Join(db.UserGroupMembers, r => r.GroupId, m => m.GroupId, (_, m) => m.UserId);
        return await direct.Union(viaGroups).ToListAsync(ct);
    }

    private static IQueryable<ObjectRole> RolesOf(AppDbContext db, Guid userId)
    {
        var groupIds = db.UserGroupMembers.Where(m => m.UserId == userId).Select(m => m.GroupId);
        return db.ObjectRoles.Where(r => r.UserId == userId || (r.GroupId != null && groupIds.Contains(r.GroupId.Value)));
    }

    private async Task<bool> StillExistsAsync(string kind, Guid objectId, string role, Guid? userId, Guid? groupId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ObjectRoles.AnyAsync(
            r => r.ObjectKind == kind && r.ObjectId == objectId && r.Role == role && r.UserId == userId && r.GroupId == groupId, ct);
    }

    private static void EnsureValid(string kind, string role, Guid? userId, Guid? groupId)
    {
        if (!ObjectKinds.IsValid(kind, role))
        {
            throw new DomainException($"'{role}' is not a role of a {kind}.");
        }

        if ((userId is null) == (groupId is null))
        {
            throw new DomainException("A role is held by exactly one user or one group.");
        }
    }
}
