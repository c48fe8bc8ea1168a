using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;
using Microsoft.AspNetCore.Identity;

namespace GrandChallenge.Web.Features.Identity;

public enum LoginOutcome
{
    Succeeded,
    Failed,
    LockedOut,
}

/// <summary>Account operations shared by the account pages and the management commands.</summary>
public sealed class AccountService(UserManager<ApplicationUser> users, SignInManager<ApplicationUser> signIn, RoleManager<IdentityRole<Guid>> roles)
{
    public async Task<Result<ApplicationUser>> RegisterAsync(string username, string email, string password, bool siteAdmin = false)
    {
        var user = new ApplicationUser { UserName = username.Trim(), Email = email.Trim(), EmailConfirmed = false };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return Result<ApplicationUser>.Fail(Describe(created));
        }

        if (siteAdmin)
        {
            await EnsureRoleAsync(SiteRoles.SiteAdmin);
            await users.AddToRoleAsync(user, SiteRoles.SiteAdmin);
        }

        return Result<ApplicationUser>.Ok(user);
    }

    /// <summary>Signs in by username or email; every failure counts towards the lockout.</summary>
    public async Task<LoginOutcome> PasswordSignInAsync(string usernameOrEmail, string password, bool remember)
    {
        var user = usernameOrEmail.Contains('@')
            ? await users.FindByEmailAsync(usernameOrEmail.Trim())
            : await users.FindByNameAsync(usernameOrEmail.Trim());
        if (user is null)
        {
            return LoginOutcome.Failed;
        }

        var result = await signIn.PasswordSignInAsync(user, password, remember, lockoutOnFailure: true);
        return result.Succeeded ? LoginOutcome.Succeeded : result.IsLockedOut ? LoginOutcome.LockedOut : LoginOutcome.Failed;
    }

    public async Task EnsureRoleAsync(string role)
    {
        if (!await roles.RoleExistsAsync(role))
        {
            await roles.CreateAsync(new IdentityRole<Guid>(role) { Id = Guid.CreateVersion7() });
        }
    }

    public static string Describe(IdentityResult result) => string.Join(" ", result.Errors.Select(e => e.Description));
}
