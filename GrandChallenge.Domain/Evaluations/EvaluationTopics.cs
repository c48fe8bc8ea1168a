namespace GrandChallenge.Domain.Evaluations;

/// <summary>Change-notifier topics of the evaluation feature; payloads are the phase or evaluation id (a Guid).</summary>
public static class EvaluationTopics
{
    /// <summary>An evaluation of the phase was created, finished, published or unpublished.</summary>
    public static string Evaluations(Guid phaseId) => $"phase/{phaseId}/evaluations";

    /// <summary>A phase of the challenge was created or its settings changed; the payload is the challenge id.</summary>
    public static string Phases(Guid challengeId) => $"challenge/{challengeId}/phases";

    /// <summary>A ground truth of the phase was added, activated or deactivated.</summary>
    public static string GroundTruths(Guid phaseId) => $"phase/{phaseId}/ground-truths";

    /// <summary>The phase's ranks were recomputed.</summary>
    public static string Leaderboard(Guid phaseId) => $"phase/{phaseId}/leaderboard";
}
