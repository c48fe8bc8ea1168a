using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Domain.Evaluations;

public sealed class EvaluationOptions
{
    public const string SectionName = "Evaluation";

    /// <summary>Largest ground-truth archive accepted, as uploaded.</summary>
    [Range(1, long.MaxValue)]
    public long MaxGroundTruthBytes { get; set; } = 10L << 30;

    /// <summary>Largest ground truth once unpacked.</summary>
    [Range(1, long.MaxValue)]
    public long MaxGroundTruthUnpackedBytes { get; set; } = 20L << 30;

    [Range(1, int.MaxValue)]
    public int MaxGroundTruthFiles { get; set; } = 100_000;

    /// <summary>Unpacked size over packed size above which an archive is refused as a likely bomb.</summary>
    [Range(2, int.MaxValue)]
    public int MaxCompressionRatio { get; set; } = 200;

    /// <summary>Largest predictions file accepted.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPredictionsBytes { get; set; } = 2L << 30;

    /// <summary>Largest supplementary file (PDF or text) accepted.</summary>
    [Range(1, long.MaxValue)]
    public long MaxSupplementaryFileBytes { get; set; } = 50L << 20;
}
