using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;

namespace GrandChallenge.Domain.Containers;

/// <summary>What a container image is for; the owner is a phase, an algorithm or a workstation accordingly.</summary>
public enum ContainerImageKind
{
    Evaluation,
    Algorithm,
    Workstation,
}

/// <summary>Import statuses with grand-challenge.org's numbers (<c>ImportStatusChoices</c>).</summary>
public enum ContainerImageImportStatus
{
    Initialized = 0,
    Queued = 1,
    ReQueued = 2,
    Started = 3,
    Cancelled = 4,
    Failed = 5,
    Completed = 6,
}

/// <summary>
/// Any image the platform runs: an evaluation method, an algorithm image or a workstation image, uploaded as a
/// <c>docker save</c> archive, validated against DESIGN's container contract and loaded into the Docker engine.
/// </summary>
public class ContainerImage : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public ContainerImageKind Kind { get; set; }
    /// <summary>The phase, algorithm or workstation the image belongs to (no foreign key until those exist).</summary>
    public Guid? OwnerId { get; set; }
    public Guid? CreatorId { get; set; }
    public ApplicationUser? Creator { get; set; }
    /// <summary>Where the archive is kept: <c>container-images/&lt;id&gt;/&lt;filename&gt;</c>.</summary>
    public required string BlobKey { get; set; }
    public required string Filename { get; set; }
    /// <summary><c>sha256:&lt;64 hex&gt;</c>, the digest of the image configuration (Docker's image id); known once validated.</summary>
    public string? ImageSha256 { get; set; }
    /// <summary>Size of the uploaded archive.</summary>
    public long SizeBytes { get; set; }
    public ContainerImageImportStatus ImportStatus { get; set; } = ContainerImageImportStatus.Initialized;
    /// <summary>Null until checked; false when the archive broke a rule of the container contract.</summary>
    public bool? IsManifestValid { get; set; }
    /// <summary>The last thing users should know: why the import failed, or what it waits for.</summary>
    public string StatusMessage { get; set; } = "";
    /// <summary>The engine holds the image (under the platform's own tag, see <see cref="ContainerImageConventions.EngineTag"/>).</summary>
    public bool IsLoaded { get; set; }
    /// <summary>The archive was deleted; the image can never run again.</summary>
    public bool IsRemoved { get; set; }
    /// <summary>The active version of its owner: at most one per (kind, owner).</summary>
    public bool IsDesiredVersion { get; set; }
    public string Comment { get; set; } = "";
    /// <summary>Imports put off because the container engine did not answer; bounded by the options.</summary>
    public int ImportAttempts { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }

    /// <summary>May run: valid, loaded and not removed (grand-challenge.org's "executable").</summary>
    public bool IsExecutable => ImportStatus == ContainerImageImportStatus.Completed && IsManifestValid == true && IsLoaded && !IsRemoved;
}

public static class ContainerImageConventions
{
    /// <summary>The labels grand-challenge.org's API shows for import statuses.</summary>
    public static string Label(this ContainerImageImportStatus status) => status switch
    {
        ContainerImageImportStatus.Initialized => "Initialized",
        ContainerImageImportStatus.Queued => "Queued",
        ContainerImageImportStatus.ReQueued => "Re-Queued",
        ContainerImageImportStatus.Started => "Started",
        ContainerImageImportStatus.Cancelled => "Cancelled",
        ContainerImageImportStatus.Failed => "Failed",
        ContainerImageImportStatus.Completed => "Completed",
        _ => status.ToString(),
    };

    /// <summary>Lower-case name used in the API and in engine tags.</summary>
    public static string Slug(this ContainerImageKind kind) => kind.ToString().ToLowerInvariant();

    public static bool TryParseKind(string? value, out ContainerImageKind kind) =>
        Enum.TryParse(value, ignoreCase: true, out kind) && Enum.IsDefined(kind);

    /// <summary>
    /// The tag the platform gives a loaded image: <c>gc-images/&lt;kind&gt;:&lt;id&gt;</c>. Tags inside uploaded archives are
    /// dropped before loading so that an upload can never re-point a tag of the platform or of another upload.
    /// </summary>
    public static string EngineTag(ContainerImageKind kind, Guid id) => $"{EngineRepository(kind)}:{id:N}";

    public static string EngineRepository(ContainerImageKind kind) => $"gc-images/{kind.Slug()}";

    /// <summary>The change-notifier topic of one image; every status change is published there and on <see cref="AllTopic"/>.</summary>
    public static string Topic(Guid id) => $"container-image/{id}";

    public const string AllTopic = "container-images";

    public static readonly string[] AllowedExtensions = [".tar", ".tar.gz", ".tar.xz"];
}
