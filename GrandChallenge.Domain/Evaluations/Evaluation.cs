using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>
/// One run of a phase's evaluation method on a submission (and the active ground truth). Its status, logs and
/// messages are those of its <see cref="Components.ComponentJob"/>; its leaderboard rank is in the phase's <see cref="PhaseRanking"/>.
/// </summary>
public class Evaluation : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SubmissionId { get; set; }
    public Guid PhaseId { get; set; }
    /// <summary>The submitter, copied from the submission so the leaderboard needs no join.</summary>
    public Guid? CreatorId { get; set; }
    /// <summary>The evaluation method (a container image of kind Evaluation owned by the phase).</summary>
    public Guid MethodId { get; set; }
    public Guid? GroundTruthId { get; set; }
    public Guid JobId { get; set; }
    public bool Published { get; set; }
    /// <summary>The contents of <c>metrics.json</c> once the evaluation succeeded.</summary>
    public string? MetricsJson { get; set; }
    /// <summary>
    /// For algorithm submissions: how far the inference has been queued while the evaluation's job waits, so that
    /// concurrent callers queue the smoke test and the other cases once each.
    /// </summary>
    public InferenceStage InferenceStage { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

/// <summary>What of an algorithm submission's inference has been queued (<see cref="Evaluation.InferenceStage"/>).</summary>
public enum InferenceStage
{
    /// <summary>Nothing yet (and every prediction submission).</summary>
    None,
    /// <summary>The one case run first.</summary>
    SmokeTest,
    /// <summary>Every case.</summary>
    AllCases,
}
