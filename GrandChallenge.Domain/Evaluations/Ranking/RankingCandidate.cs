namespace GrandChallenge.Domain.Evaluations.Ranking;

/// <summary>
/// One evaluation of a phase as the ranking engine sees it. <paramref name="Metrics"/> holds the value of each of
/// <see cref="RankingSettings.RankedPaths"/> in that order, null where metrics.json has no number there; the caller
/// reads metrics.json once (<see cref="FromMetricsJson"/>) instead of the engine walking JSON while it sorts.
/// </summary>
/// <param name="ParticipantKey">Whose result this is (the submitter's user id); one participant's results are grouped by it.</param>
/// <param name="Created">When the evaluation (not the submission) was created: "most recent" and ties go by it.</param>
public sealed record RankingCandidate(
    Guid EvaluationId,
    string ParticipantKey,
    DateTimeOffset Created,
    bool Published,
    bool Succeeded,
    IReadOnlyList<double?> Metrics)
{
    /// <summary>A candidate whose metric values are read from metrics.json text for <paramref name="settings"/>.</summary>
    public static RankingCandidate FromMetricsJson(
        Guid evaluationId,
        string participantKey,
        DateTimeOffset created,
        bool published,
        bool succeeded,
        string? metricsJson,
        RankingSettings settings) =>
        new(evaluationId, participantKey, created, published, succeeded, settings.ReadRankedMetrics(metricsJson));
}
