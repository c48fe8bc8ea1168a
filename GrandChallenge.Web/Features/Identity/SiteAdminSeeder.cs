using System.Security.Cryptography;
using GrandChallenge.Domain.Identity;
using Microsoft.AspNetCore.Identity;

namespace GrandChallenge.Web.Features.Identity;

public static class SiteAdminSeeder
{
    /// <summary>On the first start there is no site admin: create one and print its password, once.</summary>
    public static async Task EnsureSiteAdminAsync(this IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        await accounts.EnsureRoleAsync(SiteRoles.SiteAdmin);
        if ((await users.GetUsersInRoleAsync(SiteRoles.SiteAdmin)).Count > 0)
        {
            return;
        }

        var configuration = scope.ServiceProvider.GetRequiredService<IConfiguration>();
        var username = configuration["SiteAdmin:Username"] is { Length: > 0 } u ? u : "admin";
        if (await users.FindByNameAsync(username) is not null)
        {
            username = $"{username}-{RandomNumberGenerator.GetHexString(4, lowercase: true)}";
        }

        var password = configuration["SiteAdmin:Password"] is { Length: > 0 } p ? p : GeneratePassword();
        var email = configuration["SiteAdmin:Email"] is { Length: > 0 } e ? e : $"{username}@localhost.localdomain";
        var result = await accounts.RegisterAsync(username, email, password, siteAdmin: true);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not create the first site admin: {result.Error}");
        }

        // Printed to the console on purpose, not only logged: this is the one time the password is shown.
        Console.WriteLine($"""

            ================================================================
             First run: created site admin
               username: {username}
               password: {password}
             Keep it now; it is not stored anywhere in plain text.
            ================================================================

            """);
    }

    private static string GeneratePassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 14) + "-aZ" + RandomNumberGenerator.GetInt32(10, 99);
}
