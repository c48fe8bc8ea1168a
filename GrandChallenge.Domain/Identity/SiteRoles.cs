namespace GrandChallenge.Domain.Identity;

public static class SiteRoles
{
    public const string SiteAdmin = "SiteAdmin";
}
