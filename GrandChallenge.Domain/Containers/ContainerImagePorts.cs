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
/// removed by a user nor taken out of the engine by the clean-up. The jobs and sessions features replace
/// <see cref="NoContainerImageUsage"/> (added with TryAdd) by registering their own implementation.
/// </summary>
public interface IContainerImageUsage
{
    Task<IReadOnlySet<Guid>> InUseAsync(IReadOnlyCollection<Guid> imageIds, CancellationToken ct = default);
}

/// <summary>Until jobs and sessions exist nothing runs, so no image is in use.</summary>
public sealed class NoContainerImageUsage : IContainerImageUsage
{
    public Task<IReadOnlySet<Guid>> InUseAsync(IReadOnlyCollection<Guid> imageIds, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlySet<Guid>>(new HashSet<Guid>());
}
