using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Web.Features.Admin;

public sealed class AdminQueries(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public sealed record UserRow(Guid Id, string Username, string Email, bool IsSiteAdmin, bool LockedOut, DateTimeOffset Created);

    public async Task<IReadOnlyList<UserRow>> ListUsersAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var adminIds = db.UserRoles
            .Join(db.Roles.Where(r => r.Name == SiteRoles.SiteAdmin), ur => ur.RoleId, r => r.Id, (ur, _) => ur.UserId);
        var now = clock.GetUtcNow();
        var rows = await db.Users.AsNoTracking()
            .Select(u => new { u.Id, u.UserName, u.Email, Admin = adminIds.Contains(u.Id), u.LockoutEnd, u.Created })
            .ToListAsync(ct);
        return rows
            .Select(u => new UserRow(u.Id, u.UserName ?? "", u.Email ?? "", u.Admin, u.LockoutEnd > now, u.Created))
            .OrderBy(u => u.Username, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }
}
