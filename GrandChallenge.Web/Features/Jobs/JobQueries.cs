using System.Xml;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Web.Features.Jobs;

/// <summary>A job as its owner or a site admin sees it; logs only for those who may read them.</summary>
public sealed record JobView(
    Guid Pk, string Kind, string Status, string? ErrorMessage, IReadOnlyDictionary<string, string> DetailedErrorMessage,
    int? ExitCode, string? ExecDuration, long? PeakMemoryBytes, long? CpuTimeMs, int Attempt,
    DateTimeOffset Created, DateTimeOffset? Started, DateTimeOffset? Completed, bool CanCancel, bool CanViewLogs,
    string? Stdout, string? Stderr);

public sealed class JobQueries(IDbContextFactory<AppDbContext> dbFactory)
{
    /// <summary>Null when the job does not exist or the actor may not see it (both look the same to them).</summary>
    public async Task<JobView?> FindAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.ComponentJobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null || !(actor.IsSiteAdmin || (actor.UserId is { } user && job.CreatorId == user)))
        {
            return null;
        }

        // DESIGN: full logs are for object admins only, never participants; for a bare job that is a site admin.
        var logs = actor.IsSiteAdmin;
        return new JobView(
            job.Id, job.Kind.ToString(), ComponentJob.Label(job.Status), job.ErrorMessage, job.DetailedErrors, job.ExitCode,
            job.ExecDurationMs is { } ms ? XmlConvert.ToString(TimeSpan.FromMilliseconds(ms)) : null,
            job.PeakMemoryBytes, job.CpuTimeMs, job.Attempt, job.Created, job.StartedAt, job.CompletedAt,
            !job.IsFinal, logs, logs ? job.Stdout : null, logs ? job.Stderr : null);
    }
}
