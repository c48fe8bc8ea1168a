using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;
namespace GrandChallenge.Domain.Containers;

/// <summary>Background work on container images; the workers implement it with Quartz.</summary>
public interface IContainerImageJobs
{
    /// <summary>Queues the import of an image (validation, then loading into the engine) to start after <paramref name="delay"/>.</summary>
    Task ScheduleImportAsync(Guid imageId, TimeSpan delay, CancellationToken ct = default);

    /// <summary>Runs the engine clean-up now: images that were removed, or are unused and old, leave the engine.</summary>
    Task ScheduleEngineCleanupAsync(CancellationToken ct = default);
}

/// <summary>
/// Which images a running algorithm job, evaluation or workstation session uses right now: those are neither
/// removed by a user nor taken out of the engine by the clean-up. Component jobs count now
/// (<see cref="ComponentJobImageUsage"/>); workstation sessions will add theirs.
/// </summary>
public interface IContainerImageUsage
{
    Task<IReadOnlySet<Guid>> InUseAsync(IReadOnlyCollection<Guid> imageIds, CancellationToken ct = default);
}

/// <summary>An image is in use while a component job that runs it has not ended.</summary>
public sealed class ComponentJobImageUsage(IDbContextFactory<AppDbContext> dbFactory) : IContainerImageUsage
{
    public async Task<IReadOnlySet<Guid>> InUseAsync(IReadOnlyCollection<Guid> imageIds, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var used = await db.ComponentJobs
            .Where(j => j.ContainerImageId != null && imageIds.Contains(j.ContainerImageId.Value)
                        && j.Status != ComponentJobStatus.Succeeded && j.Status != ComponentJobStatus.Failed && j.Status != ComponentJobStatus.Cancelled)
            .Select(j => j.ContainerImageId!.Value)
            .Distinct()
            .ToListAsync(ct);
        return used.ToHashSet();
    }
}
