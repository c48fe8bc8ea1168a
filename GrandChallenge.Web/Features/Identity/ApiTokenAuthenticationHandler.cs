using System.Text.Encodings.Web;
using GrandChallenge.Domain.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Web.Features.Identity;

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c> with a personal API token. The scheme word is matched without
/// regard to case (grand-challenge.org's client sends <c>BEARER</c>); <c>Token</c> is accepted too.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IApiTokenService tokens,
    UserManager<ApplicationUser> users,
    IUserClaimsPrincipalFactory<ApplicationUser> principals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    public static bool HasToken(HttpRequest request) => TokenFrom(request) is not null;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = TokenFrom(Request);
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }

        var userId = await tokens.AuthenticateAsync(token, Context.RequestAborted);
        var user = userId is null ? null : await users.FindByIdAsync(userId.Value.ToString());
        if (user is null)
        {
            return AuthenticateResult.Fail("The API token is unknown, revoked or expired.");
        }

        if (await users.IsLockedOutAsync(user))
        {
            return AuthenticateResult.Fail("The account is locked.");
        }

        var principal = await principals.CreateAsync(user);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    private static string? TokenFrom(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        var parts = header.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2
               && (parts[0].Equals("Bearer", StringComparison.OrdinalIgnoreCase) || parts[0].Equals("Token", StringComparison.OrdinalIgnoreCase))
            ? parts[1]
            : null;
    }
}
