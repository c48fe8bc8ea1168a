using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Components;

/// <summary>DESIGN's job statuses. Every change is a checked compare-and-set (<see cref="ComponentJobStore"/>).</summary>
public enum ComponentJobStatus
{
    ValidatingInputs,
    Pending,
    Provisioned,
    Executing,
    Executed,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>What a job is for; decides its container runtime and who may see its logs.</summary>
public enum ComponentJobKind
{
    Evaluation,
    Algorithm,
}

/// <summary>
/// One run of a container image on a set of input values, producing output values: grand-challenge's
/// "ComponentJob", the common part of evaluations and algorithm jobs.
/// </summary>
public class ComponentJob : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public ComponentJobKind Kind { get; set; }
    public ComponentJobStatus Status { get; set; } = ComponentJobStatus.Pending;

    /// <summary>The platform's container image record this job runs.</summary>
    public Guid? ContainerImageId { get; set; }

    /// <summary>The engine's reference of that image (<c>sha256:…</c>), resolved when the job is created.</summary>
    public required string ImageReference { get; set; }

    /// <summary>Who the job runs for; fair ordering and the per-user cap count by it. Null for platform jobs.</summary>
    public Guid? CreatorId { get; set; }

    /// <summary>A second fairness key, e.g. the challenge, so that one challenge cannot starve the others.</summary>
    public string? FairnessGroup { get; set; }

    public int TimeLimitSeconds { get; set; } = 3600;
    public int MemoryGb { get; set; } = 8;
    public int Attempt { get; set; }

    /// <summary>Socket ids whose values the container must produce (parsed from <c>/output</c>).</summary>
    public List<int> OutputSocketIds { get; set; } = [];

    /// <summary>Tarballs unpacked and mounted read-only for the run, e.g. a model at <c>/opt/ml/model</c>.</summary>
    public List<JobArchiveMount> ArchiveMounts { get; set; } = [];

    public List<ComponentJobValue> Values { get; set; } = [];

    public string Stdout { get; set; } = "";
    public string Stderr { get; set; } = "";
    public string? ErrorMessage { get; set; }
    /// <summary>Per-socket details behind <see cref="ErrorMessage"/>, socket title → message.</summary>
    public Dictionary<string, string> DetailedErrors { get; set; } = [];

    public int? ExitCode { get; set; }
    public long? ExecDurationMs { get; set; }
    public long? PeakMemoryBytes { get; set; }
    public long? CpuTimeMs { get; set; }

    /// <summary>Identifies the worker firing that claimed the job, so a recovering firing finds it again.</summary>
    public string? ClaimToken { get; set; }
    public string? WorkerNode { get; set; }
    public DateTimeOffset? ClaimedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public DateTimeOffset? CancelRequestedAt { get; set; }
    /// <summary>After an infrastructure fault the job waits until this time before it is claimed again.</summary>
    public DateTimeOffset? RetryAfter { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }

    public bool IsFinal => Status is ComponentJobStatus.Succeeded or ComponentJobStatus.Failed or ComponentJobStatus.Cancelled;

    public static readonly ComponentJobStatus[] RunningStatuses = [ComponentJobStatus.Provisioned, ComponentJobStatus.Executing, ComponentJobStatus.Executed];

    public static string Label(ComponentJobStatus status) => status switch
    {
        ComponentJobStatus.ValidatingInputs => "Validating inputs",
        _ => status.ToString(),
    };
}

/// <summary>An input or output value of a job, with the sub-folder prefix it is staged under.</summary>
public class ComponentJobValue
{
    public Guid JobId { get; set; }
    public long SocketValueId { get; set; }
    public bool IsOutput { get; set; }
    /// <summary>Folder under <c>/input</c> the value is placed in (evaluations of algorithm jobs use <c>&lt;job id&gt;/output</c>).</summary>
    public string Prefix { get; set; } = "";
}

public sealed record JobArchiveMount(string BlobKey, string MountPath);
