using System.Security.Claims;
using System.Text.Json.Nodes;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Features.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrandChallenge.Web.Features.Components;

/// <summary>
/// Sockets as grand-challenge.org's <c>/api/v1/components/interfaces/</c>: signed-in users read them (clients look them
/// up by <c>?slug=</c>), site admins create them.
/// </summary>
public static class SocketApiEndpoints
{
    public const string Route = "/components/interfaces";

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup(Route).RequireAuthorization().WithTags("Components");
        group.MapGet("/", ListAsync).WithSummary("Sockets (component interfaces), optionally filtered by slug.");
        group.MapGet("/{pk:int}/", GetAsync).WithSummary("One socket.");
        group.MapPost("/", CreateAsync)
            .RequireAuthorization(policy => policy.RequireRole(SiteRoles.SiteAdmin))
            .WithSummary("Create a socket (site admins).");
    }

    /// <summary>A socket in grand-challenge.org's shape: <c>kind</c> and <c>super_kind</c> are labels, <c>pk</c> an integer.</summary>
    public sealed record SocketDto(
        string Title,
        string Description,
        string Slug,
        string Kind,
        int Pk,
        JsonNode? DefaultValue,
        string SuperKind,
        string RelativePath,
        JsonNode? OverlaySegments,
        JsonNode? LookUpTable);

    /// <summary>A new socket. <c>kind</c> is a code (<c>SEG</c>) or a label (<c>Segmentation</c>); JSON fields are JSON.</summary>
    public sealed record CreateSocketRequest(
        string? Title,
        string? Kind,
        string? RelativePath,
        string? Description,
        JsonNode? DefaultValue,
        JsonNode? Schema,
        bool? StoreInDatabase,
        JsonNode? OverlaySegments);

    public static SocketDto ToDto(Socket socket) => new(
        socket.Title,
        socket.Description,
        socket.Slug,
        socket.KindInfo.Label,
        socket.Id,
        socket.DefaultValue is null ? null : JsonNode.Parse(socket.DefaultValue),
        socket.SuperKind.ToString(),
        socket.RelativePath,
        JsonNode.Parse(socket.OverlaySegments ?? "[]"),
        null);

    private static async Task<Ok<Paginated<SocketDto>>> ListAsync(HttpRequest request, ISocketService sockets, string? slug, CancellationToken ct)
    {
        var list = await sockets.ListAsync(slug, ct);
        return TypedResults.Ok(list.Select(ToDto).ToList().Page(request));
    }

    private static async Task<Results<Ok<SocketDto>, NotFound>> GetAsync(int pk, ISocketService sockets, CancellationToken ct) =>
        await sockets.GetAsync(pk, ct) is { } socket ? TypedResults.Ok(ToDto(socket)) : TypedResults.NotFound();

    private static async Task<Results<Created<SocketDto>, ProblemHttpResult>> CreateAsync(
        CreateSocketRequest body, ClaimsPrincipal principal, ISocketService sockets, CancellationToken ct)
    {
        var result = await sockets.CreateAsync(Actor.From(principal), new SocketDraft(
            body.Title,
            body.Kind,
            body.RelativePath,
            body.Description,
            body.DefaultValue?.ToJsonString(),
            body.Schema?.ToJsonString(),
            body.StoreInDatabase,
            body.OverlaySegments?.ToJsonString()), ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Invalid(result.FieldErrors, result.Error!);
        }

        var socket = result.Value!;
        return TypedResults.Created($"{ApiConventions.Prefix}{Route}/{socket.Id}/", ToDto(socket));
    }
}
