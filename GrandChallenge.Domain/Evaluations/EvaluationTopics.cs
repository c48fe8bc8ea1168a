namespace GrandChallenge.Domain.Evaluations;

/// <summary>Change-notifier topics of the evaluation feature; payloads are the phase or evaluation id (a Guid).</summary>
public static class EvaluationTopics
{
    /// <summary>An evaluation of the phase was created, finished, published or unpublished.</summary>
    public static string Evaluations(Guid phaseId) => $"phase/{phaseId}/evaluations";

    /// <summary>The phase's ranks were recomputed.</summary>
    public static string Leaderboard(Guid phaseId) => $"phase/{phaseId}/leaderboard";
}
