using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>
/// A version of a phase's hidden ground truth: an archive (.tar.gz or .zip, checked and stored as .tar.gz) unpacked
/// read-only at <c>/opt/ml/input/data/ground_truth/</c> in the evaluation container. One version per phase is active.
/// </summary>
public class GroundTruth : IHasTimestamps
{
    public const string MountPath = "/opt/ml/input/data/ground_truth";

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid PhaseId { get; set; }
    public Guid? CreatorId { get; set; }
    public required string Filename { get; set; }
    /// <summary>The checked archive, re-packed as .tar.gz.</summary>
    public required string BlobKey { get; set; }
    public required string Sha256 { get; set; }
    public long SizeBytes { get; set; }
    public int FileCount { get; set; }
    public bool IsDesiredVersion { get; set; }
    public string Comment { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}
