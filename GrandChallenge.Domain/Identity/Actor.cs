using System.Security.Claims;

namespace GrandChallenge.Domain.Identity;

/// <summary>Who is asking: anonymous (no user id), a signed-in user, or a site admin.</summary>
public sealed record Actor(Guid? UserId, bool IsSiteAdmin)
{
    public static readonly Actor Anonymous = new(null, false);

    public bool IsAuthenticated => UserId is not null;

    public static Actor From(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true
            || !Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id))
        {
            return Anonymous;
        }

        return new Actor(id, principal.IsInRole(SiteRoles.SiteAdmin));
    }
}
