using GrandChallenge.Domain.Components;

namespace GrandChallenge.Workers.Components;

/// <summary>What the container contract says about a job's values: how inputs reach <c>/input</c> and outputs leave <c>/output</c>.</summary>
public interface IComponentJobIo
{
    /// <summary>Writes every input value at <c>&lt;prefix&gt;/&lt;relative path&gt;</c> under the folder, plus <c>inputs.json</c>.</summary>
    Task StageInputsAsync(ComponentJob job, string inputDirectory, CancellationToken ct);

    /// <summary>Reads the job's output sockets from the folder into new values, or says per socket what is wrong.</summary>
    Task<JobOutputs> ReadOutputsAsync(ComponentJob job, string outputDirectory, CancellationToken ct);
}

/// <summary>Output value ids on success; otherwise an error message and per-socket details.</summary>
public sealed record JobOutputs(IReadOnlyList<long> ValueIds, string? Error = null, IReadOnlyDictionary<string, string>? Details = null)
{
    public static JobOutputs Failed(string error, IReadOnlyDictionary<string, string>? details = null) => new([], error, details);
}
