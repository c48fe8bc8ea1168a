using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>What a participant handed in to a phase; evaluated once, and again whenever an admin re-evaluates it.</summary>
public class Submission : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid PhaseId { get; set; }
    public Guid? CreatorId { get; set; }
    /// <summary>The submitter's team in the challenge at the time of submission.</summary>
    public Guid? TeamId { get; set; }
    /// <summary>The predictions file as a value of a predictions socket (csv, json or zip).</summary>
    public long? PredictionsValueId { get; set; }
    public string PredictionsFilename { get; set; } = "";
    public long PredictionsSizeBytes { get; set; }
    /// <summary>Algorithm phases: the algorithm's container image and model submitted, with what the algorithm asked for then.</summary>
    public Guid? AlgorithmImageId { get; set; }
    public Guid? AlgorithmModelId { get; set; }
    public int? AlgorithmRequiresMemoryGb { get; set; }
    public bool AlgorithmRequiresGpu { get; set; }
    public string Comment { get; set; } = "";
    public string? SupplementaryUrl { get; set; }
    public string? SupplementaryFileBlobKey { get; set; }
    public string? SupplementaryFilename { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}
