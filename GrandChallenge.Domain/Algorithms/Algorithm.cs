using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Algorithms;

/// <summary>How requests to become a user of an algorithm are answered (grand-challenge.org's <c>access_request_handling</c>).</summary>
public enum AccessRequestHandling
{
    ManualReview,
    AcceptVerifiedUsers,
    AcceptAll,
}

/// <summary>
/// A containerised method that turns input socket values into output socket values (grand-challenge.org's
/// <c>Algorithm</c>). Roles of kind <c>algorithm</c>: editors change it and upload its images and models, editors and
/// users run it; a public algorithm is listed to everyone but running it still needs a role.
/// </summary>
public class Algorithm : IHasTimestamps
{
    public const int MaxTitleLength = 255;
    public const int MaxSlugLength = 50;
    public const int DefaultTimeLimitSeconds = 3600;
    public const int DefaultMemoryGb = 8;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Title { get; set; }
    public required string Slug { get; set; }
    /// <summary>Short text shown in lists (≤ 1024 characters).</summary>
    public string Description { get; set; } = "";
    /// <summary>Markdown shown on the algorithm's page.</summary>
    public string Detail { get; set; } = "";
    /// <summary>Markdown shown above the form that starts a job.</summary>
    public string JobCreatePageMarkdown { get; set; } = "";
    public bool Public { get; set; }
    public string? LogoBlobKey { get; set; }
    public AccessRequestHandling AccessRequestHandling { get; set; } = AccessRequestHandling.ManualReview;

    /// <summary>The interfaces (input and output socket sets) the algorithm implements, by <see cref="AlgorithmInterface.Id"/>.</summary>
    public List<int> InterfaceIds { get; set; } = [];

    public int TimeLimitSeconds { get; set; } = DefaultTimeLimitSeconds;
    public int MemoryGb { get; set; } = DefaultMemoryGb;
    /// <summary>Recorded and shown; GPU execution is a configuration of the runner.</summary>
    public bool RequiresGpu { get; set; }

    /// <summary>Jobs a user (not an editor) may start per <see cref="JobQuotaPeriodDays"/>; 0 means none.</summary>
    public int JobQuotaPerUser { get; set; } = 50;
    public int JobQuotaPeriodDays { get; set; } = 30;

    /// <summary>The challenge phase the algorithm was created for, if any (it inherited that phase's interfaces).</summary>
    public Guid? PhaseId { get; set; }
    public Guid? CreatorId { get; set; }
    /// <summary>Mean run time of its successful jobs, updated after each success.</summary>
    public double? AverageDurationSeconds { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

/// <summary>
/// An immutable, shared combination of input and output sockets (grand-challenge.org's <c>AlgorithmInterface</c>).
/// Creating one with the same sockets reuses the existing one; <see cref="Key"/> makes that unique.
/// </summary>
public class AlgorithmInterface
{
    public int Id { get; set; }
    public List<int> InputSocketIds { get; set; } = [];
    public List<int> OutputSocketIds { get; set; } = [];
    /// <summary>Sorted input ids, '>', sorted output ids, e.g. <c>1,4&gt;7</c>.</summary>
    public required string Key { get; set; }

    public static string KeyOf(IEnumerable<int> inputs, IEnumerable<int> outputs) =>
        string.Join(',', inputs.Distinct().Order()) + ">" + string.Join(',', outputs.Distinct().Order());
}

/// <summary>
/// A model tarball (<c>.tar.gz</c>) unpacked at <c>/opt/ml/model/</c> in the algorithm's containers
/// (grand-challenge.org's <c>AlgorithmModel</c>). At most one per algorithm is active; an algorithm may run without.
/// </summary>
public class AlgorithmModel : IHasTimestamps
{
    public const string MountPath = "/opt/ml/model";

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid AlgorithmId { get; set; }
    /// <summary>Where the checked, re-packed tarball is kept: <c>algorithm-models/&lt;id&gt;/model.tar.gz</c>.</summary>
    public required string BlobKey { get; set; }
    public required string Filename { get; set; }
    public long SizeBytes { get; set; }
    public required string Sha256 { get; set; }
    public bool IsDesiredVersion { get; set; }
    public string Comment { get; set; } = "";
    public Guid? CreatorId { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

/// <summary>
/// A run of an algorithm: the algorithm-specific part of a <see cref="Components.ComponentJob"/> of kind Algorithm, sharing
/// its id. User jobs have a creator; system jobs (a challenge submission's inference on an archive item) have none and
/// name their evaluation and item.
/// </summary>
public class AlgorithmJob : IHasTimestamps
{
    /// <summary>The id of the component job (status, values, logs live there).</summary>
    public Guid JobId { get; set; }
    public Guid AlgorithmId { get; set; }
    /// <summary>The container image (kind Algorithm) the job ran with.</summary>
    public Guid AlgorithmImageId { get; set; }
    public Guid? AlgorithmModelId { get; set; }
    public int InterfaceId { get; set; }
    public Guid? CreatorId { get; set; }
    /// <summary>Visible to everyone (only successful jobs may be made public).</summary>
    public bool Public { get; set; }
    public string Comment { get; set; } = "";
    /// <summary>
    /// Sorted input socket value ids: identical inputs on the same image and model reuse a successful job. Empty while an
    /// input is still being imported (see <see cref="AlgorithmJobUpload"/>).
    /// </summary>
    public required string InputsKey { get; set; }
    /// <summary>
    /// For system jobs: the evaluation that queued the job, and the archive item it ran on. Evaluations that reuse the
    /// job are linked through <see cref="EvaluationAlgorithmJob"/> (the queuing one too).
    /// </summary>
    public Guid? EvaluationId { get; set; }
    public Guid? ArchiveItemId { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }

    public static string InputsKeyOf(IEnumerable<long> socketValueIds) => string.Join(',', socketValueIds.Distinct().Order());
}

/// <summary>
/// A case of an algorithm submission's evaluation and the system job whose outputs it uses: the job the evaluation
/// queued, or an earlier successful system job of the same image and model on the same inputs, reused (as
/// grand-challenge.org does across phases and re-evaluations).
/// </summary>
public class EvaluationAlgorithmJob
{
    public Guid EvaluationId { get; set; }
    public Guid JobId { get; set; }
    /// <summary>The case; items may be deleted later, the job's own values stay.</summary>
    public Guid? ArchiveItemId { get; set; }
}

/// <summary>
/// An input of a job given as an upload session that was still importing when the job was created: the job waits in
/// Validating inputs until the session's one image becomes the socket's value (or fails with the import's reason).
/// </summary>
public class AlgorithmJobUpload
{
    public Guid JobId { get; set; }
    public int SocketId { get; set; }
    public Guid UploadSessionId { get; set; }
}

/// <summary>A user a job was shared with: they see its inputs, outputs and status (not its logs).</summary>
public class AlgorithmJobViewer
{
    public Guid JobId { get; set; }
    public Guid UserId { get; set; }
}

public enum AccessRequestStatus
{
    Pending,
    Accepted,
    Rejected,
}

/// <summary>A user asking to become a user of an algorithm; one per user and algorithm.</summary>
public class AlgorithmPermissionRequest : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid AlgorithmId { get; set; }
    public Guid UserId { get; set; }
    public AccessRequestStatus Status { get; set; } = AccessRequestStatus.Pending;
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}
