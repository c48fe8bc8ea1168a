namespace GrandChallenge.Workers.Containers;

/// <summary>Runs one container to completion under the isolation baseline and reports what happened.</summary>
public interface IContainerRunner
{
    /// <summary>
    /// Creates, starts and waits for the container, streaming its log lines to <paramref name="logs"/> as they
    /// come; collects <c>/output</c> when it exits with 0; always removes the container. Cancelling
    /// <paramref name="ct"/> stops the container (SIGTERM, grace, SIGKILL) and reports <see cref="ContainerRunResult.Cancelled"/>.
    /// Cancelling <paramref name="abandon"/> (the worker is shutting down) stops only the waiting: the container keeps
    /// running for <see cref="ResumeAsync"/>, and the call throws <see cref="OperationCanceledException"/>.
    /// </summary>
    Task<ContainerRunResult> RunAsync(ContainerRunSpec spec, Action<LogLine>? logs = null, CancellationToken ct = default, CancellationToken abandon = default);

    /// <summary>
    /// After a worker restart: if the job's container still exists, waits for it (within what is left of its time
    /// limit) and finishes the run as <see cref="RunAsync"/> would; null when there is no such container.
    /// </summary>
    Task<ContainerRunResult?> ResumeAsync(ContainerRunSpec spec, DateTimeOffset startedAt, Action<LogLine>? logs = null, CancellationToken ct = default, CancellationToken abandon = default);

    /// <summary>Removes every container the platform labelled whose job <paramref name="isActive"/> says is over; returns how many.</summary>
    Task<int> RemoveOrphansAsync(Func<string, Task<bool>> isActive, CancellationToken ct = default);
}
