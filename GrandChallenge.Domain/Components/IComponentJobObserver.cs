namespace GrandChallenge.Domain.Components;

/// <summary>
/// Hears that a job reached a final status (Succeeded, Failed or Cancelled), right after the change was stored, in the
/// process that made it. Features that own jobs (evaluations, algorithm jobs) use it to act on the outcome; they must
/// also cope with a missed call (the process may die in between), e.g. by reconciling periodically.
/// </summary>
public interface IComponentJobObserver
{
    Task JobFinishedAsync(Guid jobId, ComponentJobKind kind, ComponentJobStatus status, CancellationToken ct);
}

/// <summary>Puts jobs stored by other features on the workers' queue, and cancels them.</summary>
public interface IComponentJobQueue
{
    /// <summary>Wakes the workers for pending jobs, now or after <paramref name="delay"/>.</summary>
    Task TriggerAsync(TimeSpan? delay = null, CancellationToken ct = default);

    /// <summary>Cancels the job whatever the caller's rights; the caller has checked them.</summary>
    Task<Common.Result<ComponentJobStatus>> CancelAsync(Guid jobId, CancellationToken ct = default);
}
