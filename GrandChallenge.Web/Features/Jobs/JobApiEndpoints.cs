using System.Security.Claims;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Features.Api;
using GrandChallenge.Workers.Components;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrandChallenge.Web.Features.Jobs;

/// <summary>Any component job (evaluation or algorithm job) by id: status for its owner, logs for admins, cancellation.</summary>
public static class JobApiEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var jobs = api.MapGroup("/components/jobs").RequireAuthorization().WithTags("Jobs");
        jobs.MapGet("/{id:guid}/", GetAsync).WithSummary("A job's status, messages and (for admins) logs.");
        jobs.MapPost("/{id:guid}/cancel/", CancelAsync).WithSummary("Cancel a waiting or running job (its owner or a site admin).");
    }

    private static async Task<Results<Ok<JobView>, NotFound>> GetAsync(Guid id, ClaimsPrincipal user, JobQueries jobs, CancellationToken ct) =>
        await jobs.FindAsync(Actor.From(user), id, ct) is { } job ? TypedResults.Ok(job) : TypedResults.NotFound();

    private static async Task<Results<Accepted<JobView>, NotFound, ProblemHttpResult>> CancelAsync(
        Guid id, ClaimsPrincipal user, ComponentJobQueue queue, JobQueries jobs, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await jobs.FindAsync(actor, id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        var result = await queue.CancelAsync(actor, id, ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Invalid(null, result.Error!);
        }

        return TypedResults.Accepted($"{ApiConventions.Prefix}/components/jobs/{id}/", (await jobs.FindAsync(actor, id, ct))!);
    }
}
