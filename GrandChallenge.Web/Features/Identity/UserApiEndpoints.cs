using System.Security.Claims;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Features.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace GrandChallenge.Web.Features.Identity;

/// <summary>The signed-in user and their personal API tokens.</summary>
public static class UserApiEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var me = api.MapGroup("/users/me").RequireAuthorization().WithTags("Users");
        me.MapGet("/", GetMeAsync).WithSummary("The user the request is authenticated as.");
        me.MapGet("/tokens/", ListTokensAsync).WithSummary("Your API tokens (never their values).");
        me.MapPost("/tokens/", CreateTokenAsync).WithSummary("Create an API token; its value is returned once.");
        me.MapDelete("/tokens/{id:guid}/", RevokeTokenAsync).WithSummary("Revoke one of your API tokens.");
    }

    public sealed record UserDto(Guid Id, string Username, string Email, bool IsSiteAdmin);

    public sealed record TokenDto(Guid Id, string Name, string Prefix, DateTimeOffset Created, DateTimeOffset? Expires, DateTimeOffset? LastUsed, bool Revoked);

    public sealed record CreatedTokenDto(Guid Id, string Name, string Prefix, DateTimeOffset Created, DateTimeOffset? Expires, string Token);

    public sealed record CreateTokenRequest(string? Name, int? ExpiresDays);

    private static async Task<Results<Ok<UserDto>, UnauthorizedHttpResult>> GetMeAsync(ClaimsPrincipal principal, UserManager<ApplicationUser> users)
    {
        var user = await users.GetUserAsync(principal);
        if (user is null)
        {
            return TypedResults.Unauthorized();
        }

        return TypedResults.Ok(new UserDto(user.Id, user.UserName!, user.Email ?? "", principal.IsInRole(SiteRoles.SiteAdmin)));
    }

    private static async Task<Ok<Paginated<TokenDto>>> ListTokensAsync(ClaimsPrincipal principal, HttpRequest request, IApiTokenService tokens, CancellationToken ct)
    {
        var list = await tokens.ListAsync(Actor.From(principal).UserId!.Value, ct);
        return TypedResults.Ok(list.Select(ToDto).ToList().Page(request));
    }

    private static async Task<Results<Created<CreatedTokenDto>, ProblemHttpResult>> CreateTokenAsync(
        CreateTokenRequest body, ClaimsPrincipal principal, IApiTokenService tokens, CancellationToken ct)
    {
        var result = await tokens.CreateAsync(Actor.From(principal).UserId!.Value, body.Name ?? "", body.ExpiresDays, ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Invalid(result.FieldErrors, result.Error!);
        }

        var (info, token) = result.Value!;
        return TypedResults.Created($"{ApiConventions.Prefix}/users/me/tokens/{info.Id}/",
            new CreatedTokenDto(info.Id, info.Name, info.Prefix, info.Created, info.ExpiresAt, token));
    }

    private static async Task<Results<NoContent, NotFound>> RevokeTokenAsync(Guid id, ClaimsPrincipal principal, IApiTokenService tokens, CancellationToken ct) =>
        await tokens.RevokeAsync(Actor.From(principal).UserId!.Value, id, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static TokenDto ToDto(ApiTokenInfo t) => new(t.Id, t.Name, t.Prefix, t.Created, t.ExpiresAt, t.LastUsedAt, t.RevokedAt is not null);
}
