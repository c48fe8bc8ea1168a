namespace GrandChallenge.Domain.Evaluations;

/// <summary>Which way a metric is better: <see cref="Descending"/> means higher values rank first.</summary>
public enum SortOrder
{
    Ascending,
    Descending,
}

/// <summary>How a result's per-metric positions become its rank (DESIGN "Ranking").</summary>
public enum ScoringMethod
{
    Absolute,
    MeanPosition,
    MedianPosition,
}

/// <summary>Which of a participant's results the leaderboard shows.</summary>
public enum ResultDisplay
{
    All,
    MostRecent,
    Best,
}

/// <summary>An extra leaderboard column read from <c>metrics.json</c>.</summary>
public sealed record ExtraResultColumn(string Path, string Title, SortOrder Order, bool ExcludeFromRanking = false, string? ErrorPath = null);
